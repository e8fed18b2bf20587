import type { Pool } from 'pg';
import { SCHEMA_LOCK } from './postgres/schema';

/**
 * Runs `CREATE … IF NOT EXISTS` statements safely while other replicas may run the same ones: two
 * concurrent CREATE TABLE IF NOT EXISTS can both pass the existence check and one then fails on
 * pg_type's unique index. The transaction-scoped advisory lock (the one migrations take too) makes
 * the others wait and then find the tables there; it is released by COMMIT, even if the client dies.
 */
export async function ensureTables(pool: Pool, ddl: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(ddl);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    client.release();
  }
}
