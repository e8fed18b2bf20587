import type { Pool } from 'pg';
import type { KongStore } from './kong-store';
import { PgKongStore } from './kong-store-pg';
import { SqliteKongStore } from './kong-store-sqlite';

/** The shared PostgreSQL database when there is one, else the local SQLite file (as the audit log). */
export async function openKongStore(dataDir: string, pool?: Pool): Promise<KongStore> {
  return pool ? PgKongStore.open(pool) : new SqliteKongStore(dataDir);
}
