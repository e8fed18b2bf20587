import type { Span, TraceListItem } from '../api';
import { balancerTries, traceContext, type TraceContext } from '../lifecycle/context';
import { latencyFromContext } from '../lifecycle/latency';
import { numberAttr, stringAttr } from './attributes';
import { detectDialect } from './dialect';
import { isCertainRoot } from './root';
import { earliestStart, nsToMs, parseNs } from './time';

/** Every trace-list column except the id: what the server stores per trace and filters on. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface TraceFacts extends Omit<TraceListItem, 'traceId'> {}

// Attribute names, current (Enterprise 3.10+ / OTel semconv) first, then older Kong names.
const METHOD = ['http.request.method', 'http.method'];
const URL_NAMES = ['url.full', 'http.url'];
const PATH = ['url.path', 'http.target'];
const HOST = ['proxy.kong.request.host', 'http.request.header.host', 'http.host'];
const STATUS = ['http.response.status_code', 'http.status_code'];
const UPSTREAM_STATUS = ['proxy.kong.upstream.status_code', 'proxy.kong.upstream_status_code'];
const ROUTE = ['proxy.kong.route.id', 'proxy.kong.router.route_id'];
const SERVICE = ['proxy.kong.service.id', 'proxy.kong.router.service_id'];
const CONSUMER = ['proxy.kong.consumer.id', 'proxy.kong.consumer_id'];
// client.address / http.client_ip honour trusted_ips (the real client); the peer is the fallback.
const CLIENT = ['client.address', 'http.client_ip', 'network.peer.address', 'net.peer.ip'];

/**
 * The trace-list facts of one trace, from its root span (ids also from `kong.router`, where
 * Enterprise puts them). Without a root (it has not arrived yet) start/duration span the
 * received spans and the request columns stay absent.
 * - `url` is kept as Kong sent it (OSS `http.url` includes the query string); `path` never has one.
 * - `upstreamStatusCode` falls back, on OSS, to the last balancer try's `http.status_code`, which
 *   Kong sets only when that try failed with a 5xx.
 * - `error`: client status ≥ 500, or any span with status ERROR (Kong never marks the root, but
 *   marks failed DNS lookups, balancer tries, router misses and plugin errors).
 * - `spanCount` counts distinct span ids.
 */
export function traceFacts(spans: Span[]): TraceFacts {
  return factsFromContext(traceContext(spans));
}

/** traceFacts over an already built context (traceSummary shares one context with the map). */
export function factsFromContext(ctx: TraceContext): TraceFacts {
  const spans = ctx.spans;
  // findRoot's stand-in (earliest orphan) is not the request: no request columns from it.
  const root = isCertainRoot(ctx.root) ? ctx.root : undefined;
  const a = root?.attributes;
  const router = spans.find((s) => s.name === 'kong.router');
  const statusCode = intOrUndefined(numberAttr(a, ...STATUS));
  let upstreamStatusCode = intOrUndefined(numberAttr(a, ...UPSTREAM_STATUS));
  if (upstreamStatusCode === undefined) {
    const tries = balancerTries(ctx);
    const last = tries[tries.length - 1];
    upstreamStatusCode = last ? intOrUndefined(numberAttr(last.attributes, 'http.status_code')) : undefined;
  }
  const url = stringAttr(a, ...URL_NAMES);
  const { startTimeUnixNano, startTimeMs, durationNs } = extent(spans, root);

  const facts: TraceFacts = {
    startTimeUnixNano,
    startTimeMs,
    durationNs,
    error: (statusCode !== undefined && statusCode >= 500) || spans.some((s) => s.statusCode === 2),
    spanCount: new Set(spans.map((s) => s.spanId)).size,
    dialect: detectDialect(spans),
    latency: latencyFromContext(ctx),
  };
  set(facts, 'method', stringAttr(a, ...METHOD)?.toUpperCase());
  set(facts, 'path', stringAttr(a, ...PATH)?.split(/[?#]/)[0] ?? (url ? pathOf(url) : undefined));
  set(facts, 'url', url);
  set(facts, 'host', stringAttr(a, ...HOST) ?? (url ? hostOf(url) : undefined));
  set(facts, 'statusCode', statusCode);
  set(facts, 'upstreamStatusCode', upstreamStatusCode);
  set(facts, 'routeId', stringAttr(a, ...ROUTE) ?? stringAttr(router?.attributes, ...ROUTE));
  set(facts, 'serviceId', stringAttr(a, ...SERVICE) ?? stringAttr(router?.attributes, ...SERVICE));
  set(facts, 'consumerId', stringAttr(a, ...CONSUMER));
  set(facts, 'clientAddress', stringAttr(a, ...CLIENT));
  return facts;
}

/**
 * Route, service and consumer ids from the trace's resource when its spans carry none: open-source Kong's
 * spans never do, but the opentelemetry plugin instance the debugger scopes to a route or service names them
 * in `config.resource_attributes` (server/kong/plugin-config.ts), under the same attribute names. Span values
 * win: a resource names the plugin's scope, the span the request's own route.
 */
export function withResourceIds(facts: TraceFacts, resource: Record<string, unknown> | undefined): TraceFacts {
  if (!resource) return facts;
  const str = (names: string[]) => {
    for (const n of names) {
      const v = resource[n];
      if (typeof v === 'string' && v !== '') return v;
    }
    return undefined;
  };
  if (facts.routeId === undefined) set(facts, 'routeId', str(ROUTE));
  if (facts.serviceId === undefined) set(facts, 'serviceId', str(SERVICE));
  if (facts.consumerId === undefined) set(facts, 'consumerId', str(CONSUMER));
  return facts;
}

function extent(spans: Span[], root: Span | undefined) {
  if (root && parseNs(root.startTimeUnixNano) !== undefined) {
    const d = root.durationNs;
    return {
      startTimeUnixNano: root.startTimeUnixNano,
      startTimeMs: nsToMs(BigInt(root.startTimeUnixNano)),
      durationNs: Number.isFinite(d) && d > 0 ? d : 0,
    };
  }
  const start = earliestStart(spans);
  if (start === undefined) return { startTimeUnixNano: '0', startTimeMs: 0, durationNs: 0 };
  let end = start;
  for (const s of spans) {
    const e = parseNs(s.endTimeUnixNano);
    if (e !== undefined && e > end) end = e;
  }
  return { startTimeUnixNano: start.toString(), startTimeMs: nsToMs(start), durationNs: Number(end - start) };
}

function intOrUndefined(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

// Manual parsing instead of `new URL`: Kong may send a bare path or an odd host, and a parse
// error must not cost us the path.
function pathOf(url: string): string {
  const noQuery = url.split(/[?#]/)[0];
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*(\/.*)?$/.exec(noQuery);
  if (m) return m[1] ?? '/';
  return noQuery;
}

function hostOf(url: string): string | undefined {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)/.exec(url);
  return m && m[1] ? m[1] : undefined;
}

function set<K extends keyof TraceFacts>(o: TraceFacts, k: K, v: TraceFacts[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}
