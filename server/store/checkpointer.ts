import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DATABASE_FILE } from './database';

// Plain JavaScript (a worker does not go through tsx): its own connection, checkpointing on a timer.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    parentPort.postMessage(String(e && e.message || e));
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.close();
});
`;

/**
 * WAL checkpoints on a second thread with their own connection. A PASSIVE checkpoint never blocks the
 * writer in WAL mode, and copying pages into the database file was about a fifth of the ingest thread's
 * time when it ran there (bench: `pragma` in the profile). Returns the function that stops it.
 */
export function startCheckpointer(dataDir: string, intervalMs = 1000): () => Promise<void> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file: path.join(dataDir, DATABASE_FILE), intervalMs, driver: require.resolve('better-sqlite3') },
  });
  worker.on('message', (m: string) => process.stderr.write(`warning: WAL checkpoint failed: ${m}\n`));
  worker.on('error', (e) => process.stderr.write(`warning: the WAL checkpoint thread stopped: ${e.message}\n`));
  worker.unref();
  let stopped: Promise<void> | undefined;
  return () =>
    (stopped ??= new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.ref(); // keep the process alive until the last checkpoint is done
      worker.postMessage('stop');
    }));
}
