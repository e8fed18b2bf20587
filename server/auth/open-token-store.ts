import type { Pool } from 'pg';
import { PgTokenStore } from './tokens-pg';
import { SqliteTokenStore } from './tokens-sqlite';
import type { TokenStore } from './tokens';

/** The token table of this deployment: the shared PostgreSQL database when there is one, else the local SQLite file. */
export async function openTokenStore(dataDir: string, pool?: Pool): Promise<TokenStore> {
  return pool ? PgTokenStore.open(pool) : new SqliteTokenStore(dataDir);
}
