import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SERVER_NODE_FLAGS } from './heap';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('the server runs with SERVER_NODE_FLAGS wherever it is started', () => {
  it("bin/kong-debugger.js's shebang (npx kong-debugger)", () => {
    expect(read('bin/kong-debugger.js').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`);
  });

  it("the image's ENTRYPOINT", () => {
    expect(read('server/Dockerfile')).toContain(`ENTRYPOINT ${JSON.stringify(['node', ...SERVER_NODE_FLAGS, 'bin/kong-debugger.js'])}`.replace(/","/g, '", "'));
  });

  it('npm start', () => {
    expect(JSON.parse(read('package.json')).scripts.start).toBe(`node ${SERVER_NODE_FLAGS.join(' ')} bin/kong-debugger.js serve --demo`);
  });

  it('and V8 takes them: its heap limit is the one given', () => {
    const limitMb = Number(execFileSync(process.execPath, [...SERVER_NODE_FLAGS, '-e', "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit / 1048576))"], { encoding: 'utf8' }));
    const given = Number(/--max-old-space-size=(\d+)/.exec(SERVER_NODE_FLAGS.join(' '))![1]);
    // the limit counts the young generation too
    expect(limitMb).toBeGreaterThanOrEqual(given);
    expect(limitMb).toBeLessThan(given * 1.1);
  });
});
