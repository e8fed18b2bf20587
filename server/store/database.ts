import Database from 'better-sqlite3';
import path from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, narrowFiles } from './private-files';

export const DATABASE_FILE = 'kong-debugger.sqlite';

/** The WAL file's size bound, kept by the checkpoint thread (checkpointer.ts: it empties the WAL past a quarter). */
export const WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * When a commit is on disk. `full`: the WAL is fsynced at every commit, before the writer's callers are answered,
 * so an acknowledged batch survives an OS crash or power loss (group commit: one fsync per event-loop turn);
 * `normal`: fsynced only at checkpoints, which survives a killed process but not a crashed OS.
 * The cost of `full` is measured by `npm run bench -- --only durability` (README, reliability).
 */
export type Synchronous = 'full' | 'normal';
export const DEFAULT_SYNCHRONOUS: Synchronous = 'full';

/**
 * A connection to the server's one SQLite database in `dataDir`. WAL lets the store, the token table and
 * the audit log each keep a connection (and the CLI one more) without blocking one another's readers.
 */
export function openDatabase(dataDir: string, opts: { synchronous?: Synchronous } = {}): Database.Database {
  ensurePrivateDir(dataDir);
  const file = path.join(dataDir, DATABASE_FILE);
  ensurePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  narrowFiles([`${file}-wal`, `${file}-shm`]);
  db.pragma('busy_timeout = 5000');
  db.pragma(`synchronous = ${opts.synchronous ?? DEFAULT_SYNCHRONOUS}`);
  // A WAL the writer rewinds by itself (after a checkpoint that copied every frame) is cut back to this.
  db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES / 8}`);
  return db;
}
