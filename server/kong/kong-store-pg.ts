import type { Pool } from 'pg';
import type { SessionTracing } from '../../common/api';
import { ensureTables } from '../store/pg-tables';
import { ENTITY_COLUMNS, changeValues, entityRow, type KongChange, type KongEntity, type KongStore } from './kong-store';

// JSON as text (as the audit log does): a name or tag Kong accepted must never fail our write.
const DDL = `CREATE TABLE IF NOT EXISTS kong_entities (
  gateway text NOT NULL, kind text NOT NULL, id text NOT NULL, name text, body text NOT NULL, synced_ms bigint NOT NULL,
  PRIMARY KEY (gateway, kind, id)
);
CREATE TABLE IF NOT EXISTS kong_changes (key text PRIMARY KEY, state text NOT NULL, body text NOT NULL, updated_ms bigint NOT NULL);
CREATE TABLE IF NOT EXISTS kong_session_tracing (session_id text PRIMARY KEY, body text NOT NULL);`;

/** the advisory lock key of the reconciler's passes ("kongdbg" in ASCII) */
const RECONCILE_LOCK = 0x6b6f6e67646267;

/**
 * The same, in the PostgreSQL database the replicas share. The pool belongs to the caller. The reconciler's
 * lock is a session-level advisory lock on one held connection: PostgreSQL releases it if this replica dies
 * (kill -9), so another replica takes over at its next pass.
 */
export class PgKongStore implements KongStore {
  private constructor(private readonly pool: Pool) {}

  static async open(pool: Pool): Promise<PgKongStore> {
    await ensureTables(pool, DDL);
    return new PgKongStore(pool);
  }

  async replaceEntities(gateway: string, entities: KongEntity[], nowMs: number): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM kong_entities WHERE gateway = $1', [gateway]);
      const rows = entities.length ? entities.map((e) => entityRow(e, nowMs)) : [[gateway, 'sync', '', null, '{}', nowMs]];
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const params: unknown[] = [];
        const tuples = chunk.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(', ')})`);
        await client.query(`INSERT INTO kong_entities (${ENTITY_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, params);
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async listEntities(): Promise<KongEntity[]> {
    const { rows } = await this.pool.query<{ body: string }>(`SELECT body FROM kong_entities WHERE kind != 'sync' ORDER BY gateway, kind, name, id`);
    return rows.map((r) => JSON.parse(r.body) as KongEntity);
  }

  async entitySyncTimes(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ gateway: string; t: string }>('SELECT gateway, MAX(synced_ms) AS t FROM kong_entities GROUP BY gateway');
    return new Map(rows.map((r) => [r.gateway, Number(r.t)]));
  }

  async getChange(key: string): Promise<KongChange | undefined> {
    const { rows } = await this.pool.query<{ body: string }>('SELECT body FROM kong_changes WHERE key = $1', [key]);
    return rows[0] ? (JSON.parse(rows[0].body) as KongChange) : undefined;
  }

  async openChanges(): Promise<KongChange[]> {
    const { rows } = await this.pool.query<{ body: string }>(`SELECT body FROM kong_changes WHERE state != 'reverted' ORDER BY key`);
    return rows.map((r) => JSON.parse(r.body) as KongChange);
  }

  async putChange(c: KongChange): Promise<void> {
    await this.pool.query(
      `INSERT INTO kong_changes (key, state, body, updated_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET state = EXCLUDED.state, body = EXCLUDED.body, updated_ms = EXCLUDED.updated_ms`,
      changeValues(c),
    );
  }

  async pruneReverted(beforeMs: number): Promise<number> {
    const r = await this.pool.query(`DELETE FROM kong_changes WHERE state = 'reverted' AND updated_ms < $1`, [beforeMs]);
    return r.rowCount ?? 0;
  }

  async saveTracing(sessionId: string, t: SessionTracing): Promise<void> {
    await this.pool.query(
      'INSERT INTO kong_session_tracing (session_id, body) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET body = EXCLUDED.body',
      [sessionId, JSON.stringify(t)],
    );
  }

  async tracingOf(ids: string[]): Promise<Map<string, SessionTracing>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ session_id: string; body: string }>('SELECT session_id, body FROM kong_session_tracing WHERE session_id = ANY($1)', [ids]);
    return new Map(rows.map((r) => [r.session_id, JSON.parse(r.body) as SessionTracing]));
  }

  async deleteTracing(sessionId: string): Promise<void> {
    await this.pool.query('DELETE FROM kong_session_tracing WHERE session_id = $1', [sessionId]);
  }

  async exclusive<T>(fn: () => Promise<T>, wait: boolean): Promise<T | undefined> {
    const client = await this.pool.connect();
    try {
      for (let tries = 0; ; tries++) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RECONCILE_LOCK]);
        if (rows[0].ok) break;
        if (!wait || tries > 100) return undefined;
        await new Promise((r) => setTimeout(r, 100));
      }
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [RECONCILE_LOCK]).catch(() => undefined);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    // the pool is the server's
  }
}
