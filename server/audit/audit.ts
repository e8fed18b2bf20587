export type AuditAction = 'session.create' | 'session.stop' | 'session.delete' | 'token.create' | 'token.revoke' | 'trace.upload';

export interface AuditEntry {
  id: number;
  time: string;
  tenant: string;
  /**
   * token id and name of who did it ('anonymous' when the server runs without auth), and the Grafana user
   * the token acted for when the call came through Grafana's data source proxy (auth/grafana-user.ts)
   */
  actor: { tokenId?: string; name: string; grafanaUser?: string };
  action: AuditAction;
  /** the session or token acted on */
  target: string;
  details?: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time'>;

/**
 * Who created, stopped or deleted which session (and managed which token), and when. Append-only.
 * SqliteAuditLog keeps one machine's; PgAuditLog every replica's, in one list.
 */
export interface AuditLog {
  record(e: NewAuditEntry, nowMs?: number): Promise<void>;
  /** newest first, one tenant's; `target` narrows to one session or token; `limit` defaults to DEFAULT_AUDIT_LIMIT */
  list(tenant: string, opts?: { target?: string; limit?: number }): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export const DEFAULT_AUDIT_LIMIT = 200;

/** An entry as both tables store it; details as JSON text. */
export interface AuditRow {
  id: number;
  time_ms: number;
  tenant: string;
  token_id: string | null;
  actor: string;
  action: AuditAction;
  target: string;
  details: string | null;
  grafana_user: string | null;
}

/** The column values of a new entry, in the order of AUDIT_COLUMNS. */
export const AUDIT_COLUMNS = ['time_ms', 'tenant', 'token_id', 'actor', 'action', 'target', 'details', 'grafana_user'] as const;

export function auditValues(e: NewAuditEntry, nowMs: number): Array<string | number | null> {
  return [nowMs, e.tenant, e.actor.tokenId ?? null, e.actor.name, e.action, e.target, e.details ? JSON.stringify(e.details) : null, e.actor.grafanaUser ?? null];
}

export function auditEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    time: new Date(r.time_ms).toISOString(),
    tenant: r.tenant,
    actor: { ...(r.token_id ? { tokenId: r.token_id } : {}), name: r.actor, ...(r.grafana_user ? { grafanaUser: r.grafana_user } : {}) },
    action: r.action,
    target: r.target,
    ...(r.details ? { details: JSON.parse(r.details) } : {}),
  };
}
