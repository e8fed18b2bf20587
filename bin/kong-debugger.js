#!/usr/bin/env -S node --max-old-space-size=1024
// The CLI entry: load the TypeScript sources through tsx so the checkout runs without a build step.
// The shebang's V8 flags: server/cli/heap.ts.
require('tsx/cjs');
require('../server/cli/main.ts').main();
