import { mergeSpans } from './merge';
import { makeSpan, spansFromOtlpJson } from './testing';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');

describe('mergeSpans', () => {
  it('a batch that arrives twice yields each span once, unchanged', () => {
    const spans = spansFromOtlpJson(ossJson);
    const merged = mergeSpans(spans, spansFromOtlpJson(ossJson));
    expect(merged).toEqual(spans);
  });

  it('folds pieces: attributes and events union, widest times, error status wins, empty fields filled', () => {
    const id = '1'.repeat(16);
    const a = { ...makeSpan({ spanId: id, name: 'kong', kind: 2, start: 100, end: 100, attributes: { x: 1, y: 'a' } }), endTimeUnixNano: '0', durationNs: 0 };
    a.events = [{ name: 'exception', timeUnixNano: '5', timeMs: 0, attributes: { 'exception.message': 'm' } }];
    const b = makeSpan({ spanId: id, name: '', kind: 0, start: 150, end: 900, attributes: { y: 'b', z: true }, statusCode: 2 });
    b.events = [...a.events, { name: 'other', timeUnixNano: '6', timeMs: 0, attributes: {} }];
    b.parentSpanId = 'f'.repeat(16);
    const [m, ...rest] = mergeSpans([a], [b]);
    expect(rest).toEqual([]);
    expect(m.name).toBe('kong');
    expect(m.kind).toBe(2);
    expect(m.parentSpanId).toBe('f'.repeat(16));
    expect(m.attributes).toEqual({ x: 1, y: 'b', z: true });
    expect(m.events.map((e) => e.name)).toEqual(['exception', 'other']);
    expect(m.startTimeUnixNano).toBe(a.startTimeUnixNano);
    expect(m.endTimeUnixNano).toBe(b.endTimeUnixNano);
    expect(m.durationNs).toBe(800);
    expect(m.statusCode).toBe(2);
    // inputs untouched
    expect(a.attributes).toEqual({ x: 1, y: 'a' });
  });

  it('keeps spans of different traces with the same span id apart, and dedupes within one list', () => {
    const s1 = makeSpan({ spanId: '1'.repeat(16), name: 'a', start: 0, end: 1 });
    const s2 = { ...s1, traceId: 'f'.repeat(32) };
    expect(mergeSpans([s1, s1, s2], [])).toHaveLength(2);
  });
});
