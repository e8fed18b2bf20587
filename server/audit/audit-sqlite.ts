import type Database from 'better-sqlite3';
import { AUDIT_COLUMNS, DEFAULT_AUDIT_LIMIT, auditEntry, auditValues, type AuditEntry, type AuditLog, type AuditRow, type NewAuditEntry } from './audit';
import { openDatabase } from '../store/database';

/** The audit log in the server's SQLite file. */
export class SqliteAuditLog implements AuditLog {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir);
    this.db.exec(`CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      time_ms INTEGER NOT NULL,
      tenant TEXT NOT NULL,
      token_id TEXT,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT NOT NULL,
      details TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant, id DESC);`);
    // Logs written before Grafana users were recorded gain the column (NULL: no Grafana user known).
    const columns = this.db.prepare(`PRAGMA table_info(audit)`).all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'grafana_user')) this.db.exec(`ALTER TABLE audit ADD COLUMN grafana_user TEXT`);
  }

  async record(e: NewAuditEntry, nowMs = Date.now()): Promise<void> {
    this.db.prepare(`INSERT INTO audit (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`).run(...auditValues(e, nowMs));
  }

  async list(tenant: string, opts: { target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const rows = this.db
      .prepare(`SELECT * FROM audit WHERE tenant = ? ${opts.target ? 'AND target = ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...(opts.target ? [tenant, opts.target] : [tenant]), opts.limit ?? DEFAULT_AUDIT_LIMIT) as AuditRow[];
    return rows.map(auditEntry);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
