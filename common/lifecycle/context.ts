import type { Span } from '../api';
import { toNumber } from '../spans/attributes';
import { canonicalSpanName, parsePluginSpan, type PluginSpan, pluginOfCanonical, tryNumberFromName } from '../spans/names';
import { mergeSpans } from '../spans/merge';
import { rootAmong } from '../spans/root';
import { type Interval, intervalAt, parseNs, type SpanTimes, spanTimes } from '../spans/time';

/**
 * One pass over a trace's spans that the latency and lifecycle rules share: canonical names
 * (legacy names mapped), the root, exact intervals relative to the earliest start, and a
 * parent index. Built once per trace so each rule stays a small pure function over it, and so
 * each span's timestamps are parsed and its name read once (ingest analyses every kept trace).
 */
export interface TraceContext {
  spans: Span[];
  root?: Span;
  /** per span id: the span, its canonical name and its interval (read them with nameOf / intervalOf) */
  byId: Map<string, SpanAt>;
  /** the spans' start and end offsets from the earliest start */
  times: SpanTimes;
  /**
   * each span's start as a value that orders spans exactly as their timestamps (compareStarts), index
   * for index with `spans`: its offset from the earliest start, or its bigint when offsets are not exact
   */
  startOrder: Array<number | bigint | undefined>;
  /** spans by canonical name (nameOf), each list in `spans` order: what `named` reads */
  byName: Map<string, Span[]>;
  /** the plugin spans (canonical name `kong.<phase>.plugin.<name>`), in `spans` order, with their index in `spans` */
  plugins: PluginSpanAt[];
}

/** What the context knows of a span id: the last span with it (ids are unique once duplicates are folded). */
export interface SpanAt {
  span: Span;
  /** canonical name (legacy names mapped) */
  name: string;
  /** the last span with this id that has a start (an interval), -1 for none */
  timed: number;
  /** its interval relative to the trace's earliest start, once intervalOf computed it */
  interval: Interval | undefined;
}

export interface PluginSpanAt extends PluginSpan {
  span: Span;
  /** its canonical name */
  name: string;
  index: number;
}

export function traceContext(input: Span[]): TraceContext {
  const ctx = indexSpans(input);
  // A span delivered twice (exporter retry) must not count twice: fold duplicates first.
  return ctx.byId.size === input.length ? ctx : indexSpans(mergeSpans(input, []));
}

function indexSpans(spans: Span[]): TraceContext {
  const n = spans.length;
  const times = spanTimes(spans);
  const byId = new Map<string, SpanAt>();
  const canonical: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    const name = canonicalSpanName(s.name, s.kind);
    canonical[i] = name;
    const timed = times.start[i] !== undefined ? i : -1;
    const at = byId.get(s.spanId);
    if (!at) byId.set(s.spanId, { span: s, name, timed, interval: undefined });
    else {
      at.span = s;
      at.name = name;
      if (timed >= 0) at.timed = timed;
    }
  }
  // With unique ids (every trace once duplicates are folded) a span's per-id name is its own.
  const unique = byId.size === n;
  const byName = new Map<string, Span[]>();
  const plugins: PluginSpanAt[] = [];
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    const name = unique ? canonical[i] : byId.get(s.spanId)!.name;
    const list = byName.get(name);
    if (list) list.push(s);
    else byName.set(name, [s]);
    const p = pluginOfCanonical(name);
    if (p) plugins.push({ phase: p.phase, plugin: p.plugin, span: s, name, index: i });
  }
  const startOrder = times.exact ? times.start : spans.map((s) => parseNs(s.startTimeUnixNano));
  const root = rootAmong(spans, byId, canonical, startOrder);
  return { spans, root, byId, times, startOrder, byName, plugins };
}

/** A span's canonical name, as every rule reads it (by its id). */
export function nameOf(ctx: TraceContext, s: Span): string {
  return ctx.byId.get(s.spanId)?.name ?? s.name;
}

/** A span's interval relative to the trace's earliest start; undefined when its start is unparseable. */
export function intervalOf(ctx: TraceContext, s: Span): Interval | undefined {
  const at = ctx.byId.get(s.spanId);
  if (!at || at.timed < 0) return undefined;
  // computed when first read: most rules read few spans' intervals, and an end is parsed only then
  at.interval ??= intervalAt(ctx.spans[at.timed], ctx.times.start[at.timed], ctx.times.end(at.timed));
  return at.interval;
}

/** The spans whose canonical name is one of `wanted`, in trace order (shared with the context: do not modify). */
export function named(ctx: TraceContext, ...wanted: string[]): readonly Span[] {
  let found: Span[] | undefined;
  for (const w of wanted) {
    const list = ctx.byName.get(w);
    if (!list || list === found) continue;
    // spans under two of the names: back to trace order
    if (found) return ctx.spans.filter((s) => wanted.includes(nameOf(ctx, s)));
    found = list;
  }
  return found ?? NONE;
}

const NONE: readonly Span[] = Object.freeze([]);

export function intervalsOf(ctx: TraceContext, spans: readonly Span[]): Interval[] {
  const out: Interval[] = [];
  for (const s of spans) {
    const i = intervalOf(ctx, s);
    if (i) out.push(i);
  }
  return out;
}

/** The nearest ancestor that is a plugin span, if any (walks parent ids; guards against cycles). */
export function enclosingPlugin(ctx: TraceContext, span: Span): Span | undefined {
  const seen = new Set<string>([span.spanId]);
  let cur = ctx.byId.get(span.parentSpanId)?.span;
  while (cur && !seen.has(cur.spanId)) {
    if (parsePluginSpan(cur.name)) return cur;
    seen.add(cur.spanId);
    cur = ctx.byId.get(cur.parentSpanId)?.span;
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
    .map((s) => ({ s, n: tryNumber(s) ?? NaN, start: intervalOf(ctx, s)?.start ?? 0 }))
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
