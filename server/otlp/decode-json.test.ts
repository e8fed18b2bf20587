import { readFileSync } from 'node:fs';
import { decodeLogsJson, decodeTracesJson } from './decode-json';
import { OtlpDecodeError } from './errors';

const TRACE_FIXTURE = JSON.parse(readFileSync(`${__dirname}/../../../shared/fixtures/kong-trace.otlp.json`, 'utf8'));

const TID = 'fe42545217a406e81da675f9d52a2532';
const TID_B64 = Buffer.from(TID, 'hex').toString('base64'); // 24 chars, as Kong Enterprise sends
const SID = '2e5dccf8c54cffd5';
const SID_B64 = Buffer.from(SID, 'hex').toString('base64'); // 12 chars

function traces(spans: unknown[], extra: object = {}) {
  return { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'kong-internal', version: '0.1.0' }, spans }], ...extra }] };
}
const span = { traceId: TID, spanId: SID, name: 'kong', kind: 2, startTimeUnixNano: '1751364930123000000', endTimeUnixNano: '1751364930173713402' };

describe('decodeTracesJson', () => {
  test('the Kong fixture: 21 spans, exact times, typed attributes, resource and scope', () => {
    const b = decodeTracesJson(JSON.stringify(TRACE_FIXTURE));
    expect(b.rejected).toBe(0);
    expect(b.spans).toHaveLength(21);
    expect(b.spans[0]).toMatchObject({ traceId: TID, spanId: SID, parentSpanId: '', name: 'kong', kind: 2, startNs: 1751364930123000000n, endNs: 1751364930173713402n, statusCode: 0 });
    expect(b.spans[0].attributes['http.status_code']).toBe(200);
    expect(b.resources).toEqual([expect.objectContaining({ scopeName: 'kong-internal', scopeVersion: '0.1.0' })]);
    expect(b.resources[0].attributes['service.name']).toBe('kong');
  });

  test('base64 ids (Kong Enterprise) decode to the same hex as hex ids', () => {
    const b = decodeTracesJson(traces([{ ...span, traceId: TID_B64, spanId: SID_B64, parentSpanId: Buffer.from('0423dd744a092fcd', 'hex').toString('base64') }]));
    expect(b.spans[0]).toMatchObject({ traceId: TID, spanId: SID, parentSpanId: '0423dd744a092fcd' });
  });

  test('uppercase hex is normalised; a 32-char non-hex id is an error, not misread as base64', () => {
    const b = decodeTracesJson(traces([{ ...span, traceId: TID.toUpperCase() }, { ...span, traceId: 'z'.repeat(32) }]));
    expect(b.spans.map((s) => s.traceId)).toEqual([TID]);
    expect(b.errors[0]).toMatch(/traceId must be 16 bytes as 32 hex or 24 base64 chars/);
  });

  test('snake_case field names, numbers as strings or numbers, enums by name', () => {
    const doc = {
      resource_spans: [{
        resource: { attributes: [{ key: 'service.name', value: { string_value: 'kong' } }] },
        scope_spans: [{
          scope: { name: 'kong-internal' },
          spans: [{
            trace_id: TID, span_id: SID, parent_span_id: '', name: 'kong', kind: 'SPAN_KIND_SERVER',
            start_time_unix_nano: 1751364930123, end_time_unix_nano: '1751364930173713402',
            attributes: [
              { key: 'i1', value: { int_value: 200 } },
              { key: 'i2', value: { intValue: '-5' } },
              { key: 'd1', value: { double_value: '7000' } },
              { key: 'd2', value: { doubleValue: 'NaN' } },
              { key: 'l', value: { kvlist_value: { values: [{ key: 'a', value: { array_value: { values: [{ bool_value: true }] } } }] } } },
            ],
            events: [{ time_unix_nano: '1751364930130949871', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }] }],
            status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
          }],
        }],
      }],
    };
    const b = decodeTracesJson(doc);
    expect(b.errors).toEqual([]);
    expect(b.spans[0]).toEqual({
      traceId: TID, spanId: SID, parentSpanId: '', name: 'kong', kind: 2, startNs: 1751364930123n, endNs: 1751364930173713402n,
      attributes: { i1: 200, i2: -5, d1: 7000, d2: NaN, l: { a: [true] } },
      events: [{ name: 'exception', timeNs: 1751364930130949871n, attributes: { 'exception.message': 'boom' } }],
      statusCode: 2, statusMessage: 'bad', resource: 0,
    });
    expect(b.resources).toEqual([{ attributes: { 'service.name': 'kong' }, scopeName: 'kong-internal' }]);
  });

  test('a bad span is rejected with a reason naming it; its neighbours are kept', () => {
    const b = decodeTracesJson(traces([
      span,
      { ...span, spanId: 'abcd' },
      { ...span, spanId: '1111111111111111', attributes: [{ key: 'http.status_code', value: { intValue: '2OO' } }] },
      { ...span, spanId: '2222222222222222', startTimeUnixNano: '-1' },
      { ...span, spanId: '3333333333333333', kind: 'SPAN_KIND_BOGUS' },
      { ...span, spanId: '4444444444444444', traceId: '00000000000000000000000000000000' },
      'not a span',
      { ...span, spanId: '5555555555555555', parentSpanId: '0000000000000000' },
    ]));
    expect(b.spans.map((s) => [s.spanId, s.parentSpanId])).toEqual([[SID, ''], ['5555555555555555', '']]);
    expect(b.rejected).toBe(6);
    expect(b.errors).toEqual([
      expect.stringMatching(/^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]: spanId must be 8 bytes as 16 hex or 12 base64 chars, got "abcd"$/),
      expect.stringMatching(/spans\[2\]: span\.attributes\[0\] \("http\.status_code"\)\.value\.intValue must be an integer .*"2OO"$/),
      expect.stringMatching(/spans\[3\]: startTimeUnixNano must be an unsigned 64-bit integer/),
      expect.stringMatching(/spans\[4\]: kind must be an enum number or name, got "SPAN_KIND_BOGUS"$/),
      expect.stringMatching(/spans\[5\]: traceId is missing or all zero$/),
      expect.stringMatching(/spans\[6\]: must be an object, got string$/),
    ]);
  });

  test('a resource whose attributes cannot be read rejects its spans only', () => {
    const doc = traces([span, span]);
    doc.resourceSpans.push({ resource: { attributes: [{ key: 'x', value: { intValue: 'NaN' } }] as never[] }, scopeSpans: [{ scope: { name: 'kong-internal', version: '0.1.0' }, spans: [span, span, span] }] });
    const b = decodeTracesJson(doc);
    expect(b.spans).toHaveLength(2);
    expect(b.rejected).toBe(3);
    expect(b.errors).toEqual([expect.stringMatching(/^resourceSpans\[1\]\.resource: resource\.attributes\[0\] \("x"\)\.value\.intValue must be an integer.*\(3 spans rejected\)$/)]);
  });

  test('only the first reasons are kept, the count is exact', () => {
    const b = decodeTracesJson(traces(Array.from({ length: 25 }, () => ({ ...span, spanId: 'x' }))));
    expect(b.rejected).toBe(25);
    expect(b.errors).toHaveLength(10);
  });

  test.each([
    ['not JSON', '{"resourceSpans":', /^invalid JSON: /],
    ['not an object', '[1,2]', /^OTLP\/JSON request must be an object, got array$/],
    ['resourceSpans not an array', '{"resourceSpans": 1}', /^resourceSpans must be an array, got number$/],
    ['scopeSpans not an array', '{"resourceSpans": [{"scopeSpans": "x"}]}', /^resourceSpans\[0\]\.scopeSpans must be an array, got string$/],
    ['spans not an array', '{"resourceSpans": [{"scopeSpans": [{"spans": {}}]}]}', /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans must be an array, got object$/],
  ])('%s → OtlpDecodeError', (_name, body, message) => {
    let err: unknown;
    try {
      decodeTracesJson(Buffer.from(body));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OtlpDecodeError);
    expect((err as Error).message).toMatch(message);
  });

  test('an empty object is an empty batch', () => {
    expect(decodeTracesJson('{}')).toEqual({ resources: [], spans: [], rejected: 0, errors: [] });
  });
});

describe('decodeLogsJson', () => {
  test('severity by name, base64 ids, empty body, observed-time fallback, bytes body', () => {
    const b = decodeLogsJson({
      resourceLogs: [{
        scopeLogs: [{
          logRecords: [
            { observedTimeUnixNano: '1751364930000000001', severityNumber: 'SEVERITY_NUMBER_WARN', severityText: 'WARN', body: { stringValue: 'w' }, traceId: TID_B64, spanId: SID_B64 },
            { timeUnixNano: 12, body: {}, trace_id: TID, attributes: [{ key: 'n', value: { doubleValue: 280 } }] },
            { time_unix_nano: '13', severity_number: 17, severity_text: 'ERR', body: { bytesValue: 'AQL/' } },
            { timeUnixNano: '14', severityNumber: 'LOUD' },
          ],
        }],
      }],
    });
    expect(b.records).toEqual([
      { timeNs: 1751364930000000001n, severityNumber: 13, severityText: 'WARN', body: 'w', attributes: {}, traceId: TID, spanId: SID, resource: 0 },
      { timeNs: 12n, severityNumber: 0, body: null, attributes: { n: 280 }, traceId: TID, resource: 0 },
      { timeNs: 13n, severityNumber: 17, severityText: 'ERR', body: 'AQL/', attributes: {}, resource: 0 },
    ]);
    expect(b.rejected).toBe(1);
    expect(b.errors[0]).toMatch(/logRecords\[3\]: severityNumber must be an enum number or name, got "LOUD"$/);
  });
});
