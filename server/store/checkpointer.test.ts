import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import type { Span } from '../../common/api';
import { toTraceRow } from '../ingest/api-shapes';
import { startCheckpointer, walHeld, type CheckpointerOptions } from './checkpointer';
import { DATABASE_FILE, WAL_LIMIT_BYTES } from './database';
import { SqliteStore } from './sqlite';
import { StoreUnavailableError } from './errors';
import { withAnswerDeadline } from './deadline';
import type { StoredSession, WriteBatch } from './types';
import { storedSession } from '../testing/sessions';

jest.setTimeout(60_000);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-ckpt-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const session = (i: number): StoredSession =>
  storedSession(`s${i}`, Date.now(), { name: 'x'.repeat(2000), rule: { type: 'advanced', expression: 'http.path ^= "/"' }, maxTraces: 10 });

const dbSize = () => fs.statSync(path.join(dir, DATABASE_FILE)).size;
const walSize = () => {
  try {
    return fs.statSync(path.join(dir, `${DATABASE_FILE}-wal`)).size;
  } catch {
    return 0;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(20);
  return cond();
}

/** 200 spans of ~1 KB each under fresh ids: about what one Kong export writes */
function spanBatch(): WriteBatch {
  const spans: Span[] = [];
  const traces: WriteBatch['traces'] = [];
  for (let t = 0; t < 10; t++) {
    const traceId = randomBytes(16).toString('hex');
    const first = spans.length;
    for (let i = 0; i < 20; i++) {
      spans.push({
        traceId,
        spanId: randomBytes(8).toString('hex'),
        parentSpanId: '',
        name: `kong.span.${i}`,
        kind: 1,
        startTimeUnixNano: '1700000000000000000',
        endTimeUnixNano: '1700000000001000000',
        startTimeMs: 1_700_000_000_000,
        durationNs: 1_000_000,
        attributes: { 'http.url': `https://example.com/${randomBytes(400).toString('hex')}` },
        events: [],
        statusCode: 0,
      });
    }
    // a trace's spans are stored with its row (compact storage: one record in the row)
    traces.push(toTraceRow(traceId, spans.slice(first), undefined));
  }
  return { tenant: 'default', spans, traces, memberships: [], sessions: [], logs: [] };
}

/**
 * Steady ingest, as the server does it: four writers (Kong's workers export concurrently), each committing its next
 * batch as soon as the last one is on disk, until `done()` or `ms`; the WAL's size is read after every commit.
 */
async function steadyIngest(store: SqliteStore, ms: number, done: () => boolean = () => false): Promise<{ maxWal: number; batches: number }> {
  const deadline = Date.now() + ms;
  let maxWal = 0;
  let batches = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < deadline && !done()) {
        await store.write(spanBatch());
        batches++;
        maxWal = Math.max(maxWal, walSize());
      }
    }),
  );
  return { maxWal, batches };
}

it('moves what the ingest thread wrote into the database file from its own thread, and stops cleanly', async () => {
  const store = new SqliteStore(dir);
  // Checkpoints are off on the writer's connection: without the thread, the database file would not grow.
  const before = dbSize();
  for (let i = 0; i < 50; i++) store.saveSession(session(i));
  expect(dbSize()).toBe(before);
  const stop = startCheckpointer(dir, { intervalMs: 20 });
  expect(await until(() => dbSize() > before)).toBe(true);
  await stop();
  await stop(); // twice is fine
  expect(store.listSessions()).toHaveLength(50);
  store.close();
});

describe('the WAL stays bounded', () => {
  const opts: CheckpointerOptions = { idleMs: 1000 };

  it('under steady ingest (the default limit), and is truncated to nothing once ingest stops', async () => {
    const store = new SqliteStore(dir);
    const stop = startCheckpointer(dir, opts);
    try {
      // Until the WAL has passed a quarter of the limit and been emptied three times (about 50 MB of commits).
      const { maxWal } = await steadyIngest(store, 40_000, () => stop.stats().limitTruncations >= 3);
      // With PASSIVE checkpoints alone it grew with every commit (issue 16: 1.4 GB in 150 s).
      expect(stop.stats().limitTruncations).toBeGreaterThanOrEqual(3);
      expect(maxWal).toBeLessThan(WAL_LIMIT_BYTES);
      // idle: commits stopped, so the WAL goes to zero bytes
      expect(await until(() => walSize() === 0 && stop.stats().idleTruncations > 0, 5000)).toBe(true);
    } finally {
      await stop();
      store.close();
    }
  });

  it('once a reader that held an old snapshot lets go', async () => {
    const limit = 4 * 1024 * 1024;
    const store = new SqliteStore(dir);
    await store.write(spanBatch());
    // Another connection (another process, a CLI) in a read transaction: no checkpoint can reset the WAL past it.
    const reader = new Database(path.join(dir, DATABASE_FILE));
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM traces').get();
    const stop = startCheckpointer(dir, { ...opts, walLimitBytes: limit, blockingTimeoutMs: 50 });
    try {
      await steadyIngest(store, 20_000, () => walSize() > 2 * limit && stop.stats().pinned === 1);
      expect(walSize()).toBeGreaterThan(2 * limit);
      expect(stop.stats().limitTruncations).toBe(0);
      // waiting would not free it: commits are not held
      expect(stop.stats().pinned).toBe(1);
      expect(walHeld(dir)).toBe(false);
      // ingest went on while the checkpoints gave up; the reader ends and the next check empties the WAL
      reader.exec('COMMIT');
      // (the counter moves just after the file is cut)
      expect(await until(() => walSize() === 0 && stop.stats().limitTruncations + stop.stats().idleTruncations > 0, 5000)).toBe(true);
    } finally {
      reader.close();
      await stop();
      store.close();
    }
  });
});

describe('commits wait while the WAL is past its bound', () => {
  it('until the checkpoint thread has emptied it', async () => {
    let held = true;
    const store = new SqliteStore(dir, Date.now, { walHeld: () => (held ? 'size' : false) });
    setTimeout(() => (held = false), 200);
    const t0 = Date.now();
    await store.write(spanBatch());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    expect(Date.now() - t0).toBeLessThan(450);
    store.close();
  });

  it("a held write whose request must be answered by now is refused unwritten (503, retried), the others wait", async () => {
    let held = true;
    const store = new SqliteStore(dir, Date.now, { walHeld: () => (held ? 'checkpoint' : false) });
    const late = spanBatch();
    const t0 = performance.now();
    const refused = withAnswerDeadline(t0 + 100, () => store.write(late)).then(
      () => 'written',
      (e: unknown) => e,
    );
    const other = store.write(spanBatch()); // no deadline (not a request's): waits for the hold as before
    const answer = await refused;
    expect(answer).toBeInstanceOf(StoreUnavailableError);
    expect((answer as StoreUnavailableError).retryAfterSeconds).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(performance.now() - t0).toBeLessThan(400);
    held = false;
    await other;
    expect(store.getSpans('default', late.spans[0].traceId)).toEqual([]);
    store.close();
  });

  it('half a second at most: a checkpoint that cannot finish never stops ingest', async () => {
    const store = new SqliteStore(dir, Date.now, { walHeld: () => 'size' });
    const t0 = Date.now();
    await Promise.all([store.write(spanBatch()), store.write(spanBatch())]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(480);
    expect(Date.now() - t0).toBeLessThan(2000);
    store.close();
  });

  it('with the WAL nearly at its limit, a group that waited half a second is refused unwritten (503, retried), not written past the bound', async () => {
    let full = true;
    const store = new SqliteStore(dir, Date.now, { walHeld: () => (full ? 'full' : false) });
    const batch = spanBatch();
    const t0 = Date.now();
    const answer = await store.write(batch).then(
      () => 'written',
      (e: unknown) => e,
    );
    expect(answer).toBeInstanceOf(StoreUnavailableError);
    expect((answer as StoreUnavailableError).retryAfterSeconds).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(480);
    expect(store.getSpans('default', batch.spans[0].traceId)).toEqual([]);
    // once a checkpoint has emptied it, writes go through again
    full = false;
    await store.write(batch);
    const first = batch.spans[0].traceId;
    expect(store.getSpans('default', first).length).toBe(batch.spans.filter((x) => x.traceId === first).length);
    store.close();
  });

  it('as long as a blocking checkpoint holds the lock, on a timer, not in a busy wait on the event loop', async () => {
    const t0 = Date.now();
    const store = new SqliteStore(dir, Date.now, { walHeld: () => (Date.now() - t0 < 800 ? 'checkpoint' : false) });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    await store.write(spanBatch());
    clearInterval(ticker);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(780);
    expect(ticks).toBeGreaterThan(20); // the event loop kept turning meanwhile
    store.close();
  });

  it('while a checkpoint thread runs and the WAL is past three quarters of the limit', async () => {
    const limit = 4 * 1024 * 1024;
    const store = new SqliteStore(dir);
    while (walSize() < limit) await store.write(spanBatch());
    expect(walHeld(dir)).toBe(false); // no checkpoint thread: nothing to wait for
    // another thread holds the write lock for a while, so the thread's TRUNCATE cannot finish
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require(workerData.driver))(workerData.file);
       db.exec('BEGIN IMMEDIATE');
       parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
       db.exec('COMMIT');
       db.close();`,
      { eval: true, workerData: { file: path.join(dir, DATABASE_FILE), driver: require.resolve('better-sqlite3') } },
    );
    const exited = new Promise((r) => holder.once('exit', r));
    await new Promise((r) => holder.once('message', r));
    const stop = startCheckpointer(dir, { walLimitBytes: limit, blockingTimeoutMs: 50 });
    try {
      expect(await until(() => walHeld(dir) !== false, 1400)).toBe(true);
      await exited;
      expect(await until(() => walHeld(dir) === false && walSize() === 0, 3000)).toBe(true);
    } finally {
      await stop();
      store.close();
    }
  });
});

it('a write that reads before it writes waits for the checkpoint thread instead of failing', async () => {
  const store = new SqliteStore(dir);
  store.saveSession(session(1));
  // Another thread holds the write lock for 300 ms, as a blocking checkpoint does.
  const holder = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const db = new (require(workerData.driver))(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     parentPort.postMessage('locked');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
     db.exec('COMMIT');
     db.close();`,
    { eval: true, workerData: { file: path.join(dir, DATABASE_FILE), driver: require.resolve('better-sqlite3') } },
  );
  const exited = new Promise((r) => holder.once('exit', r));
  await new Promise((r) => holder.once('message', r));
  // A membership alone: its transaction first looks the trace's row up, then writes.
  const t0 = Date.now();
  await store.write({ tenant: 'default', spans: [], traces: [], memberships: [['s1', 'ab'.repeat(16), 1]], sessions: [], logs: [] });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  await exited;
  store.close();
});
