import type { SharedSessions, Store } from '../store/types';
import { tenantOf } from '../sessions/manager';
import type { Decision } from './decision-cache';
import { byTenant, traceKey, type TraceKey } from './trace-key';

/** decisions another replica made, for one tenant's traces */
export interface Adopted {
  tenant: string;
  decided: Array<[TraceKey, Decision]>;
}

/**
 * Shared store: spans and logs waiting here may belong to a trace another replica judged (a load
 * balancer splits Kong's trace and log exports). Such a trace is in the database with its sessions;
 * this finds those decisions for the traces something waits for, so they can be adopted (the trace
 * was already counted against the cap there). Only sessions of the tenant the waiting data came from
 * can adopt it.
 */
export class Adoption {
  constructor(
    private readonly shared: Pick<SharedSessions, 'sessionsOfTraces'>,
    private readonly store: Pick<Store, 'getSession'>,
  ) {}

  /** `isKept`: traces already decided here, not looked up again */
  async lookUp(waiting: TraceKey[], isKept: (key: TraceKey) => boolean): Promise<Adopted[]> {
    const out: Adopted[] = [];
    for (const [tenant, traceIds] of byTenant(waiting.filter((k) => !isKept(k)))) {
      const found = await this.shared.sessionsOfTraces(tenant, traceIds);
      const decided: Array<[TraceKey, Decision]> = [];
      for (const [traceId, sessionIds] of found) {
        const sessions: string[] = [];
        const logSessions: string[] = [];
        for (const id of sessionIds) {
          const s = await this.store.getSession(id);
          if (!s || tenantOf(s) !== tenant) continue;
          sessions.push(id);
          if (s.captureLogs) logSessions.push(id);
        }
        if (sessions.length) decided.push([traceKey(tenant, traceId), { sessions, logSessions }]);
      }
      if (decided.length) out.push({ tenant, decided });
    }
    return out;
  }
}
