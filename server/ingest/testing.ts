import type { DecodedLogRecord, DecodedResource, DecodedSpan } from '../otlp/types';
import type { WriteBatch } from '../store/types';

/** Small decoded shapes for the ingest modules' unit tests. */

export const TRACE_A = '0123456789abcdef0123456789abcdef';
export const TRACE_B = 'fedcba9876543210fedcba9876543210';

export function decodedSpan(over: Partial<DecodedSpan> = {}): DecodedSpan {
  return {
    traceId: TRACE_A,
    spanId: '0123456789abcdef',
    parentSpanId: 'aaaaaaaaaaaaaaaa',
    name: 'kong.router',
    kind: 1,
    startNs: 1_751_364_930_123_000_000n,
    endNs: 1_751_364_930_124_000_000n,
    attributes: {},
    events: [],
    statusCode: 0,
    resource: 0,
    ...over,
  };
}

export function decodedLog(over: Partial<DecodedLogRecord> = {}): DecodedLogRecord {
  return { timeNs: 1_751_364_930_123_000_000n, severityNumber: 13, severityText: 'WARN', body: 'x', attributes: {}, traceId: TRACE_A, resource: 0, ...over };
}

export function resource(name: string, extra: DecodedResource['attributes'] = {}): DecodedResource {
  return { attributes: { 'service.name': name, ...extra } };
}

export function emptyWrite(tenant = 'default'): WriteBatch {
  return { tenant, spans: [], traces: [], memberships: [], sessions: [], logs: [] };
}
