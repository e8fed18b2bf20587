import { ROUTES } from '../pages/constants';

/** Where a link should open: the app's pages take these as query parameters (src/pages/constants.ts routes). */
export type TimeBound = number | string;

/** `path?k=v&k=v2`, skipping empty values; arrays repeat the key (the New session page reads `route` repeatedly). */
export function withQuery(path: string, params: Record<string, TimeBound | string[] | undefined>): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== '' && !(typeof v === 'number' && !Number.isFinite(v))) {
        qs.append(key, String(v));
      }
    }
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** The app's trace page (Summary | Spans | Logs), the span selected, with an absolute or Grafana-relative range. */
export function tracePath(traceId: string, opts: { spanId?: string; from?: TimeBound; to?: TimeBound } = {}): string {
  return withQuery(ROUTES.trace(traceId), { span: opts.spanId, from: opts.from, to: opts.to });
}

/** A session's page, optionally with a trace and span selected. */
export function sessionPath(sessionId: string, opts: { traceId?: string; spanId?: string; from?: TimeBound; to?: TimeBound } = {}): string {
  return withQuery(ROUTES.session(sessionId), { trace: opts.traceId, span: opts.spanId, from: opts.from, to: opts.to });
}

/** The New session form pre-filled: routes/services by Kong name or id, and/or an expression (advanced rule). */
export function newSessionPath(prefill: { routes?: string[]; services?: string[]; rule?: string }): string {
  return withQuery(ROUTES.newSession, { route: prefill.routes, service: prefill.services, rule: prefill.rule });
}

/** OpenTelemetry trace id (32 hex) or a Jaeger 64-bit one (16 hex): anything else would be a dead link. */
export function isTraceId(v: unknown): v is string {
  return typeof v === 'string' && /^(?:[0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/.test(v);
}

export function isSpanId(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-fA-F]{16}$/.test(v);
}

/** A concrete value (not a template variable Grafana has not replaced, not blank). */
export function concrete(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' && !v.includes('$') ? v.trim() : undefined;
}

/**
 * A Grafana raw time bound as a URL value: DateTime → epoch ms, 'now-1h' kept as is (the app pages accept both,
 * like Grafana's own `from`/`to`).
 */
export function timeBound(v: unknown): TimeBound | undefined {
  if (typeof v === 'string') {
    return v || undefined;
  }
  if (typeof v === 'number') {
    return Number.isFinite(v) ? v : undefined;
  }
  if (v && typeof (v as { valueOf: () => unknown }).valueOf === 'function') {
    const n = (v as { valueOf: () => unknown }).valueOf();
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
