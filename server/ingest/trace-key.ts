/**
 * What every in-memory ingest structure (decisions, the wait buffer, recent traces, adoption) is keyed
 * by: a trace of one tenant. Two tenants' gateways can carry the same W3C trace id (context propagated
 * from one team's Kong to a service behind another's), and neither may see or decide the other's trace.
 * The tenant comes from the ingest token of the request that carried the data.
 */
export type TraceKey = string & { readonly __traceKey: true };

// Trace ids are lowercase hex, so the last separator in a key is always the one between the parts.
const SEP = '/';

export function traceKey(tenant: string, traceId: string): TraceKey {
  return `${tenant}${SEP}${traceId}` as TraceKey;
}

export function traceKeyParts(key: TraceKey): { tenant: string; traceId: string } {
  const i = key.lastIndexOf(SEP);
  return { tenant: key.slice(0, i), traceId: key.slice(i + 1) };
}

export function traceIdOf(key: TraceKey): string {
  return key.slice(key.lastIndexOf(SEP) + 1);
}

export function tenantOfKey(key: TraceKey): string {
  return key.slice(0, key.lastIndexOf(SEP));
}

/** keys grouped by tenant, trace ids in first-seen order: one store call per tenant */
export function byTenant(keys: Iterable<TraceKey>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of keys) {
    const { tenant, traceId } = traceKeyParts(k);
    const list = out.get(tenant);
    if (list) list.push(traceId);
    else out.set(tenant, [traceId]);
  }
  return out;
}
