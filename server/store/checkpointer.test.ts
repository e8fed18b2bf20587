import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCheckpointer } from './checkpointer';
import { DATABASE_FILE } from './database';
import { SqliteStore } from './sqlite';
import type { StoredSession } from './types';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-ckpt-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const session = (i: number): StoredSession => ({
  id: `s${i}`,
  name: 'x'.repeat(2000),
  rule: { type: 'advanced', expression: 'http.path ^= "/"' },
  status: 'in_progress',
  durationSeconds: 60,
  maxTraces: 10,
  captureLogs: false,
  traceCount: 0,
  logCount: 0,
  createdAt: new Date().toISOString(),
});

const dbSize = () => fs.statSync(path.join(dir, DATABASE_FILE)).size;

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

it('moves what the ingest thread wrote into the database file from its own thread, and stops cleanly', async () => {
  const store = new SqliteStore(dir);
  // Checkpoints are off on the writer's connection: without the thread, the database file would not grow.
  const before = dbSize();
  for (let i = 0; i < 50; i++) store.saveSession(session(i));
  expect(dbSize()).toBe(before);
  const stop = startCheckpointer(dir, 20);
  expect(await until(() => dbSize() > before)).toBe(true);
  await stop();
  await stop(); // twice is fine
  expect(store.listSessions()).toHaveLength(50);
  store.close();
});
