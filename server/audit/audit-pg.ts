import type { Pool } from 'pg';
import { AUDIT_COLUMNS, DEFAULT_AUDIT_LIMIT, auditEntry, auditValues, type AuditEntry, type AuditLog, type AuditRow, type NewAuditEntry } from './audit';
import { ensureTables } from '../store/pg-tables';

// details as JSON text, not jsonb: jsonb refuses "\u0000" inside strings, and an audit write must not fail
// on what a caller typed into a session name or rule.
const DDL = `CREATE TABLE IF NOT EXISTS audit (
  id bigserial PRIMARY KEY,
  time_ms bigint NOT NULL,
  tenant text NOT NULL,
  token_id text,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  details text
);
CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant, id DESC);
-- logs written before Grafana users were recorded gain the column (NULL: no Grafana user known)
ALTER TABLE audit ADD COLUMN IF NOT EXISTS grafana_user text;`;

type PgRow = Omit<AuditRow, 'id' | 'time_ms'> & { id: number | string; time_ms: number | string };

/**
 * The audit log in the PostgreSQL database every replica shares: any replica lists every replica's
 * entries. The pool belongs to the caller: close() leaves it open.
 */
export class PgAuditLog implements AuditLog {
  private constructor(private readonly pool: Pool) {}

  static async open(pool: Pool): Promise<PgAuditLog> {
    await ensureTables(pool, DDL);
    return new PgAuditLog(pool);
  }

  async record(e: NewAuditEntry, nowMs = Date.now()): Promise<void> {
    await this.pool.query(`INSERT INTO audit (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, auditValues(e, nowMs));
  }

  async list(tenant: string, opts: { target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = opts.limit ?? DEFAULT_AUDIT_LIMIT;
    const { rows } = opts.target
      ? await this.pool.query<PgRow>(`SELECT * FROM audit WHERE tenant = $1 AND target = $2 ORDER BY id DESC LIMIT $3`, [tenant, opts.target, limit])
      : await this.pool.query<PgRow>(`SELECT * FROM audit WHERE tenant = $1 ORDER BY id DESC LIMIT $2`, [tenant, limit]);
    // bigint comes back as a string unless pg-pool.ts's parser is installed; ids and Unix ms fit a number.
    return rows.map((r) => auditEntry({ ...r, id: Number(r.id), time_ms: Number(r.time_ms) }));
  }

  async close(): Promise<void> {
    // The pool is shared with the rest of the server; its owner ends it.
  }
}
