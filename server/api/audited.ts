import type { AuditAction, AuditLog } from '../audit/audit';
import type { Principal } from '../auth/roles';

/** Records what the caller did, in the caller's tenant: the one way route handlers write the audit log. */
export function audited(audit: AuditLog, who: Principal, action: AuditAction, target: string, details?: Record<string, unknown>): Promise<void> {
  return audit.record({ tenant: who.tenant, actor: { tokenId: who.tokenId || undefined, name: who.name }, action, target, ...(details ? { details } : {}) });
}
