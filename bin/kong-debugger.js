#!/usr/bin/env node
// The CLI entry: load the TypeScript sources through tsx so the checkout runs without a build step.
require('tsx/cjs');
require('../server/cli/main.ts').main();
