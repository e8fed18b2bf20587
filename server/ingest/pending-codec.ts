import type { DecodedLogRecord, DecodedResource, DecodedSpan } from '../otlp/types';

/**
 * Spans and logs that wait for their trace's decision are written to the store too, so what Kong got
 * a 200 for survives a crash. Their bigint times travel as decimal strings.
 */
export interface PendingSpans {
  resources: DecodedResource[];
  spans: DecodedSpan[];
}

export interface PendingLogs {
  resources: DecodedResource[];
  records: DecodedLogRecord[];
}

const BIGINT_KEYS = new Set(['startNs', 'endNs', 'timeNs']);

export function encodePending(value: PendingSpans | PendingLogs): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

export function decodePending<T extends PendingSpans | PendingLogs>(text: string): T {
  return JSON.parse(text, (k, v) => (BIGINT_KEYS.has(k) && typeof v === 'string' ? BigInt(v) : v)) as T;
}
