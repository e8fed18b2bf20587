/*
 * The stores a bench section runs on: the embedded SQLite in a temp dir, or PostgreSQL in a fresh
 * database on the machine's server (TEST_DATABASE_URL or 127.0.0.1:5432), dropped afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { DATABASE_FILE, openDatabase, type Synchronous } from '../server/store/database';
import { startCheckpointer } from '../server/store/checkpointer';
import { PgStore } from '../server/store/postgres';
import { SqliteStore } from '../server/store/sqlite';
import type { Store } from '../server/store/types';
import { createTestDatabase, PG_ADMIN_URL } from '../server/testing/pg';
import { rmDir, tmpDir } from './util';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];
export const STORE_LABEL: Record<StoreKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export interface BenchStore {
  store: Store;
  /** SQLite: moves the WAL into the database now; PostgreSQL: nothing */
  checkpoint(): void;
  /** what the server runs besides ingest (SQLite: the checkpoint thread); returns its stop */
  startServerTimers(): () => Promise<void>;
  /** after a bulk fill: what the database does on its own soon after (PostgreSQL: autovacuum's VACUUM ANALYZE) */
  settle(): Promise<void>;
  /** the database's size on disk, bytes */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}

/**
 * SQLite's durability settings the durability section compares: the store's own ('full': answered after an fsync
 * off the event loop, the default; 'normal'), and 'sqlite-full', SQLite's synchronous = FULL on the store's
 * connection (the fsync inside each commit, on the event loop).
 */
export type BenchSync = Synchronous | 'sqlite-full';

export async function openBenchStore(kind: StoreKind, label: string, sync?: BenchSync): Promise<BenchStore> {
  if (kind === 'sqlite') {
    const dir = tmpDir(label);
    const store = new SqliteStore(dir, Date.now, sync ? { synchronous: sync === 'sqlite-full' ? 'normal' : sync } : {});
    // a baseline only the benchmark needs: set on the store's (private) connection
    if (sync === 'sqlite-full') (store as unknown as { db: Database.Database }).db.pragma('synchronous = FULL');
    return {
      store,
      checkpoint: () => store.checkpoint(),
      startServerTimers: () => startCheckpointer(dir),
      settle: async () => store.checkpoint(),
      sizeBytes: async () => {
        // The WAL keeps its largest size until truncated; what the data takes is the database once it is moved in.
        const db = openDatabase(dir);
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
        return [DATABASE_FILE, `${DATABASE_FILE}-wal`].map((f) => path.join(dir, f)).reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
      },
      async close() {
        store.close();
        rmDir(dir);
      },
    };
  }
  const db = await createTestDatabase('kdbg_bench');
  const store = await PgStore.open(db.url, Date.now, { poolSize: 8 });
  return {
    store,
    checkpoint: () => undefined,
    startServerTimers: () => async () => undefined,
    settle: async () => void (await store.pool.query('VACUUM ANALYZE')),
    sizeBytes: async () => Number((await store.pool.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0].n),
    async close() {
      await store.close();
      await db.drop();
    },
  };
}

/** why PostgreSQL figures are missing, or undefined when it answers */
export async function postgresUnavailable(): Promise<string | undefined> {
  try {
    const db = await createTestDatabase('kdbg_bench');
    await db.drop();
    return undefined;
  } catch (e) {
    return `PostgreSQL not reachable at ${PG_ADMIN_URL}: ${(e as Error).message}`;
  }
}
