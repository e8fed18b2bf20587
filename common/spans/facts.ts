import type { Span, TraceListItem } from '../api';
import { traceContext, type TraceContext } from '../lifecycle/context';
import { latencyFromContext } from '../lifecycle/latency';
import { CLIENT_STATUS, upstreamView, type UpstreamView } from '../lifecycle/upstream';
import { numberAttrIn, stringAttr, stringAttrIn } from './attributes';
import { contextDialect } from './dialect';
import { requestFailure, spanErrorCount } from './outcome';
import { findRoot, isCertainRoot } from './root';
import { earliestStart, nsToMs, parseNs } from './time';

/** Every trace-list column except the id: what the server stores per trace and filters on. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface TraceFacts extends Omit<TraceListItem, 'traceId'> {}

// Attribute names, current (Enterprise 3.10+ / OTel semconv) first, then older Kong names.
const METHOD = ['http.request.method', 'http.method'];
const URL_NAMES = ['url.full', 'http.url'];
const PATH = ['url.path', 'http.target'];
const HOST = ['proxy.kong.request.host', 'http.request.header.host', 'http.host'];
const STATUS = CLIENT_STATUS;
const ROUTE = ['proxy.kong.route.id', 'proxy.kong.router.route_id'];
const SERVICE = ['proxy.kong.service.id', 'proxy.kong.router.service_id'];
const CONSUMER = ['proxy.kong.consumer.id', 'proxy.kong.consumer_id'];
// client.address / http.client_ip honour trusted_ips (the real client); the peer is the fallback.
// Kong's request id (= X-Kong-Request-Id): Konnect debugger spans, then the opentelemetry plugin's (3.5+)
const REQUEST_ID = ['proxy.kong.request.id', 'kong.request.id'];
const CLIENT = ['client.address', 'http.client_ip', 'network.peer.address', 'net.peer.ip'];

/**
 * The trace-list facts of one trace, from its root span (ids also from `kong.router`, where
 * Enterprise puts them). Without a root (it has not arrived yet) start/duration span the
 * received spans and the request columns stay absent.
 * - `url` is kept as Kong sent it (OSS `http.url` includes the query string); `path` never has one.
 * - `upstreamStatusCode` only when Kong reported it as the upstream's (Enterprise). Open-source
 *   Kong never does: the `http.status_code` on a balancer try is nginx's 502/504 for a failed try
 *   (or the final status when Kong gave up), not an upstream answer, so it is never shown as one.
 * - `error`: the request failed (outcome.ts `requestFailure`: 5xx, no upstream answer, plugin Lua
 *   error, client abort); span-level errors are counted in `spanErrorCount` instead.
 * - `spanCount` counts distinct span ids.
 */
export function traceFacts(spans: Span[]): TraceFacts {
  return factsFromContext(traceContext(spans));
}

/** traceFacts over an already built context (traceSummary shares one context with the map). */
export function factsFromContext(ctx: TraceContext, dialect = contextDialect(ctx), upstream: UpstreamView = upstreamView(ctx, dialect)): TraceFacts {
  const spans = ctx.spans;
  // findRoot's stand-in (earliest orphan) is not the request: no request columns from it.
  const root = isCertainRoot(ctx.root) ? ctx.root : undefined;
  const a = root?.attributes;
  const router = ctx.byName.get('kong.router')?.[0];
  const statusCode = intOrUndefined(numberAttrIn(a, STATUS));
  const upstreamStatusCode = intOrUndefined(upstream.statusCode);
  const url = stringAttrIn(a, URL_NAMES);
  const { startTimeUnixNano, startTimeMs, durationNs } = extent(spans, root);

  const facts: TraceFacts = {
    startTimeUnixNano,
    startTimeMs,
    durationNs,
    error: requestFailure(ctx, dialect, upstream) !== undefined,
    spanErrorCount: spanErrorCount(spans),
    spanCount: ctx.byId.size, // distinct span ids
    dialect,
    latency: latencyFromContext(ctx, upstream),
  };
  set(facts, 'method', stringAttrIn(a, METHOD)?.toUpperCase());
  set(facts, 'path', stringAttrIn(a, PATH)?.split(/[?#]/)[0] ?? (url ? pathOf(url) : undefined));
  set(facts, 'url', url);
  set(facts, 'host', stringAttrIn(a, HOST) ?? (url ? hostOf(url) : undefined));
  set(facts, 'statusCode', statusCode);
  set(facts, 'upstreamStatusCode', upstreamStatusCode);
  set(facts, 'routeId', stringAttrIn(a, ROUTE) ?? stringAttrIn(router?.attributes, ROUTE));
  set(facts, 'serviceId', stringAttrIn(a, SERVICE) ?? stringAttrIn(router?.attributes, SERVICE));
  set(facts, 'consumerId', stringAttrIn(a, CONSUMER));
  set(facts, 'clientAddress', stringAttrIn(a, CLIENT));
  set(facts, 'requestId', stringAttrIn(a, REQUEST_ID));
  return facts;
}

/** Kong's request id of a trace, as traceFacts reads it, without the rest of the facts (database upgrades fill it) */
export function requestIdOf(spans: Span[]): string | undefined {
  const root = findRoot(spans);
  return isCertainRoot(root) ? stringAttrIn(root?.attributes, REQUEST_ID) : undefined;
}

/**
 * What identifies the request's route, never empty: Kong's `http.route` (OSS: the matched route's
 * first path, "" for host-only, expressions or unmatched routes: `route.paths[1] or ""`), else the
 * host and path the request came with (marked when no route matched, i.e. `kong.router` errored).
 */
export function routeLabel(ctx: TraceContext, facts: TraceFacts): string {
  const root = isCertainRoot(ctx.root) ? ctx.root : undefined;
  const route = stringAttr(root?.attributes, 'http.route');
  if (route) return route;
  const where = `${facts.host ?? ''}${facts.path ?? ''}` || facts.url || '(unknown request)';
  const router = ctx.byName.get('kong.router')?.[0];
  const noMatch = router !== undefined && (router.statusCode === 2 || router.attributes?.['proxy.kong.router.matched'] === false);
  return noMatch ? `no route matched: ${where}` : where;
}

/**
 * Route, service and consumer ids from the trace's resource when its spans carry none: open-source Kong's
 * spans never do, but the opentelemetry plugin instance the debugger scopes to a route or service names them
 * in `config.resource_attributes` (server/kong/plugin-config.ts), under the same attribute names. Span values
 * win: a resource names the plugin's scope, the span the request's own route.
 */
export function withResourceIds(facts: TraceFacts, resource: Record<string, unknown> | undefined): TraceFacts {
  if (!resource) return facts;
  if (facts.routeId === undefined) set(facts, 'routeId', resourceString(resource, ROUTE));
  if (facts.serviceId === undefined) set(facts, 'serviceId', resourceString(resource, SERVICE));
  if (facts.consumerId === undefined) set(facts, 'consumerId', resourceString(resource, CONSUMER));
  return facts;
}

function resourceString(resource: Record<string, unknown>, names: string[]): string | undefined {
  for (const n of names) {
    const v = resource[n];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function extent(spans: Span[], root: Span | undefined) {
  const rootStart = root ? parseNs(root.startTimeUnixNano) : undefined;
  if (root && rootStart !== undefined) {
    const d = root.durationNs;
    return {
      startTimeUnixNano: root.startTimeUnixNano,
      startTimeMs: nsToMs(rootStart),
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
