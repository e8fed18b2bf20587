/**
 * How a span seen in someone else's trace view (Tempo, Jaeger) is recognised as Kong's, and where its route
 * and service are. Kong's own instrumentation scope is `kong-internal` (Kong 3.3+, constant since), its span names
 * `kong` / `kong.*`; the resource's `service.name` defaults to `kong` but is configurable. Route/service ids are on
 * the root span (`proxy.kong.route.id`, Enterprise 3.10+) or `kong.router` (`proxy.kong.router.route_id`), the same
 * names common/spans/facts.ts reads.
 */
export const KONG_SCOPE = 'kong-internal';
export const ROUTE_ID_KEYS = ['proxy.kong.route.id', 'proxy.kong.router.route_id'] as const;
export const SERVICE_ID_KEYS = ['proxy.kong.service.id', 'proxy.kong.router.service_id'] as const;

export function isKongSpanName(name: unknown): boolean {
  return typeof name === 'string' && (name === 'kong' || name.startsWith('kong.'));
}

/** First non-blank value among `keys` in a Grafana attribute map (`Record<key, values[]>`, as the trace view passes). */
export function firstAttr(attrs: Record<string, unknown> | undefined, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const raw = attrs?.[key];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if ((typeof v === 'string' && v.trim()) || typeof v === 'number') {
      return String(v).trim();
    }
  }
  return undefined;
}
