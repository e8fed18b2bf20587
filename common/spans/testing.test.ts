import { ENTERPRISE_TRACE_ID, enterpriseTraceFixture, spansFromOtlpJson, otlpJsonToDetails } from './testing';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');

describe('spansFromOtlpJson', () => {
  const spans = spansFromOtlpJson(ossJson);

  it('converts all 21 spans of the OSS fixture with hex ids as given', () => {
    expect(spans).toHaveLength(21);
    const root = spans[0];
    expect(root).toMatchObject({
      traceId: 'fe42545217a406e81da675f9d52a2532',
      spanId: '2e5dccf8c54cffd5',
      parentSpanId: '',
      name: 'kong',
      kind: 2,
      startTimeUnixNano: '1751364930123000000',
      endTimeUnixNano: '1751364930173713402',
      durationNs: 50713402,
      statusCode: 0,
    });
    expect(root.startTimeMs).toBeCloseTo(1751364930123, 3);
    // intValue strings become numbers, doubles stay numbers
    expect(root.attributes['http.status_code']).toBe(200);
    expect(root.attributes['http.url']).toBe('https://api.example.com/orders/42?expand=items');
  });

  it('keeps status, events and double attributes', () => {
    const dns = spans.find((s) => s.spanId === '613a4c2692e3f50f')!;
    expect(dns.statusCode).toBe(2);
    expect(dns.attributes['dns.record.port']).toBe(7000);
    expect(dns.events).toEqual([
      { name: 'exception', timeUnixNano: '1751364930130921530', timeMs: expect.any(Number), attributes: { 'exception.message': 'dns server error: 3 name error' } },
    ]);
  });

  it('keeps resource and scope in otlpJsonToDetails', () => {
    const [d] = otlpJsonToDetails(ossJson);
    expect(d.resource['service.version']).toBe('3.9.1');
    expect(d.scope).toEqual({ name: 'kong-internal', version: '0.1.0' });
  });

  it('accepts enum names, numeric timestamps, all-zero parents and kvlist/array values', () => {
    const [s] = spansFromOtlpJson({
      resourceSpans: [{ scopeSpans: [{ spans: [{
        traceId: 'AB'.repeat(16), spanId: '01'.repeat(8), parentSpanId: '0'.repeat(16), name: 'x',
        kind: 'SPAN_KIND_CLIENT', startTimeUnixNano: 1000, endTimeUnixNano: '3000', status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
        attributes: [{ key: 'l', value: { arrayValue: { values: [{ intValue: 1 }, { boolValue: true }] } } }, { key: 'm', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } }],
      }] }] }],
    });
    expect(s).toMatchObject({ traceId: 'ab'.repeat(16), parentSpanId: '', kind: 3, durationNs: 2000, statusCode: 2, statusMessage: 'boom' });
    expect(s.attributes).toEqual({ l: [1, true], m: { k: 'v' } });
  });

  it('rejects malformed input with a precise message', () => {
    expect(() => spansFromOtlpJson(null)).toThrow('OTLP JSON must be an object');
    expect(() => spansFromOtlpJson({})).toThrow('no resourceSpans array');
    const bad = (span: object) => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), startTimeUnixNano: '1', endTimeUnixNano: '2', ...span }] }] }] });
    expect(() => spansFromOtlpJson(bad({ spanId: 'xyz' }))).toThrow('resourceSpans[0].scopeSpans[0].spans[0].spanId: "xyz" is not a 16-char hex id');
    expect(() => spansFromOtlpJson(bad({ startTimeUnixNano: '12a' }))).toThrow('spans[0].startTimeUnixNano: "12a" is not a Unix-ns timestamp');
    expect(() => spansFromOtlpJson(bad({ kind: 'SPAN_KIND_NOPE' }))).toThrow('spans[0].kind: unknown value "SPAN_KIND_NOPE"');
  });
});

describe('enterpriseTraceFixture', () => {
  it('is one well-formed trace with a unique id per span and parents that exist', () => {
    const d = enterpriseTraceFixture();
    const ids = new Set(d.spans.map((s) => s.spanId));
    expect(ids.size).toBe(d.spans.length);
    for (const s of d.spans) {
      expect(s.traceId).toBe(ENTERPRISE_TRACE_ID);
      if (s.parentSpanId) expect(ids.has(s.parentSpanId)).toBe(true);
      expect(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)).toBe(BigInt(s.durationNs));
    }
    expect(d.resource['service.version']).toBe('3.10.0.0');
  });

  it('returns fresh objects each call', () => {
    const a = enterpriseTraceFixture();
    a.spans[0].attributes['x'] = 1;
    expect(enterpriseTraceFixture().spans[0].attributes['x']).toBeUndefined();
  });
});
