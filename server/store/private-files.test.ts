import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../app';
import { postJson } from '../testing/otlp-builders';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('the data directory is private to the server user', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-perm-'));
    // a permissive umask must not widen anything
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates the directory 0700 and the database, WAL, shm and key files 0600', async () => {
    const dataDir = path.join(root, 'nested', 'data');
    const server = await startServer({ dataDir, port: 0, otlpPort: 0 });
    try {
      // a write, so the WAL exists
      const r = await postJson(`${server.apiUrl}/api/v1/sessions`, { rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60 });
      expect(r.status).toBe(201);
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(path.join(root, 'nested'))).toBe(0o700);
      const files = fs.readdirSync(dataDir);
      expect(files).toEqual(expect.arrayContaining(['kong-debugger.sqlite', 'kong-debugger.sqlite-wal', 'kong-debugger.sqlite-shm', 'kong-debugger.kek']));
      for (const f of files) expect([f, mode(path.join(dataDir, f))]).toEqual([f, 0o600]);
    } finally {
      await server.close();
    }
  });

  it('narrows a directory and files an older version left readable by others', async () => {
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    const first = await startServer({ dataDir, port: 0, otlpPort: 0 });
    await postJson(`${first.apiUrl}/api/v1/sessions`, { rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60 });
    await first.close();
    fs.chmodSync(dataDir, 0o755);
    for (const f of fs.readdirSync(dataDir)) if (!f.endsWith('.kek')) fs.chmodSync(path.join(dataDir, f), 0o644);

    const again = await startServer({ dataDir, port: 0, otlpPort: 0 });
    try {
      expect(mode(dataDir)).toBe(0o700);
      for (const f of fs.readdirSync(dataDir)) expect([f, mode(path.join(dataDir, f))]).toEqual([f, 0o600]);
    } finally {
      await again.close();
    }
  });
});
