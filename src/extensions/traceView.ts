import { firstAttr, isKongSpanName, KONG_SCOPE, ROUTE_ID_KEYS, SERVICE_ID_KEYS } from './kongAttributes';
import { isSpanId, isTraceId, newSessionPath, tracePath } from './paths';

interface KeyValue {
  key: string;
  value: unknown;
}

/**
 * Structural mirror of Grafana's `TraceViewPluginExtensionContext` (public/app/features/explore/TraceView/components/
 * types/trace.ts; not exported by @grafana/data): the trace (`{ ...trace, datasource }`), times in microseconds.
 */
export interface TraceViewHeaderContext {
  traceID?: string;
  startTime?: number;
  duration?: number;
  endTime?: number;
  spans?: Array<{
    spanID?: string;
    operationName?: string;
    tags?: KeyValue[];
    instrumentationLibraryName?: string;
    process?: { serviceName?: string; tags?: KeyValue[] };
  }>;
  datasource?: { name?: string; uid?: string; type?: string };
}

/** `PluginExtensionResourceAttributesContext`: older Grafana versions pass only `attributes` and `datasource`. */
export interface ResourceAttributesContext {
  attributes?: Record<string, string[]>;
  spanAttributes?: Record<string, string[]>;
  timeRange?: { from: number; to: number };
  traceID?: string;
  spanID?: string;
  datasource?: { type?: string; uid?: string };
}

/** The resource attribute row the span-details links sit on (Grafana matches `link.category === attribute key`). */
export const RESOURCE_ROW = 'service.name';

// Kong's timestamps and Grafana's trace view round differently; a minute either side keeps the trace in range.
const MARGIN_MS = 60_000;

type Span = NonNullable<TraceViewHeaderContext['spans']>[number];

function isKongSpan(span: Span): boolean {
  return span.instrumentationLibraryName === KONG_SCOPE || isKongSpanName(span.operationName);
}

function tagsOf(span: Span): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const { key, value } of [...(span.tags ?? []), ...(span.process?.tags ?? [])]) {
    (out[key] ??= []).push(value);
  }
  return out;
}

/** The trace's time range in ms (µs in the context), widened so the app's page finds it. */
function traceRangeMs(ctx: TraceViewHeaderContext): { from?: number; to?: number } {
  if (typeof ctx.startTime !== 'number' || !Number.isFinite(ctx.startTime)) {
    return {};
  }
  const startMs = Math.floor(ctx.startTime / 1000);
  const endUs = typeof ctx.endTime === 'number' ? ctx.endTime : ctx.startTime + (ctx.duration ?? 0);
  return { from: startMs - MARGIN_MS, to: Math.ceil(endUs / 1000) + MARGIN_MS };
}

/** The route/service ids a Kong trace names (first span that has them: the root or `kong.router`). */
function kongScope(spans: Span[]): { routeId?: string; serviceId?: string } {
  for (const span of spans.filter(isKongSpan)) {
    const tags = tagsOf(span);
    const routeId = firstAttr(tags, ROUTE_ID_KEYS);
    const serviceId = firstAttr(tags, SERVICE_ID_KEYS);
    if (routeId || serviceId) {
      return { routeId, serviceId };
    }
  }
  return {};
}

/** Trace view header, "Open trace in Kong Debugger": any trace with a Kong span, in the app's trace page. */
export function traceHeaderOpenLink(ctx: TraceViewHeaderContext | undefined): { path: string } | undefined {
  if (!ctx || !isTraceId(ctx.traceID) || !(ctx.spans ?? []).some(isKongSpan)) {
    return undefined;
  }
  return { path: tracePath(ctx.traceID.toLowerCase(), traceRangeMs(ctx)) };
}

/** Trace view header, "Debug this Kong route": a New session for the route (else service) the Kong trace went through. */
export function traceHeaderSessionLink(ctx: TraceViewHeaderContext | undefined): { path: string } | undefined {
  const { routeId, serviceId } = kongScope(ctx?.spans ?? []);
  if (routeId) {
    return { path: newSessionPath({ routes: [routeId] }) };
  }
  return serviceId ? { path: newSessionPath({ services: [serviceId] }) } : undefined;
}

/** Kong's span, by its attributes (the resource-attributes context has no span name or scope). */
function isKongResource(ctx: ResourceAttributesContext): boolean {
  const span = ctx.spanAttributes ?? {};
  return (
    Object.keys(span).some((k) => k.startsWith('proxy.kong.') || k.startsWith('kong.')) ||
    firstAttr(ctx.attributes, ['service.name']) === 'kong'
  );
}

/** Span details, beside `service.name`: "Open span in Kong Debugger" (Grafana 12.3+ passes trace and span ids). */
export function spanOpenLink(ctx: ResourceAttributesContext | undefined): { path: string } | undefined {
  if (!ctx || !isTraceId(ctx.traceID) || !isKongResource(ctx)) {
    return undefined;
  }
  const range = ctx.timeRange;
  return {
    path: tracePath(ctx.traceID.toLowerCase(), {
      spanId: isSpanId(ctx.spanID) ? ctx.spanID.toLowerCase() : undefined,
      from: range?.from,
      to: range?.to,
    }),
  };
}

/** Span details: "Start a Kong debug session for this route", when the span names its route (or service). */
export function spanSessionLink(ctx: ResourceAttributesContext | undefined): { path: string } | undefined {
  if (!ctx) {
    return undefined;
  }
  const all = { ...ctx.attributes, ...ctx.spanAttributes };
  const routeId = firstAttr(all, ROUTE_ID_KEYS);
  if (routeId) {
    return { path: newSessionPath({ routes: [routeId] }) };
  }
  const serviceId = firstAttr(all, SERVICE_ID_KEYS);
  return serviceId ? { path: newSessionPath({ services: [serviceId] }) } : undefined;
}
