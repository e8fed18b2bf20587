import type { LogRecord, TraceListItem } from '../api';
import { logMatches, parseStatusFilter, traceMatches } from './match';

const trace = (over: Partial<TraceListItem> = {}): TraceListItem => ({
  traceId: 'a'.repeat(32),
  startTimeUnixNano: '1765000000000000000',
  startTimeMs: 1765000000000,
  durationNs: 25e6,
  error: true,
  spanCount: 3,
  dialect: 'enterprise',
  latency: {},
  statusCode: 503,
  method: 'GET',
  path: '/orders/42',
  routeId: 'r1',
  serviceId: 's1',
  spanErrorCount: 1,
  ...over,
});

describe('live filters', () => {
  it('keep a trace as the server list would', () => {
    expect(traceMatches(trace(), {})).toBe(true);
    expect(traceMatches(trace(), { status: '5xx', minDurationMs: 25, method: 'get', path: '/orders', routeId: 'r1', serviceId: 's1', errorsOnly: true, spanErrorsOnly: true, from: 1765000000000 })).toBe(true);
    expect(traceMatches(trace(), { status: '500-502' })).toBe(false);
    expect(traceMatches(trace({ statusCode: undefined }), { status: '503' })).toBe(false);
    expect(traceMatches(trace(), { minDurationMs: 25.1 })).toBe(false);
    expect(traceMatches(trace(), { method: 'POST' })).toBe(false);
    expect(traceMatches(trace(), { path: '/users' })).toBe(false);
    expect(traceMatches(trace(), { routeId: 'r2' })).toBe(false);
    expect(traceMatches(trace({ error: false }), { errorsOnly: true })).toBe(false);
    expect(traceMatches(trace({ spanErrorCount: 0 }), { spanErrorsOnly: true })).toBe(false);
    expect(traceMatches(trace(), { from: 1765000000001 })).toBe(false);
    // a live list grows past the range's end
    expect(traceMatches(trace(), { to: 1 })).toBe(true);
  });

  it('read status filters as the API does', () => {
    expect(parseStatusFilter('4xx')).toEqual([400, 499]);
    expect(parseStatusFilter(' 500 - 504 ')).toEqual([500, 504]);
    expect(() => parseStatusFilter('5x')).toThrow(/use a code \(503\), a class \(5xx\) or a range \(500-599\)/);
  });

  it('keep a log record as the server list would', () => {
    const l: LogRecord = { id: '1', sessionId: 's', timeUnixNano: '1765000000000000000', timeMs: 1765000000000, level: 'warn', severityNumber: 13, body: 'x', attributes: {}, traceId: 'b'.repeat(32), spanId: 'c'.repeat(16) };
    expect(logMatches(l, { traceId: 'B'.repeat(32), spanId: 'c'.repeat(16), level: 'error, warn', from: 1765000000000 })).toBe(true);
    expect(logMatches(l, { level: 'error' })).toBe(false);
    expect(logMatches(l, { traceId: 'd'.repeat(32) })).toBe(false);
    expect(logMatches(l, { from: 1765000000001 })).toBe(false);
  });
});
