import { decodeLogsJson, decodeTracesJson } from '../otlp/decode-json';
import { kongRequest, logsPayload, tracesPayload } from '../testing/otlp-builders';
import { toApiSpan, toNewLogs, toTraceRow } from './api-shapes';

describe('API shapes', () => {
  it('turns a decoded span into the API span: exact nanosecond strings, ms, duration', () => {
    const t = kongRequest({ startMs: 1_751_364_930_123, durationMs: 20 });
    const batch = decodeTracesJson(tracesPayload(t.spans));
    const root = batch.spans.find((s) => s.spanId === t.rootSpanId)!;
    const span = toApiSpan({ ...root, statusMessage: undefined });
    expect(span).toMatchObject({
      traceId: t.traceId,
      spanId: t.rootSpanId,
      parentSpanId: '',
      name: 'kong',
      kind: 2,
      startTimeUnixNano: '1751364930123000000',
      endTimeUnixNano: '1751364930143000000',
      startTimeMs: 1_751_364_930_123,
      durationNs: 20_000_000,
    });
    expect('statusMessage' in span).toBe(false);
    expect(toApiSpan({ ...root, statusMessage: 'boom' }).statusMessage).toBe('boom');
  });

  it("builds the trace row over all spans so far, with the root's resource and scope", () => {
    const t = kongRequest({ status: 503 });
    const batch = decodeTracesJson(tracesPayload(t.spans));
    const resource = { ...batch.resources[0], scopeName: 'kong-internal', scopeVersion: '0.1.0' };
    const row = toTraceRow(t.traceId, batch.spans.map(toApiSpan), resource);
    expect(row).toMatchObject({ traceId: t.traceId, spanCount: 3, statusCode: 503, scopeName: 'kong-internal', scopeVersion: '0.1.0', resource: { 'service.name': 'kong' } });
    expect(row.digest).toBeDefined();
    expect(toTraceRow(t.traceId, batch.spans.map(toApiSpan), undefined)).toMatchObject({ resource: {} });
  });

  it('stores one copy of a log record per session, all with the same dedupe key', () => {
    const rec = decodeLogsJson(logsPayload([{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), body: 'hello' }])).records[0];
    const logs = toNewLogs(rec, ['s1', 's2']);
    expect(logs.map((l) => l.sessionId)).toEqual(['s1', 's2']);
    expect(logs[0]).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), body: 'hello', timeUnixNano: rec.timeNs.toString() });
    expect(logs[0].dedupeKey).toBe(logs[1].dedupeKey);
    expect(toNewLogs(rec, [])).toEqual([]);
  });
});
