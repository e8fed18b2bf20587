import type { LatencyBreakdown, Span } from '../api';
import { numberAttrIn } from '../spans/attributes';
import { isCertainRoot } from '../spans/root';
import { unionLength, safeDuration } from '../spans/time';
import { intervalsOf, named, traceContext, type TraceContext } from './context';
import { upstreamView, type UpstreamView } from './upstream';

const NS_PER_MS = 1e6;

// Root attributes in Konnect's breakdown order; new name first, then the older names Kong used.
const TOTAL = ['proxy.kong.latency.total', 'proxy.kong.latency_total_ms'];
const INTERNAL = ['proxy.kong.latency.internal'];
const UPSTREAM = ['proxy.kong.latency.upstream'];
const CLIENT = ['proxy.kong.latency.client'];
const TP_TOTAL = ['proxy.kong.latency.3p.total_io'];
const TP_DNS = ['proxy.kong.latency.3p.dns.total_io'];
const TP_HTTP = ['proxy.kong.latency.3p.http_client.total_io'];
const TP_REDIS = ['proxy.kong.latency.3p.redis.total_io', 'proxy.kong.redis.total_io_ms'];
const TP_TCP = ['proxy.kong.latency.3p.tcpsock.total_io', 'proxy.kong.tcpsock.total_io_ms'];
const ALL_REPORTED = [...TOTAL, ...INTERNAL, ...UPSTREAM, ...CLIENT, ...TP_TOTAL, ...TP_DNS, ...TP_HTTP, ...TP_REDIS, ...TP_TCP];

/**
 * The Summary's latency breakdown in ms.
 * When the root carries any `proxy.kong.latency*` attribute (Enterprise, incl. the 3.9-era legacy
 * names) the numbers are read from it as Kong reported them, absent ones stay absent.
 * Otherwise (OSS opentelemetry plugin) they are derived from spans; see `deriveFromSpans`.
 * No certain root (it has not arrived yet) → empty breakdown: nothing to measure against.
 */
export function latencyBreakdown(spans: Span[]): LatencyBreakdown {
  return latencyFromContext(traceContext(spans));
}

export function latencyFromContext(ctx: TraceContext, upstream?: UpstreamView): LatencyBreakdown {
  const root = ctx.root;
  if (!root || !isCertainRoot(root)) return {};
  const a = root.attributes;
  if (numberAttrIn(a, ALL_REPORTED) === undefined) {
    return deriveFromSpans(ctx, root, upstream?.dialect === 'oss' ? upstream : upstreamView(ctx, 'oss'));
  }
  const out: LatencyBreakdown = {};
  setIf(out, 'totalMs', numberAttrIn(a, TOTAL));
  setIf(out, 'internalMs', numberAttrIn(a, INTERNAL));
  setIf(out, 'upstreamMs', numberAttrIn(a, UPSTREAM));
  const tp: NonNullable<LatencyBreakdown['thirdParty']> = {};
  setIf(tp, 'totalMs', numberAttrIn(a, TP_TOTAL));
  setIf(tp, 'dnsMs', numberAttrIn(a, TP_DNS));
  setIf(tp, 'httpClientMs', numberAttrIn(a, TP_HTTP));
  setIf(tp, 'redisMs', numberAttrIn(a, TP_REDIS));
  setIf(tp, 'tcpSocketMs', numberAttrIn(a, TP_TCP));
  if (Object.keys(tp).length) out.thirdParty = tp;
  setIf(out, 'clientMs', numberAttrIn(a, CLIENT));
  return out;
}

/**
 * OSS derivation (the OSS plugin sends no latency attributes):
 * - total = root span duration (request start → body-filter end; Kong's root start has ms resolution);
 * - upstream = from the first balancer try's start to the end of the upstream exchange, minus the
 *   response-phase plugin time inside it (upstream.ts: failed tries *and the waits between them*
 *   are upstream time, e.g. a 1 s connect timeout); 0 when there is no `kong.balancer` span;
 * - 3rd-party DNS = union of `kong.dns` spans (the upstream-name lookup included, as Kong counts
 *   synchronous DNS as 3p); HTTP client = union of `kong.internal.request` spans; 3p total =
 *   union of both sets, because Kong makes a DNS lookup inside an HTTP-client call a *sibling*
 *   that overlaps it, and summing would count that time twice. Redis/TCP socket: no OSS span → absent;
 * - internal = total − upstream − 3p total, clamped ≥ 0 (DB queries stay internal, as in the rule);
 * - client = unknown (OSS has no client I/O spans) → absent.
 */
function deriveFromSpans(ctx: TraceContext, root: Span, up: UpstreamView): LatencyBreakdown {
  const totalNs = safeDuration(root);
  const upstreamNs = up.totalNs;
  const dns = intervalsOf(ctx, named(ctx, 'kong.dns'));
  const http = intervalsOf(ctx, named(ctx, 'kong.internal.request'));
  const dnsNs = unionLength(dns);
  const httpNs = unionLength(http);
  const tpNs = unionLength([...dns, ...http]);
  return {
    totalMs: totalNs / NS_PER_MS,
    internalMs: Math.max(0, totalNs - upstreamNs - tpNs) / NS_PER_MS,
    upstreamMs: upstreamNs / NS_PER_MS,
    thirdParty: { totalMs: tpNs / NS_PER_MS, dnsMs: dnsNs / NS_PER_MS, httpClientMs: httpNs / NS_PER_MS },
  };
}

function setIf<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}
