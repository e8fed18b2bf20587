import type Database from 'better-sqlite3';
import { openDatabase } from '../store/database';

export type AuditAction = 'session.create' | 'session.stop' | 'session.delete' | 'token.create' | 'token.revoke';

export interface AuditEntry {
  id: number;
  time: string;
  tenant: string;
  /** token id and name of who did it; 'anonymous' when the server runs without auth */
  actor: { tokenId?: string; name: string };
  action: AuditAction;
  /** the session or token acted on */
  target: string;
  details?: Record<string, unknown>;
}

/** Who created, stopped or deleted which session (and managed which token), and when. Append-only. */
export class AuditLog {
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
  }

  record(e: Omit<AuditEntry, 'id' | 'time'>, nowMs = Date.now()): void {
    this.db
      .prepare(`INSERT INTO audit (time_ms, tenant, token_id, actor, action, target, details) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(nowMs, e.tenant, e.actor.tokenId ?? null, e.actor.name, e.action, e.target, e.details ? JSON.stringify(e.details) : null);
  }

  /** newest first; `target` narrows to one session or token */
  list(tenant: string, opts: { target?: string; limit?: number } = {}): AuditEntry[] {
    const rows = this.db
      .prepare(`SELECT * FROM audit WHERE tenant = ? ${opts.target ? 'AND target = ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...(opts.target ? [tenant, opts.target] : [tenant]), opts.limit ?? 200) as Array<{
      id: number;
      time_ms: number;
      tenant: string;
      token_id: string | null;
      actor: string;
      action: AuditAction;
      target: string;
      details: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      time: new Date(r.time_ms).toISOString(),
      tenant: r.tenant,
      actor: { ...(r.token_id ? { tokenId: r.token_id } : {}), name: r.actor },
      action: r.action,
      target: r.target,
      ...(r.details ? { details: JSON.parse(r.details) } : {}),
    }));
  }

  close(): void {
    this.db.close();
  }
}
