import type { Span, SpanEvent } from '../api';
import { isNullParent } from './root';
import { nsToMs, parseNs } from './time';

/**
 * Union of two span lists with one entry per (traceId, spanId). Kong's exporter retries a batch
 * that did not get exactly HTTP 200, so the same span can arrive twice, and the Konnect UI
 * assumes a span may be exported in pieces; both cases fold into one span here:
 * - attributes: union, the later piece (`b`) wins on a key present in both;
 * - events: union, deduplicated on name + time + attributes;
 * - name/kind/parent/status message: the first non-empty value;
 * - start: the earliest, end: the latest parseable timestamp (a piece may lack one);
 * - status: ERROR (2) wins, then OK (1), then UNSET (0).
 * Order: first appearance across `a` then `b`. Neither input is mutated.
 */
export function mergeSpans(a: Span[], b: Span[]): Span[] {
  const byKey = new Map<string, Span>();
  for (const span of [...a, ...b]) {
    const key = `${span.traceId}/${span.spanId}`;
    const prev = byKey.get(key);
    byKey.set(key, prev ? mergeTwo(prev, span) : copy(span));
  }
  return [...byKey.values()];
}

function copy(s: Span): Span {
  return { ...s, attributes: { ...(s.attributes ?? {}) }, events: [...(s.events ?? [])] };
}

function mergeTwo(x: Span, y: Span): Span {
  const xs = parseNs(x.startTimeUnixNano);
  const ys = parseNs(y.startTimeUnixNano);
  const xe = parseNs(x.endTimeUnixNano);
  const ye = parseNs(y.endTimeUnixNano);
  // 0 means "not set" in OTLP, so a piece with a zero timestamp never wins.
  const start = pick(xs, ys, (p, q) => p <= q);
  const end = pick(xe, ye, (p, q) => p >= q);
  const startStr = start !== undefined ? start.toString() : x.startTimeUnixNano;
  const endStr = end !== undefined ? end.toString() : x.endTimeUnixNano;
  const durationNs =
    start !== undefined && end !== undefined && end >= start ? Number(end - start) : Math.max(x.durationNs, y.durationNs);
  const statusCode = Math.max(rankStatus(x.statusCode), rankStatus(y.statusCode));
  const merged: Span = {
    traceId: x.traceId,
    spanId: x.spanId,
    parentSpanId: isNullParent(x.parentSpanId) ? y.parentSpanId || x.parentSpanId : x.parentSpanId,
    name: x.name || y.name,
    kind: x.kind || y.kind,
    startTimeUnixNano: startStr,
    endTimeUnixNano: endStr,
    startTimeMs: start !== undefined ? nsToMs(BigInt(startStr)) : x.startTimeMs,
    durationNs,
    attributes: { ...x.attributes, ...(y.attributes ?? {}) },
    events: mergeEvents(x.events, y.events ?? []),
    statusCode: statusCode === 2 ? 2 : statusCode === 0 ? 0 : 1,
  };
  const msg = x.statusMessage || y.statusMessage;
  if (msg) merged.statusMessage = msg;
  return merged;
}

function pick(p: bigint | undefined, q: bigint | undefined, better: (p: bigint, q: bigint) => boolean) {
  const zero = BigInt(0);
  const pv = p !== undefined && p > zero ? p : undefined;
  const qv = q !== undefined && q > zero ? q : undefined;
  if (pv === undefined) return qv;
  if (qv === undefined) return pv;
  return better(pv, qv) ? pv : qv;
}

// ERROR > OK > UNSET; ranks happen to equal the codes except that ERROR must beat OK: 2 > 1 already.
function rankStatus(code: number): number {
  return code === 2 || code === 1 ? code : 0;
}

function mergeEvents(x: SpanEvent[], y: SpanEvent[]): SpanEvent[] {
  const seen = new Set<string>();
  const out: SpanEvent[] = [];
  for (const e of [...x, ...y]) {
    const k = `${e.name}\u0000${e.timeUnixNano}\u0000${JSON.stringify(e.attributes ?? {})}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(e);
    }
  }
  return out;
}
