import type { AuditAction, AuditEntry, AuditLog } from '../audit/audit';
import type { Principal } from '../auth/roles';

/** The audit log's actor of a caller: its token, and the Grafana user it acted for when there is one. */
export function actorOf(who: Principal): AuditEntry['actor'] {
  return { tokenId: who.tokenId || undefined, name: who.name, ...(who.grafanaUser ? { grafanaUser: who.grafanaUser } : {}) };
}

/** Records what the caller did, in the caller's tenant: the one way route handlers write the audit log. */
export function audited(audit: AuditLog, who: Principal, action: AuditAction, target: string, details?: Record<string, unknown>): Promise<void> {
  return audit.record({ tenant: who.tenant, actor: actorOf(who), action, target, ...(details ? { details } : {}) });
}
