import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DATABASE_FILE, WAL_LIMIT_BYTES } from './database';

export interface CheckpointerOptions {
  /** how often a PASSIVE checkpoint copies the WAL into the database file, ms (default 1000) */
  intervalMs?: number;
  /** the WAL file's size bound, bytes (default WAL_LIMIT_BYTES): emptied past a quarter, commits held past three quarters */
  walLimitBytes?: number;
  /** no commit for this long and the WAL is truncated to zero bytes, ms (default 2000) */
  idleMs?: number;
  /**
   * the longest a blocking checkpoint waits for the writer's lock, then for readers to leave the WAL, ms (default 250).
   * While it holds the lock the ingest writer waits for it, so this also bounds that wait (plus the copy).
   */
  blockingTimeoutMs?: number;
}

const STAT_KEYS = ['passive', 'limitTruncations', 'idleTruncations', 'busy', 'maxWalBytes', 'maxBlockingMs', 'pinned', 'blocking'] as const;

/**
 * The thread's counters: PASSIVE checkpoints run; TRUNCATE checkpoints run because the WAL passed its limit, and
 * because commits stopped; blocking checkpoints that could not finish in time (retried); the largest WAL file size
 * seen at a check (bytes); the longest blocking checkpoint (ms: the most the writer can have waited for one); 1 while
 * a reader pins frames so that no checkpoint can empty the WAL, else 0; 1 while a blocking checkpoint runs, else 0.
 */
export type CheckpointStats = Record<(typeof STAT_KEYS)[number], number>;

/** the running checkpoint threads, by database file (walHeld) */
const RUNNING = new Map<string, { counters: Float64Array; limitBytes: number }>();
const PINNED = STAT_KEYS.indexOf('pinned');
const BLOCKING = STAT_KEYS.indexOf('blocking');

/**
 * Why commits to the database in `dataDir` should wait (SqliteStore), if they should:
 * - `checkpoint`: a blocking checkpoint holds the write lock; a commit now would stall the event loop in SQLite's busy
 *   wait, where waiting on a timer keeps the server answering;
 * - `size`: the WAL file is past three quarters of its limit (read here, on the writer's thread, so this holds even
 *   while the checkpoint thread is busy in a long checkpoint on a slow disk) and a checkpoint can empty it;
 * - `full`: past WAL_FULL of its limit: one more group could cross it, so a commit that waited its turn is refused
 *   (503, retried) rather than written.
 * False when no checkpoint thread runs for it (nothing would empty the WAL) or a reader pins frames.
 */
export function walHeld(dataDir: string): WalHold {
  const file = path.resolve(dataDir, DATABASE_FILE);
  const r = RUNNING.get(file);
  if (!r) return false;
  if (r.counters[BLOCKING] === 1) return 'checkpoint';
  if (r.counters[PINNED] === 1) return false;
  const size = fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  if (size > r.limitBytes * WAL_FULL) return 'full';
  return size > r.limitBytes * 0.75 ? 'size' : false;
}
export type WalHold = false | 'checkpoint' | 'size' | 'full';
/** the share of the WAL's limit past which commits are refused, not written: room for one group commit */
export const WAL_FULL = 0.9;

/** stops the thread (after a last TRUNCATE checkpoint); `stats()` reads its counters at any time */
export type Checkpointer = (() => Promise<void>) & { stats(): CheckpointStats };

// Plain JavaScript (a worker does not go through tsx): its own connection, on a timer.
// Why PASSIVE alone is not enough: a PASSIVE checkpoint copies the frames committed before it started; the writer
// rewinds the WAL to its start only if, when it next commits, every frame has been copied. Under steady ingest
// commits land while each checkpoint runs, so that never happens and the file grows for ever (issue 16: 1.4 GB in
// 150 s). Hence: PASSIVE on the timer; past a quarter of the limit, PASSIVE then TRUNCATE (the PASSIVE copies the bulk
// without blocking, so the blocking part only copies what came in meanwhile); and TRUNCATE once commits stop.
const WORKER = `
const { parentPort, workerData: o } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(o.driver);
const stats = new Float64Array(o.stats);
const S = Object.fromEntries(o.statKeys.map((k, i) => [k, i]));
const db = new Database(o.file);
// Used by the blocking checkpoints only (PASSIVE never waits).
db.pragma('busy_timeout = ' + o.blockingTimeoutMs);
const wal = o.file + '-wal';
const walStat = () => {
  try {
    const s = fs.statSync(wal);
    return [s.size, s.mtimeMs];
  } catch {
    return [0, 0];
  }
};
const checkpoint = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0];
const pageSize = db.pragma('page_size', { simple: true });
/**
 * Empties the WAL: PASSIVE passes first, without blocking anyone, until one copies less than a MiB (what committed
 * during the one before), so the blocking TRUNCATE that follows copies little. If a reader still pins frames
 * (PASSIVE could not copy them all), TRUNCATE would only wait for it while holding the writer's lock: skipped.
 */
// A reader pins frames when PASSIVE cannot copy them all. That also happens for a moment when a new reader, racing
// this thread over the read marks, settles for an older one; only three attempts in a row mean a reader that stays.
// Then no checkpoint can empty the WAL and commits are not held for it.
let pinnedRuns = 0;
let pinned = false;
function truncate(counter) {
  let r;
  let copied = -1;
  for (let i = 0; i < 3; i++) {
    r = checkpoint('PASSIVE');
    if ((r.checkpointed - copied) * pageSize < 1048576) break;
    copied = r.checkpointed;
  }
  pinnedRuns = r.checkpointed < r.log ? pinnedRuns + 1 : 0;
  pinned = pinnedRuns >= 3;
  stats[S.pinned] = pinned ? 1 : 0;
  if (pinnedRuns > 0) {
    stats[S.busy]++;
    return false;
  }
  const t0 = performance.now();
  stats[S.blocking] = 1;
  try {
    r = checkpoint('TRUNCATE');
  } finally {
    stats[S.blocking] = 0;
  }
  stats[S.maxBlockingMs] = Math.max(stats[S.maxBlockingMs], performance.now() - t0);
  stats[r.busy ? S.busy : S[counter]]++;
  return !r.busy;
}
let seen = [-1, -1];
let changedAt = Date.now();
let passiveAt = 0;
// after a blocking checkpoint gave up, the next waits this long: retrying at once would starve the writer
let retryAt = 0;
let overSince = 0;
let warned = false;
function tick() {
  const now = Date.now();
  const [size, mtime] = walStat();
  stats[S.maxWalBytes] = Math.max(stats[S.maxWalBytes], size);
  if (size !== seen[0] || mtime !== seen[1]) {
    seen = [size, mtime];
    changedAt = now;
  }
  // Emptied past a quarter of the limit: what commits while the check waits and the checkpoint runs (up to a second
  // of ingest on a busy machine, in the soak test) fits in the other three quarters.
  const over = size > o.walLimitBytes / 4;
  const idle = size > 0 && now - changedAt >= o.idleMs;
  if ((over || idle) && now >= retryAt) {
    passiveAt = now;
    if (truncate(over ? 'limitTruncations' : 'idleTruncations')) {
      overSince = 0;
    } else {
      // a reader stays on old frames: wait a while; else (the writer held the lock, a passing reader): retry soon
      retryAt = now + (pinned ? o.intervalMs : o.tickMs * 4);
      if (over && !overSince) overSince = now;
    }
    if (overSince && !warned && now - overSince > 10000) {
      warned = true;
      parentPort.postMessage('the WAL has stayed over a quarter of its limit of ' + o.walLimitBytes + ' bytes for 10 s (' + size +
        ' bytes): no checkpoint can finish while another connection keeps reading an old snapshot (another process on this database?)');
    }
  } else if (now - passiveAt >= o.intervalMs) {
    passiveAt = now;
    checkpoint('PASSIVE');
    stats[S.passive]++;
  }
}
const timer = setInterval(() => {
  try {
    tick();
  } catch (e) {
    parentPort.postMessage('WAL checkpoint failed: ' + String((e && e.message) || e));
  }
}, o.tickMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { checkpoint('TRUNCATE'); } catch {}
  db.close();
  parentPort.close();
});
`;

/**
 * WAL checkpoints on a second thread with their own connection, keeping the WAL file under a size bound under any
 * steady load and emptying it when ingest stops. Copying pages into the database file was about a fifth of the
 * ingest thread's time when it ran there (bench: `pragma` in the profile). Returns the function that stops it.
 *
 * The bound: the file's size is checked every 50 ms; past a quarter of walLimitBytes it is emptied, and past three
 * quarters the store's group commits wait for that (walHeld), so ingest slows to what checkpoints keep up with (a
 * slow or busy disk) rather than growing the file. A reader holding an old snapshot (another process on the same
 * database) can keep a checkpoint from finishing: then commits are not held (waiting would not help), it is retried
 * every second, and a warning names the cause when that lasts 10 s.
 */
export function startCheckpointer(dataDir: string, opts: CheckpointerOptions = {}): Checkpointer {
  const intervalMs = opts.intervalMs ?? 1000;
  const shared = new SharedArrayBuffer(STAT_KEYS.length * Float64Array.BYTES_PER_ELEMENT);
  const counters = new Float64Array(shared);
  const file = path.resolve(dataDir, DATABASE_FILE);
  const limitBytes = opts.walLimitBytes ?? WAL_LIMIT_BYTES;
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      file,
      driver: require.resolve('better-sqlite3'),
      intervalMs,
      tickMs: Math.min(50, intervalMs),
      walLimitBytes: limitBytes,
      idleMs: opts.idleMs ?? 2000,
      blockingTimeoutMs: opts.blockingTimeoutMs ?? 250,
      stats: shared,
      statKeys: STAT_KEYS,
    },
  });
  worker.on('message', (m: string) => process.stderr.write(`warning: ${m}\n`));
  worker.on('error', (e) => process.stderr.write(`warning: the WAL checkpoint thread stopped: ${e.message}\n`));
  worker.unref();
  let exited = false;
  const entry = { counters, limitBytes };
  RUNNING.set(file, entry);
  worker.once('exit', () => {
    exited = true;
    if (RUNNING.get(file) === entry) RUNNING.delete(file);
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      if (RUNNING.get(file) === entry) RUNNING.delete(file); // nothing holds commits for a thread that is going
      if (exited) return resolve();
      worker.once('exit', () => resolve());
      worker.ref(); // keep the process alive until the last checkpoint is done
      worker.postMessage('stop');
    }));
  const stats = () => Object.fromEntries(STAT_KEYS.map((k, i) => [k, counters[i]])) as CheckpointStats;
  return Object.assign(stop, { stats });
}
