import type { Span, UpstreamOutcome, UpstreamTryNode, UpstreamTryOutcome } from '../api';
import { numberAttr, numberAttrIn, stringAttr } from '../spans/attributes';
import { isCertainRoot } from '../spans/root';
import { type Interval, overlapLength, safeDuration } from '../spans/time';
import { colorIndex } from './color';
import { balancerTries, intervalOf, intervalsOf, named, tryNumber, type TraceContext } from './context';
import { isResponsePhase } from './phases';

/** Kong's status to the client: new OTel name first, then OSS's. */
export const CLIENT_STATUS = ['http.response.status_code', 'http.status_code'];
const UPSTREAM_STATUS = ['proxy.kong.upstream.status_code', 'proxy.kong.upstream_status_code'];

/**
 * THE definition of "upstream time" and of what Kong's spans prove about the upstream, for both
 * dialects. Used by the latency breakdown, the lifecycle map, the trace facts and the error flag.
 */
export interface UpstreamView {
  dialect: 'enterprise' | 'oss';
  outcome: UpstreamOutcome;
  /** only a status Kong's data proves was the upstream's: Enterprise's report, or (OSS) a marked last try whose code nginx never makes for a failed try */
  statusCode?: number;
  tries: UpstreamTryNode[];
  /** the last try failed and Kong gave up (OSS: it carries a status; Enterprise: its attempt errored) */
  exhausted: boolean;
  /** OSS only (Enterprise reports its own figure): upstream time in ns, see `ossUpstream` */
  totalNs: number;
  /** OSS map edges; undefined = cannot be measured from Kong's spans */
  inNs?: number;
  outNs?: number;
}

export function upstreamView(ctx: TraceContext, dialect: 'enterprise' | 'oss'): UpstreamView {
  return dialect === 'oss' ? ossUpstream(ctx) : enterpriseUpstream(ctx);
}

function rootOf(ctx: TraceContext): Span | undefined {
  return isCertainRoot(ctx.root) ? ctx.root : undefined;
}

function responsePluginIntervals(ctx: TraceContext): Interval[] {
  const spans: Span[] = [];
  for (const p of ctx.plugins) if (isResponsePhase(p.phase)) spans.push(p.span);
  return intervalsOf(ctx, spans);
}

function isErrorSpan(s: Span): boolean {
  return s.statusCode === 2 || (s.events ?? []).some((e) => e.name === 'exception');
}

/**
 * Open-source Kong (kong/observability/tracing/instrumentation.lua `balancer`, kong/init.lua
 * `balancer`, kong/runloop/handler.lua `header_filter`), one `kong.balancer` span per try:
 * - a failed try (every try but the last, and the last one when Kong gave up) gets its
 *   `get_last_failure()` code as `http.status_code` (nginx's 502 for a connection error, 504 for a
 *   timeout) and status ERROR, and ends at balancer start + Lua balancer time + that try's
 *   `$upstream_connect_time` — which is "-" (0) when the connect failed. The wait for the timeout
 *   or the refusal has no span: it lies between this try's span and the next one's start;
 * - the last try, when it did not fail, is the span pre-created in access (its id went upstream in
 *   `traceparent`); it ends at body-filter end, so it covers connect, send, wait, read and the
 *   response-phase plugins that ran meanwhile;
 * - Kong marks the last try failed only when the final status is > 499 and `try_count > retries`
 *   (default retries = 5, so 6 tries); then no span covers the exchange at all.
 * Rule: upstream time = from the first try's start to the end of the upstream exchange (the last
 * try's end; when Kong gave up, the start of the response phase = the first response-plugin span
 * after the last try, or the root's end), minus the response-phase plugin time inside it.
 * Upstream in = first try start → last try start (failed tries and their waits); upstream out = the
 * last try (single successful try: all of it, its connect cannot be split out); when Kong gave up
 * all of it is upstream in and there is no upstream out.
 */
function ossUpstream(ctx: TraceContext): UpstreamView {
  const spans = balancerTries(ctx, 'kong.balancer').filter((s) => intervalOf(ctx, s) !== undefined);
  const root = rootOf(ctx);
  if (!spans.length) {
    // With tracing_instrumentations=all a proxied request always has a balancer span; the router
    // span tells that the balancer instrumentation was on (`request` alone traces only the root).
    return { dialect: 'oss', outcome: named(ctx, 'kong.router').length ? 'not_proxied' : 'unknown', tries: [], exhausted: false, totalNs: 0 };
  }
  const iv = spans.map((s) => intervalOf(ctx, s)!);
  const n = spans.length;
  const lastIv = iv[n - 1];
  const lastCode = numberAttr(spans[n - 1].attributes, 'http.status_code');
  // Kong marked the last try (final status > 499, tries exhausted): no span covers its exchange.
  const lastMarked = failedTry(spans[n - 1]);
  // With 502/504 (or no code) that is nginx giving up: no answer. Any other 5xx can only be the
  // upstream's own answer (nginx makes no other status for a failed try), e.g. a 503 with retries = 0.
  // [I] An upstream that itself answers 502/504 on the last allowed try cannot be told apart.
  const exhausted = lastMarked && (lastCode === undefined || lastCode === 502 || lastCode === 504);
  const resp = responsePluginIntervals(ctx);
  let end = lastIv.end;
  if (lastMarked) {
    const after = resp.filter((r) => r.start >= lastIv.start).map((r) => r.start);
    const rootEnd = root ? intervalOf(ctx, root)?.end : undefined;
    end = Math.max(lastIv.end, after.length ? Math.min(...after) : rootEnd ?? lastIv.end);
  }

  const rootStatus = root ? numberAttrIn(root.attributes, CLIENT_STATUS) : undefined;
  const tries: UpstreamTryNode[] = spans.map((s, i) => {
    const code = numberAttr(s.attributes, 'http.status_code');
    let outcome: UpstreamTryOutcome;
    if (i === n - 1 && lastMarked && !exhausted) outcome = 'answered';
    else if (failedTry(s)) outcome = code === 504 ? 'timeout' : code === 502 ? 'error' : code !== undefined ? 'http_error' : 'error';
    else if (i < n - 1) outcome = 'unknown'; // Kong records every earlier try's failure; not seen in practice
    else if (root && rootStatus === undefined) outcome = 'aborted'; // header_filter never ran: the client went away
    // A POST whose upstream timed out after the request was sent is not retried (nginx's
    // non_idempotent rule) and keeps an unmarked last try: a 502/504 may be nginx's or the upstream's.
    else if (rootStatus === 502 || rootStatus === 504) outcome = 'unknown';
    else outcome = 'answered';
    const durationNs = upstreamNs(resp, iv[i].start, i < n - 1 ? iv[i + 1].start : end);
    const node: UpstreamTryNode = {
      tryCount: tryNumber(s) ?? i + 1,
      spanId: s.spanId,
      startTimeUnixNano: s.startTimeUnixNano,
      outcome,
      spanDurationNs: safeDuration(s),
      durationNs,
      colorIndex: colorIndex(durationNs),
    };
    const ip = stringAttr(s.attributes, 'net.peer.ip');
    const port = stringAttr(s.attributes, 'net.peer.port');
    if (ip) node.target = port ? `${ip}:${port}` : ip;
    const name = stringAttr(s.attributes, 'peer.service', 'net.peer.name');
    if (name) node.peerName = name;
    if (code !== undefined) node.statusCode = code;
    return node;
  });
  const last = tries[n - 1].outcome;
  const totalNs = upstreamNs(resp, iv[0].start, end);
  const view: UpstreamView = {
    dialect: 'oss',
    outcome: exhausted ? 'no_answer' : last === 'answered' ? 'answered' : 'unknown',
    tries,
    exhausted,
    totalNs,
  };
  if (lastMarked && !exhausted) view.statusCode = lastCode;
  if (exhausted) view.inNs = totalNs;
  else {
    if (n > 1) view.inNs = upstreamNs(resp, iv[0].start, lastIv.start);
    view.outNs = upstreamNs(resp, lastIv.start, end);
  }
  return view;
}

/** A try Kong marked failed: nginx's status on it, or status ERROR. */
function failedTry(s: Span): boolean {
  return numberAttr(s.attributes, 'http.status_code') !== undefined || s.statusCode === 2;
}

/** Upstream time between two offsets: the time minus the response-phase plugins' inside it. */
function upstreamNs(resp: Interval[], from: number, to: number): number {
  return Math.max(0, to - from - overlapLength({ start: from, end: to }, resp));
}

/**
 * Enterprise debugger: `kong.find_upstream` per attempt (it covers the whole attempt, a connect
 * timeout's wait included), and the root's `proxy.kong.upstream.status_code` when the upstream
 * answered. Upstream time itself is Kong's `proxy.kong.latency.upstream`.
 */
function enterpriseUpstream(ctx: TraceContext): UpstreamView {
  const root = rootOf(ctx);
  const statusCode = numberAttrIn(root?.attributes, UPSTREAM_STATUS);
  const attempts = balancerTries(ctx, 'kong.find_upstream');
  const reads = named(ctx, 'kong.read_headers_from_upstream', 'kong.read_body_from_upstream');
  const readOk = reads.length > 0 && !reads.some(isErrorSpan);
  const rootStatus = numberAttrIn(root?.attributes, CLIENT_STATUS);
  const n = attempts.length;
  const tries: UpstreamTryNode[] = attempts.map((s, i) => {
    let outcome: UpstreamTryOutcome;
    if (isErrorSpan(s)) {
      const msg = exceptionText(s);
      outcome = /timed? ?out/i.test(msg) ? 'timeout' : /refused/i.test(msg) ? 'refused' : 'error';
    } else if (i < n - 1) outcome = 'unknown';
    else if (statusCode === undefined && rootStatus === 499) outcome = 'aborted'; // the read ended when the client left
    else if (statusCode !== undefined || readOk) outcome = 'answered';
    else if (reads.some(isErrorSpan)) outcome = /timed? ?out/i.test(reads.map(exceptionText).join(' ')) ? 'timeout' : 'error';
    else outcome = 'unknown';
    const d = safeDuration(s);
    const node: UpstreamTryNode = {
      tryCount: tryNumber(s) ?? i + 1,
      spanId: s.spanId,
      startTimeUnixNano: s.startTimeUnixNano,
      outcome,
      spanDurationNs: d,
      durationNs: d,
      colorIndex: colorIndex(d),
    };
    const ip = stringAttr(s.attributes, 'network.peer.address');
    const port = stringAttr(s.attributes, 'network.peer.port');
    if (ip) node.target = port ? `${ip}:${port}` : ip;
    const name = stringAttr(s.attributes, 'peer.service', 'network.peer.name');
    if (name) node.peerName = name;
    return node;
  });
  const exhausted = n > 0 && tries[n - 1].outcome !== 'answered' && tries[n - 1].outcome !== 'unknown' && tries[n - 1].outcome !== 'aborted';
  let outcome: UpstreamOutcome;
  if (statusCode !== undefined) outcome = 'answered';
  else if (rootStatus === 499) outcome = 'unknown';
  else if (readOk) outcome = 'answered';
  else if (exhausted || (n > 0 && tries[n - 1].outcome === 'timeout')) outcome = 'no_answer';
  else if (!n && !named(ctx, 'kong.upstream.selection', 'kong.send_request_to_upstream').length) outcome = named(ctx, 'kong.router').length ? 'not_proxied' : 'unknown';
  else outcome = 'unknown';
  const view: UpstreamView = { dialect: 'enterprise', outcome, tries, exhausted, totalNs: 0 };
  if (statusCode !== undefined && Number.isInteger(statusCode)) view.statusCode = statusCode;
  return view;
}

function exceptionText(s: Span): string {
  const parts = [s.statusMessage ?? ''];
  for (const e of s.events ?? []) if (e.name === 'exception') parts.push(String(e.attributes?.['exception.message'] ?? ''));
  return parts.join(' ');
}
