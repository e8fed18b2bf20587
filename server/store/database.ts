import Database from 'better-sqlite3';
import path from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, narrowFiles } from './private-files';

export const DATABASE_FILE = 'kong-debugger.sqlite';

/**
 * A connection to the server's one SQLite database in `dataDir`. WAL lets the store, the token table and
 * the audit log each keep a connection (and the CLI one more) without blocking one another's readers.
 */
export function openDatabase(dataDir: string): Database.Database {
  ensurePrivateDir(dataDir);
  const file = path.join(dataDir, DATABASE_FILE);
  ensurePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  narrowFiles([`${file}-wal`, `${file}-shm`]);
  db.pragma('busy_timeout = 5000');
  return db;
}
