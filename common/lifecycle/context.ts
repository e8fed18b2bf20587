import type { Span } from '../api';
import { toNumber } from '../spans/attributes';
import { canonicalSpanName, parsePluginSpan, tryNumberFromName } from '../spans/names';
import { mergeSpans } from '../spans/merge';
import { findRoot } from '../spans/root';
import { earliestStart, type Interval, spanInterval } from '../spans/time';

/**
 * One pass over a trace's spans that the latency and lifecycle rules share: canonical names
 * (legacy names mapped), the root, exact intervals relative to the earliest start, and a
 * parent index. Built once per trace so each rule stays a small pure function over it.
 */
export interface TraceContext {
  spans: Span[];
  root?: Span;
  /** canonical name per span id */
  names: Map<string, string>;
  intervals: Map<string, Interval>;
  byId: Map<string, Span>;
}

export function traceContext(input: Span[]): TraceContext {
  // A span delivered twice (exporter retry) must not count twice: fold duplicates first.
  const spans = new Set(input.map((s) => s.spanId)).size === input.length ? input : mergeSpans(input, []);
  const base = earliestStart(spans) ?? BigInt(0);
  const names = new Map<string, string>();
  const intervals = new Map<string, Interval>();
  const byId = new Map<string, Span>();
  for (const s of spans) {
    names.set(s.spanId, canonicalSpanName(s.name, s.kind));
    byId.set(s.spanId, s);
    const i = spanInterval(s, base);
    if (i) intervals.set(s.spanId, i);
  }
  return { spans, root: findRoot(spans), names, intervals, byId };
}

export function named(ctx: TraceContext, ...wanted: string[]): Span[] {
  return ctx.spans.filter((s) => wanted.includes(ctx.names.get(s.spanId) ?? s.name));
}

export function intervalsOf(ctx: TraceContext, spans: Span[]): Interval[] {
  const out: Interval[] = [];
  for (const s of spans) {
    const i = ctx.intervals.get(s.spanId);
    if (i) out.push(i);
  }
  return out;
}

/** The nearest ancestor that is a plugin span, if any (walks parent ids; guards against cycles). */
export function enclosingPlugin(ctx: TraceContext, span: Span): Span | undefined {
  const seen = new Set<string>([span.spanId]);
  let cur = ctx.byId.get(span.parentSpanId);
  while (cur && !seen.has(cur.spanId)) {
    if (parsePluginSpan(cur.name)) return cur;
    seen.add(cur.spanId);
    cur = ctx.byId.get(cur.parentSpanId);
  }
  return undefined;
}

/**
 * Upstream tries, ordered by try number (then start): OSS `kong.balancer` spans (one per try;
 * 3.0–3.2 "balancer try #N"), or Enterprise `kong.find_upstream` attempts.
 */
export function balancerTries(ctx: TraceContext, name: 'kong.balancer' | 'kong.find_upstream' = 'kong.balancer'): Span[] {
  const tries = named(ctx, name);
  return tries
    .map((s) => ({ s, n: tryNumber(s) ?? NaN, start: ctx.intervals.get(s.spanId)?.start ?? 0 }))
    .sort((a, b) => {
      const an = Number.isFinite(a.n) ? a.n : Infinity;
      const bn = Number.isFinite(b.n) ? b.n : Infinity;
      return an !== bn ? an - bn : a.start - b.start;
    })
    .map((x) => x.s);
}

/** The 1-based try number Kong put on a balancer span: `try_count` (a double), or 3.0–3.2's name. */
export function tryNumber(s: Span): number | undefined {
  return toNumber(s.attributes?.['try_count']) ?? tryNumberFromName(s.name);
}
