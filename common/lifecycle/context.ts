import type { Span } from '../api';
import { toNumber } from '../spans/attributes';
import { canonicalSpanName, parsePluginSpan, type PluginSpan, tryNumberFromName } from '../spans/names';
import { mergeSpans } from '../spans/merge';
import { rootAmong } from '../spans/root';
import { type Interval, intervalOf, parseNs } from '../spans/time';

/**
 * One pass over a trace's spans that the latency and lifecycle rules share: canonical names
 * (legacy names mapped), the root, exact intervals relative to the earliest start, and a
 * parent index. Built once per trace so each rule stays a small pure function over it, and so
 * each span's timestamps are parsed and its name read once (ingest analyses every kept trace).
 */
export interface TraceContext {
  spans: Span[];
  root?: Span;
  /** canonical name per span id */
  names: Map<string, string>;
  intervals: Map<string, Interval>;
  byId: Map<string, Span>;
  /** each span's start and end as exact ns (undefined: not a decimal string), index for index with `spans` */
  startNs: Array<bigint | undefined>;
  endNs: Array<bigint | undefined>;
  /** the earliest parseable start: the zero point of `intervals` */
  earliestNs?: bigint;
  /** spans by canonical name (as `names` gives it), each list in `spans` order: what `named` reads */
  byName: Map<string, Span[]>;
  /** the plugin spans (canonical name `kong.<phase>.plugin.<name>`), in `spans` order, with their index in `spans` */
  plugins: PluginSpanAt[];
}

export interface PluginSpanAt extends PluginSpan {
  span: Span;
  index: number;
}

export function traceContext(input: Span[]): TraceContext {
  const ctx = indexSpans(input);
  // A span delivered twice (exporter retry) must not count twice: fold duplicates first.
  return ctx.byId.size === input.length ? ctx : indexSpans(mergeSpans(input, []));
}

function indexSpans(spans: Span[]): TraceContext {
  const n = spans.length;
  const names = new Map<string, string>();
  const byId = new Map<string, Span>();
  const canonical: string[] = new Array(n);
  const startNs: Array<bigint | undefined> = new Array(n);
  const endNs: Array<bigint | undefined> = new Array(n);
  let earliestNs: bigint | undefined;
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    const name = canonicalSpanName(s.name, s.kind);
    canonical[i] = name;
    names.set(s.spanId, name);
    byId.set(s.spanId, s);
    const start = parseNs(s.startTimeUnixNano);
    startNs[i] = start;
    endNs[i] = parseNs(s.endTimeUnixNano);
    if (start !== undefined && (earliestNs === undefined || start < earliestNs)) earliestNs = start;
  }
  const base = earliestNs ?? BigInt(0);
  // Per-id facts (name, interval) come from the last span with that id, as the maps keep it; with
  // unique ids (every trace once duplicates are folded) that is the span itself.
  const unique = byId.size === n;
  const intervals = new Map<string, Interval>();
  const byName = new Map<string, Span[]>();
  const plugins: PluginSpanAt[] = [];
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    const iv = intervalOf(s, startNs[i], endNs[i], base);
    if (iv) intervals.set(s.spanId, iv);
    const name = unique ? canonical[i] : names.get(s.spanId)!;
    const list = byName.get(name);
    if (list) list.push(s);
    else byName.set(name, [s]);
    const p = parsePluginSpan(name);
    if (p) plugins.push({ phase: p.phase, plugin: p.plugin, span: s, index: i });
  }
  const root = rootAmong(spans, byId, canonical, startNs);
  return { spans, root, names, intervals, byId, startNs, endNs, earliestNs, byName, plugins };
}

/** The spans whose canonical name is one of `wanted`, in trace order (shared with the context: do not modify). */
export function named(ctx: TraceContext, ...wanted: string[]): readonly Span[] {
  let found: Span[] | undefined;
  for (const w of wanted) {
    const list = ctx.byName.get(w);
    if (!list || list === found) continue;
    // spans under two of the names: back to trace order
    if (found) return ctx.spans.filter((s) => wanted.includes(ctx.names.get(s.spanId) ?? s.name));
    found = list;
  }
  return found ?? NONE;
}

const NONE: readonly Span[] = Object.freeze([]);

export function intervalsOf(ctx: TraceContext, spans: readonly Span[]): Interval[] {
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
