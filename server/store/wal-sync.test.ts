import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATABASE_FILE } from './database';
import { SqliteStore } from './sqlite';
import type { StoredSession, WriteBatch } from './types';
import { storedSession } from '../testing/sessions';
import { WalSync } from './wal-sync';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-walsync-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const session: StoredSession = storedSession('s1', Date.now(), { name: 'x', rule: { type: 'advanced', expression: 'http.path ^= "/"' }, maxTraces: 10 });
const batch = (): WriteBatch => ({ tenant: 'default', spans: [], traces: [], memberships: [], sessions: [{ ...session, traceCount: 1 }], logs: [] });
const tick = () => new Promise((r) => setTimeout(r, 30));

/** fs.fsync held until released, recording which files it was asked to sync */
function holdFsyncs() {
  const held: Array<{ file: string; release: (err?: Error) => void }> = [];
  const real = fs.fsync;
  jest.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    const file = fs.readlinkSync(`/proc/self/fd/${fd}`);
    held.push({ file, release: (err) => (err ? cb(err as NodeJS.ErrnoException) : real(fd, cb)) });
  }) as typeof fs.fsync);
  return held;
}

describe('SqliteStore answers a write once the WAL is on disk (synchronous full, the default)', () => {
  it('not before an fsync of the WAL that started after the commit has finished', async () => {
    const held = holdFsyncs();
    const store = new SqliteStore(dir);
    store.saveSession(session);
    let settled = false;
    const written = Promise.resolve(store.write(batch())).then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    expect(held.map((h) => h.file)).toEqual([fs.realpathSync(path.join(dir, `${DATABASE_FILE}-wal`))]);
    // a second batch committed while that fsync runs waits for the next one: one fsync a group, not one a batch
    let second = false;
    const written2 = Promise.resolve(store.write(batch())).then(() => (second = true));
    const written3 = Promise.resolve(store.write(batch()));
    await tick();
    expect(held).toHaveLength(1);
    held[0].release();
    await written;
    expect(second).toBe(false);
    await tick();
    expect(held).toHaveLength(2);
    held[1].release();
    await Promise.all([written2, written3]);
    expect(held).toHaveLength(2);
    store.close();
  });

  it('fails the write when the fsync fails, so the request is not acknowledged', async () => {
    const held = holdFsyncs();
    const store = new SqliteStore(dir);
    store.saveSession(session);
    const written = Promise.resolve(store.write(batch()));
    await tick();
    held[0].release(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await expect(written).rejects.toThrow(/EIO/);
    store.close();
  });

  it('at once with synchronous normal (written to the OS only)', async () => {
    const held = holdFsyncs();
    const store = new SqliteStore(dir, Date.now, { synchronous: 'normal' });
    store.saveSession(session);
    await store.write(batch());
    expect(held).toHaveLength(0);
    store.close();
  });

  it('settles what still waits when the store closes', async () => {
    const held = holdFsyncs();
    const store = new SqliteStore(dir);
    store.saveSession(session);
    const written = Promise.resolve(store.write(batch()));
    await tick();
    const later = Promise.resolve(store.write(batch()));
    store.close(); // commits the queued batch and syncs on the spot
    await later;
    held[0].release();
    await written;
  });
});

it('WalSync reports the open error of a missing file to its callers', async () => {
  const sync = new WalSync(path.join(dir, 'nope-wal'));
  const err = await new Promise<Error | undefined>((r) => sync.after(r));
  expect(err?.message).toMatch(/ENOENT/);
});
