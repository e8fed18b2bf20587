import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

export const DATABASE_FILE = 'kong-debugger.sqlite';

/**
 * A connection to the server's one SQLite database in `dataDir`. WAL lets the store, the token table and
 * the audit log each keep a connection (and the CLI one more) without blocking one another's readers.
 */
export function openDatabase(dataDir: string): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
