import type { DataLink } from '@grafana/data';
import type { KongDebuggerQuery } from '../types';

/** Which data source instance internal links point back to (ours: links open our own queries). */
export interface DsRef {
  uid: string;
  name: string;
}

/**
 * An internal data link that runs `query` on our data source. Grafana interpolates `${__value.raw}`,
 * `${__data.fields.x}`, `${__span.spanId}` etc. inside the query's string fields when the link is followed.
 */
export function internalLink(
  ds: DsRef,
  title: string,
  query: Omit<KongDebuggerQuery, 'refId'>,
  panelsState?: { trace?: { spanId?: string }; logs?: { id?: string } }
): DataLink {
  return {
    title,
    url: '',
    internal: {
      datasourceUid: ds.uid,
      datasourceName: ds.name,
      query: { refId: query.queryType, ...query },
      ...(panelsState ? { panelsState } : {}),
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
