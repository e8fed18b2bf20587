import type { LogRecord, TraceDetail } from '../../common/api';
import { enterpriseTraceFixture, otlpJsonToDetails } from '../../common/spans/testing';
import { toApiSpan } from '../ingest/api-shapes';
import { loadFixture } from '../testing/otlp-builders';
import { decodeLogsJson, decodeTracesJson } from './decode-json';
import { anyValueJson, encodeLogsJson, encodeTraceJson } from './encode-json';

/** encode → JSON text → decode: what a receiver of the export would store */
function roundTrip(detail: TraceDetail) {
  const batch = decodeTracesJson(JSON.stringify(encodeTraceJson(detail)));
  expect(batch.rejected).toBe(0);
  return batch;
}

describe('encodeTraceJson', () => {
  it('gives back the same spans, resource and scope (enterprise fixture)', () => {
    const fx = enterpriseTraceFixture();
    const batch = roundTrip(fx);
    expect(batch.spans.map(toApiSpan)).toEqual(fx.spans);
    expect(batch.resources).toEqual([{ attributes: fx.resource, scopeName: 'kong-internal', scopeVersion: '0.1.0' }]);
  });

  it('gives back the same spans with events and statuses (shared OSS fixture)', () => {
    const [fx] = otlpJsonToDetails(loadFixture('kong-trace.otlp.json'));
    expect(fx.spans.some((s) => s.events.length > 0 || s.statusCode !== 0)).toBe(true);
    expect(roundTrip(fx).spans.map(toApiSpan)).toEqual(fx.spans);
  });

  it('writes OTLP/JSON: hex ids, times and intValue as strings, enums as integers, no empty parent', () => {
    const fx = enterpriseTraceFixture();
    const doc = encodeTraceJson(fx) as any;
    const root = doc.resourceSpans[0].scopeSpans[0].spans[0];
    expect(root).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'a000000000000001', kind: 2, startTimeUnixNano: '1764000000000000000' });
    expect(root.parentSpanId).toBeUndefined();
    expect(root.attributes).toContainEqual({ key: 'http.response.status_code', value: { intValue: '201' } });
    expect(root.attributes).toContainEqual({ key: 'proxy.kong.latency.internal', value: { doubleValue: 6.5 } });
    expect(doc.resourceSpans[0].scopeSpans[0].scope).toEqual({ name: 'kong-internal', version: '0.1.0' });
  });
});

describe('anyValueJson', () => {
  it('maps every attribute value shape', () => {
    expect(anyValueJson('x')).toEqual({ stringValue: 'x' });
    expect(anyValueJson(false)).toEqual({ boolValue: false });
    expect(anyValueJson(7)).toEqual({ intValue: '7' });
    expect(anyValueJson(2 ** 60)).toEqual({ doubleValue: 2 ** 60 }); // beyond 2^53 a number is no exact int64
    expect(anyValueJson(NaN)).toEqual({ doubleValue: 'NaN' });
    expect(anyValueJson(-Infinity)).toEqual({ doubleValue: '-Infinity' });
    expect(anyValueJson(null)).toEqual({});
    expect(anyValueJson([1, 'a', { k: true }])).toEqual({
      arrayValue: { values: [{ intValue: '1' }, { stringValue: 'a' }, { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } }] },
    });
  });
});

describe('encodeLogsJson', () => {
  it('round-trips log records under the trace resource', () => {
    const log: LogRecord = {
      id: '1',
      sessionId: 's',
      timeUnixNano: '1764000000000123456',
      timeMs: 1764000000000.1235,
      level: 'warn',
      severityNumber: 13,
      severityText: 'WARN',
      body: { msg: 'slow', n: 2.5 },
      attributes: { 'request.id': 'abc', line: 12 },
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'a000000000000001',
    };
    const batch = decodeLogsJson(JSON.stringify(encodeLogsJson({ resource: { 'service.name': 'kong' }, scope: { name: 'kong-internal' } }, [log])));
    expect(batch.rejected).toBe(0);
    expect(batch.records).toEqual([
      { timeNs: 1764000000000123456n, severityNumber: 13, severityText: 'WARN', body: log.body, attributes: log.attributes, traceId: log.traceId, spanId: log.spanId, resource: 0 },
    ]);
    expect(batch.resources[0]).toEqual({ attributes: { 'service.name': 'kong' }, scopeName: 'kong-internal' });
  });
});
