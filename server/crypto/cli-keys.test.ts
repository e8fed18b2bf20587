import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli } from '../cli/main';
import { SqliteStore } from '../store/sqlite';
import { LocalKeyProvider } from './local';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-keys-'))));
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('`keys rotate` moves every session key to a new local KEK version and logs stay readable', async () => {
  const store = new SqliteStore(dir, Date.now, { keyProvider: LocalKeyProvider.open(dir) });
  await store.write({
    tenant: 'default',
    spans: [],
    traces: [],
    memberships: [],
    sessions: [],
    logs: [{ sessionId: 's1', dedupeKey: 'k1', timeUnixNano: '1700000000000000000', timeMs: 1.7e12, level: 'info', severityNumber: 9, body: 'hello', attributes: { a: 'b' } }],
  });
  store.close();
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  await buildCli().parseAsync(['node', 'kong-debugger', 'keys', 'rotate', '--data-dir', dir]);
  expect(out.mock.calls.map((c) => String(c[0]))).toEqual(['re-wrapped 1 session keys\n']);
  const again = new SqliteStore(dir, Date.now, { keyProvider: LocalKeyProvider.open(dir) });
  try {
    expect((again.keyring as any).store.getDek('s1').kekId).toBe('local:v2');
    const page = await again.listLogs('s1', {});
    expect(page.logs.map((l) => [l.body, l.attributes])).toEqual([['hello', { a: 'b' }]]);
  } finally {
    again.close();
  }
});
