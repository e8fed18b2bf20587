import type { Span } from '../../common/api';
import { toApiSpan } from '../ingest/api-shapes';
import { decodeTracesJson } from '../otlp/decode-json';
import { loadFixture } from '../testing/otlp-builders';
import { decodeRecord, decodeSpans, encodeSpans } from './span-codec';

const traceId = '0af7651916cd43dd8448eb211c80319c';

function span(i: number, extra: Partial<Span> = {}): Span {
  const start = 1_700_000_000_000_000_000n + BigInt(i) * 1000n;
  return {
    traceId,
    spanId: i.toString(16).padStart(16, '0'),
    parentSpanId: i === 0 ? '' : '0'.repeat(16),
    name: `kong.access.plugin.p${i}`,
    kind: 1,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + 500n).toString(),
    startTimeMs: Number(start / 1_000_000n) + Number(start % 1_000_000n) / 1e6,
    durationNs: 500,
    attributes: {},
    events: [],
    statusCode: 0,
    ...extra,
  };
}

describe('span codec', () => {
  it("round-trips Kong's fixture trace exactly and stores it in far fewer bytes than its JSON", () => {
    const spans = decodeTracesJson(loadFixture('kong-trace.otlp.json')).spans.map(toApiSpan);
    const id = spans[0].traceId;
    const data = encodeSpans(spans);
    expect(decodeSpans(id, data)).toEqual(spans);
    expect(data.length).toBeLessThan(JSON.stringify(spans).length / 4);
  });

  it('round-trips the odd cases: absent parents, events, status messages, merged durations, zero and huge times', () => {
    const spans: Span[] = [
      span(0),
      span(1, { parentSpanId: 'ffffffffffffffff', statusCode: 2, statusMessage: 'boom', attributes: { 'http.method': 'GET', n: 3, ok: true, list: ['a', 1] } }),
      span(2, { events: [{ name: 'exception', timeUnixNano: '1700000000000000700', timeMs: 1700000000000.0007, attributes: { 'exception.message': 'x' } }, { name: 'e', timeUnixNano: '0', timeMs: 0, attributes: {} }] }),
      span(3, { durationNs: 9999 }),
      span(4, { startTimeUnixNano: '0', startTimeMs: 0, durationNs: 0 }),
      span(5, { endTimeUnixNano: '18446744073709551615', durationNs: 7 }),
      span(6, { statusMessage: '' }),
    ];
    spans[4].endTimeUnixNano = '0';
    expect(decodeSpans(traceId, encodeSpans(spans))).toEqual(spans);
    expect(decodeSpans(traceId, encodeSpans([]))).toEqual([]);
  });

  it("carries the trace's resource and scope when given", () => {
    const origin = { resource: { 'service.name': 'kong', 'service.version': '3.10.0.0' }, scopeName: 'kong-internal', scopeVersion: '0.1.0' };
    expect(decodeRecord(traceId, encodeSpans([span(0)], origin))).toEqual({ spans: [span(0)], origin });
    expect(decodeRecord(traceId, encodeSpans([span(0)], { resource: {} }))).toEqual({ spans: [span(0)], origin: { resource: {} } });
    expect(decodeRecord(traceId, encodeSpans([span(0)]))).toEqual({ spans: [span(0)] });
  });

  it('refuses a span time that is not a decimal count of nanoseconds', () => {
    expect(() => encodeSpans([span(0, { startTimeUnixNano: '12e3' })])).toThrow('invalid span time "12e3"');
  });

  it('refuses an encoding it does not know, naming the trace', () => {
    const data = encodeSpans([span(0)]);
    data[0] = 9;
    expect(() => decodeSpans(traceId, data)).toThrow(`stored spans of trace ${traceId} use encoding 9`);
  });
});
