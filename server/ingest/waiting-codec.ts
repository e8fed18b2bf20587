import type { DecodedLogRecord, DecodedResource, DecodedSpan } from '../otlp/types';

/**
 * Spans and logs that wait for their trace's decision are written to the store too, so what Kong got
 * a 200 for survives a crash. Their bigint times travel as decimal strings.
 */
export interface WaitingSpansPayload {
  resources: DecodedResource[];
  spans: DecodedSpan[];
}

export interface WaitingLogsPayload {
  resources: DecodedResource[];
  records: DecodedLogRecord[];
}

const BIGINT_KEYS = new Set(['startNs', 'endNs', 'timeNs']);

export function encodeWaiting(value: WaitingSpansPayload | WaitingLogsPayload): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

export function decodeWaiting<T extends WaitingSpansPayload | WaitingLogsPayload>(text: string): T {
  return JSON.parse(text, (k, v) => (BIGINT_KEYS.has(k) && typeof v === 'string' ? BigInt(v) : v)) as T;
}
