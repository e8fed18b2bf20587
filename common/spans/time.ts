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
  return intervalOf(span, parseNs(span.startTimeUnixNano), parseNs(span.endTimeUnixNano), base);
}

/** spanInterval from the span's already parsed start and end (a trace's context parses each once). */
export function intervalOf(span: Span, start: bigint | undefined, end: bigint | undefined, base: bigint): Interval | undefined {
  if (start === undefined) return undefined;
  const s = Number(start - base);
  const e = end !== undefined ? Number(end - base) : s + safeDuration(span);
  return { start: s, end: Math.max(s, e) };
}

/** durationNs when it is a usable non-negative number, else 0 (Konnect flags such spans "incomplete"). */
export function safeDuration(span: Span): number {
  const d = span.durationNs;
  return typeof d === 'number' && Number.isFinite(d) && d > 0 ? d : 0;
}

/** Earliest parseable start among `spans` (the zero point for `spanInterval`). */
export function earliestStart(spans: Span[]): bigint | undefined {
  let min: bigint | undefined;
  for (const s of spans) {
    const v = parseNs(s.startTimeUnixNano);
    if (v !== undefined && (min === undefined || v < min)) min = v;
  }
  return min;
}

/** Total length of the union of intervals, so overlapping spans are not counted twice. */
export function unionLength(intervals: Interval[]): number {
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

/** compareByStart over already parsed starts: unparseable starts last, ties by span id. */
export function compareStarts(x: bigint | undefined, xId: string, y: bigint | undefined, yId: string): number {
  if (x !== undefined && y !== undefined && x !== y) return x < y ? -1 : 1;
  if (x === undefined && y !== undefined) return 1;
  if (y === undefined && x !== undefined) return -1;
  return xId < yId ? -1 : xId > yId ? 1 : 0;
}
