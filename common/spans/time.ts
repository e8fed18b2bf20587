import type { Span } from '../api';

/**
 * Exact nanosecond arithmetic on the API's decimal-string timestamps. Absolute Unix ns do not fit
 * a double (≈1.75e18 > 2^53), so offsets are computed with BigInt and only then turned into
 * numbers; offsets within one trace are small enough to be exact doubles.
 */

const DIGITS = /^\d+$/;

/**
 * Unix ns → ms as a float whose whole milliseconds are exact: `Number(ns) / 1e6` rounds the ns to
 * a double first (256 ns steps today), which can move a time across a millisecond boundary.
 */
const NS_PER_MS = BigInt(1_000_000); // no bigint literal: the plugin compiles for targets before ES2020

export function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
}

/** The timestamp as a bigint, or undefined when it is not a non-negative decimal integer string. */
export function parseNs(s: string | undefined): bigint | undefined {
  return typeof s === 'string' && DIGITS.test(s) ? BigInt(s) : undefined;
}

/** A span's [start, end) in ns relative to `base`; end falls back to start + durationNs when unparseable. */
export interface Interval {
  start: number;
  end: number;
}

export function spanInterval(span: Span, base: bigint): Interval | undefined {
  const s = parseNs(span.startTimeUnixNano);
  if (s === undefined) return undefined;
  const start = Number(s - base);
  const e = parseNs(span.endTimeUnixNano);
  const end = e !== undefined ? Number(e - base) : start + safeDuration(span);
  return { start, end: Math.max(start, end) };
}

/** spanInterval from the span's start and end as offsets from `base` (spanTimes), undefined when unparseable. */
export function intervalAt(span: Span, start: number | undefined, end: number | undefined): Interval | undefined {
  if (start === undefined) return undefined;
  const e = end !== undefined ? end : start + safeDuration(span);
  return { start, end: Math.max(start, e) };
}

/**
 * Every span's start and end as ns offsets from the earliest parseable start, index for index with
 * the spans: exactly `Number(parseNs(t) - earliest)`, spanInterval's arithmetic, but computed on doubles.
 * A trace's context needs them for every span of every ingested trace, and BigInt parsing dominated that.
 * Each timestamp is split into whole seconds and the nanoseconds within them, both exact doubles (up to
 * 24 digits); an offset of up to 9e6 s (104 days) is then an exact double sum. Beyond that, or for longer
 * strings, that one value goes through BigInt. Ends are parsed when asked for: most rules read few.
 */
export class SpanTimes {
  /** start offsets (undefined: unparseable) */
  readonly start: Array<number | undefined>;
  /** every start offset is exact, so comparing offsets orders spans exactly as their timestamps (else compare bigints) */
  readonly exact: boolean;
  /** the earliest start: split, and as its string for the values too far from it for doubles */
  private baseSec = 0;
  private baseNs = 0;
  private baseText = '0';
  private baseBig: bigint | undefined;
  /** some start is too long to split: every offset goes through BigInt */
  private readonly long: boolean;
  private readonly sec = [0];
  private readonly ns = [0];

  constructor(private readonly spans: readonly Span[]) {
    const n = spans.length;
    const sec: number[] = new Array(n);
    const ns: number[] = new Array(n);
    let first = -1; // the earliest start
    let long = false;
    for (let i = 0; i < n; i++) {
      const h = split(spans[i].startTimeUnixNano, sec, ns, i);
      if (h === LONG) long = true;
      else if (h === h && (first < 0 || h < sec[first] || (h === sec[first] && ns[i] < ns[first]))) first = i;
    }
    const start: Array<number | undefined> = new Array(n);
    let exact = !long;
    if (long) this.baseBig = earliestStart(spans) ?? BigInt(0);
    else if (first >= 0) {
      this.baseSec = sec[first];
      this.baseNs = ns[first];
      this.baseText = spans[first].startTimeUnixNano;
    }
    for (let i = 0; i < n; i++) {
      const h = sec[i];
      if (long) start[i] = this.viaBigInt(spans[i].startTimeUnixNano);
      else if (h !== h) continue; // NaN: unparseable
      else if (h - this.baseSec <= MAX_EXACT_SECONDS) start[i] = (h - this.baseSec) * NS_PER_SECOND + (ns[i] - this.baseNs);
      else {
        start[i] = this.viaBigInt(spans[i].startTimeUnixNano);
        exact = false;
      }
    }
    this.start = start;
    this.exact = exact;
    this.long = long;
  }

  /** Span i's end offset (undefined: unparseable). */
  end(i: number): number | undefined {
    const t = this.spans[i].endTimeUnixNano;
    if (this.long) return this.viaBigInt(t);
    const h = split(t, this.sec, this.ns, 0);
    if (h !== h) return undefined;
    const d = h - this.baseSec;
    if (d < -MAX_EXACT_SECONDS || d > MAX_EXACT_SECONDS) return this.viaBigInt(t);
    return d * NS_PER_SECOND + (this.ns[0] - this.baseNs);
  }

  private viaBigInt(t: string | undefined): number | undefined {
    const v = parseNs(t);
    if (v === undefined) return undefined;
    this.baseBig ??= BigInt(this.baseText);
    return Number(v - this.baseBig);
  }
}

const MAX_SPLIT_DIGITS = 24; // 15 digits of seconds: below 2^53
const MAX_EXACT_SECONDS = 9e6; // (9e6 + 1) × 1e9 < 2^53
const LONG = Infinity; // a decimal string too long to split: BigInt's
const NS_PER_SECOND = 1e9;

export function spanTimes(spans: readonly Span[]): SpanTimes {
  return new SpanTimes(spans);
}

/**
 * Splits decimal ns into `sec[i]` (whole seconds, returned too) and `ns[i]`; NaN when it is not a
 * decimal integer string (parseNs's rule), LONG when it is one too long to split exactly.
 */
function split(t: string | undefined, sec: number[], ns: number[], i: number): number {
  sec[i] = NaN;
  if (typeof t !== 'string' || t.length === 0) return NaN;
  const len = t.length;
  const cut = len - 9;
  let h = 0;
  let l = 0;
  for (let k = 0; k < len; k++) {
    const c = t.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return NaN;
    if (k < cut) h = h * 10 + c;
    else l = l * 10 + c;
  }
  if (len > MAX_SPLIT_DIGITS) h = LONG;
  sec[i] = h;
  ns[i] = l;
  return h;
}

/** durationNs when it is a usable non-negative number, else 0 (Konnect flags such spans "incomplete"). */
export function safeDuration(span: Span): number {
  const d = span.durationNs;
  return typeof d === 'number' && Number.isFinite(d) && d > 0 ? d : 0;
}

/** Earliest parseable start among `spans` (the zero point for `spanInterval`). */
export function earliestStart(spans: readonly Span[]): bigint | undefined {
  let min: bigint | undefined;
  for (const s of spans) {
    const v = parseNs(s.startTimeUnixNano);
    if (v !== undefined && (min === undefined || v < min)) min = v;
  }
  return min;
}

/** Total length of the union of intervals, so overlapping spans are not counted twice. */
export function unionLength(intervals: Interval[]): number {
  // none or one (most calls): the loop's own arithmetic, without filtering and sorting a copy
  if (intervals.length === 0) return 0;
  if (intervals.length === 1) {
    const i = intervals[0];
    return i.end > i.start ? i.end - i.start : 0;
  }
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const i of sorted) {
    if (i.start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = i.start;
      curEnd = i.end;
    } else if (i.end > curEnd) {
      curEnd = i.end;
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

/** How much of `target` is covered by the union of `others`. */
export function overlapLength(target: Interval, others: Interval[]): number {
  const clipped = others
    .map((o) => ({ start: Math.max(o.start, target.start), end: Math.min(o.end, target.end) }))
    .filter((o) => o.end > o.start);
  return unionLength(clipped);
}

/** Compare two spans by exact start time (then span id, so the order is total and stable). */
export function compareByStart(a: Span, b: Span): number {
  return compareStarts(parseNs(a.startTimeUnixNano), a.spanId, parseNs(b.startTimeUnixNano), b.spanId);
}

/** compareByStart over already parsed starts (bigints, or exact offsets): unparseable starts last, ties by span id. */
export function compareStarts<T extends number | bigint>(x: T | undefined, xId: string, y: T | undefined, yId: string): number {
  if (x !== undefined && y !== undefined && x !== y) return x < y ? -1 : 1;
  if (x === undefined && y !== undefined) return 1;
  if (y === undefined && x !== undefined) return -1;
  return xId < yId ? -1 : xId > yId ? 1 : 0;
}
