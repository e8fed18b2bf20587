import { dateTime, type DataLink, type TimeRange } from '@grafana/data';
import type { KongDebuggerQuery } from '../types';

/** Which data source instance internal links point back to (ours: links open our own queries). */
export interface DsRef {
  uid: string;
  name: string;
}

/** room around a trace's own times in a link's range: clocks of Kong and the browser differ, and views want context */
export const LINK_MARGIN_MS = 60_000;

/** An absolute time range (both ends fixed), as Grafana puts it into an Explore URL. */
export function absoluteRange(fromMs: number, toMs: number): TimeRange {
  const from = dateTime(Math.floor(fromMs));
  const to = dateTime(Math.ceil(Math.max(fromMs, toMs)));
  return { from, to, raw: { from, to } };
}

/**
 * The range a link to something that happened from `startMs` to `endMs` carries: those times with a margin
 * either side, in absolute times. Grafana's own span links carry no range, so a link opened later runs with
 * "last hour" and misses the trace (grafana#124821); ours open the same trace days later. Undefined when no
 * time is known (nothing to link around).
 */
export function linkRange(times: Iterable<number>): TimeRange | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of times) {
    if (Number.isFinite(t)) {
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
  }
  return lo === Infinity ? undefined : absoluteRange(lo - LINK_MARGIN_MS, hi + LINK_MARGIN_MS);
}

export interface LinkOptions {
  /** Explore panel state of the target (which span or log line to focus) */
  panelsState?: { trace?: { spanId?: string }; logs?: { id?: string } };
  /** the absolute range the link opens with (linkRange) */
  range?: TimeRange;
}

/**
 * An internal data link that runs `query` on our data source. Grafana interpolates `${__value.raw}`,
 * `${__data.fields.x}`, `${__span.spanId}` etc. inside the query's string fields when the link is followed.
 * A field's links are one config for all its rows, so `range` covers every row's trace (a session's traces
 * lie within its 30 minutes at most); panels/debuglogs narrows it to the row.
 */
export function internalLink(ds: DsRef, title: string, query: Omit<KongDebuggerQuery, 'refId'>, opts: LinkOptions = {}): DataLink {
  return {
    title,
    url: '',
    internal: {
      datasourceUid: ds.uid,
      datasourceName: ds.name,
      query: { refId: query.queryType, ...query },
      ...(opts.panelsState ? { panelsState: opts.panelsState } : {}),
      ...(opts.range ? { range: opts.range } : {}),
    },
  };
}

/** Attribute values (possibly arrays/maps) as a display string; primitives keep their type for tag tables. */
export function displayValue(v: unknown): string | number | boolean {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    return v;
  }
  if (v === null || v === undefined) {
    return '';
  }
  return JSON.stringify(v);
}

/** Unix ns decimal string → epoch ms float with µs precision (a double cannot hold the whole ns value). */
export function nsToMs(ns: string | undefined, fallbackMs: number): number {
  if (!ns || !/^\d+$/.test(ns)) {
    return fallbackMs;
  }
  const big = BigInt(ns);
  return Number(big / BigInt(1000)) / 1000;
}

/** The sub-millisecond remainder (0..999999 ns) Grafana's time fields accept as `nanos`. */
export function nanosWithinMs(ns: string | undefined): number {
  if (!ns || !/^\d+$/.test(ns)) {
    return 0;
  }
  return Number(BigInt(ns) % BigInt(1000000));
}
