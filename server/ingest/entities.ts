import type { DecodedTraceBatch } from '../otlp/types';

export interface SeenEntity {
  id: string;
  /** a readable label: the route's path for routes (Kong sends no names in spans) */
  name?: string;
  lastSeenMs: number;
}

const ROUTE_ATTRS = ['proxy.kong.route.id', 'proxy.kong.router.route_id'];
const SERVICE_ATTRS = ['proxy.kong.service.id', 'proxy.kong.router.service_id'];

function firstString(attrs: Record<string, unknown>, names: string[]): string | undefined {
  for (const n of names) {
    const v = attrs[n];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/**
 * The routes and services seen in recent traffic, for the basic-rule picker. Kong sends their ids on
 * the root span (Enterprise dialect); scanning is throttled so it costs nothing on a busy gateway.
 */
interface Seen {
  routes: Map<string, SeenEntity>;
  services: Map<string, SeenEntity>;
  lastScanMs: number;
}

export class EntityTracker {
  /** per tenant: one team never sees another's route ids */
  private readonly byTenant = new Map<string, Seen>();

  constructor(
    private readonly intervalMs = 1000,
    private readonly maxEntities = 1000,
  ) {}

  observe(batch: DecodedTraceBatch, nowMs: number, tenant: string): void {
    let seen = this.byTenant.get(tenant);
    if (!seen) this.byTenant.set(tenant, (seen = { routes: new Map(), services: new Map(), lastScanMs: -Infinity }));
    if (nowMs - seen.lastScanMs < this.intervalMs) return;
    seen.lastScanMs = nowMs;
    for (const s of batch.spans) {
      if (s.name !== 'kong' && s.name !== 'kong.router') continue;
      const route = firstString(s.attributes, ROUTE_ATTRS);
      const service = firstString(s.attributes, SERVICE_ATTRS);
      const path = s.attributes['http.route'];
      if (route) this.remember(seen.routes, route, typeof path === 'string' && path !== '' ? path : undefined, nowMs);
      if (service) this.remember(seen.services, service, undefined, nowMs);
    }
  }

  list(tenant: string): { routes: SeenEntity[]; services: SeenEntity[] } {
    const sorted = (m: Map<string, SeenEntity> | undefined) => [...(m?.values() ?? [])].sort((a, b) => b.lastSeenMs - a.lastSeenMs);
    const seen = this.byTenant.get(tenant);
    return { routes: sorted(seen?.routes), services: sorted(seen?.services) };
  }

  private remember(m: Map<string, SeenEntity>, id: string, name: string | undefined, nowMs: number): void {
    const e = m.get(id);
    if (e) {
      e.lastSeenMs = nowMs;
      if (name) e.name = name;
      return;
    }
    if (m.size >= this.maxEntities) {
      const oldest = [...m.values()].sort((a, b) => a.lastSeenMs - b.lastSeenMs)[0];
      m.delete(oldest.id);
    }
    m.set(id, { id, ...(name ? { name } : {}), lastSeenMs: nowMs });
  }
}
