import { findRoot, isNullParent, isRequestRoot } from './root';
import { makeSpan, spansFromOtlpJson } from './testing';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');

describe('findRoot', () => {
  it('finds the kong SERVER span of the OSS fixture even when it is exported last', () => {
    const spans = spansFromOtlpJson(ossJson);
    expect(findRoot([...spans].reverse())?.spanId).toBe('2e5dccf8c54cffd5');
  });

  it('prefers kong/SERVER with a propagated parent over an earlier orphan', () => {
    const spans = [
      makeSpan({ spanId: '1'.repeat(16), name: 'kong.access.plugin.x', parentSpanId: 'f'.repeat(16), start: 0, end: 5 }),
      makeSpan({ spanId: '2'.repeat(16), name: 'kong', kind: 2, parentSpanId: 'e'.repeat(16), start: 10, end: 50 }),
    ];
    expect(findRoot(spans)?.spanId).toBe('2'.repeat(16));
  });

  it('without kong, takes a null-parent span (all-zero counts), then the earliest orphan', () => {
    const a = makeSpan({ spanId: 'a'.repeat(16), name: 'other', parentSpanId: '0'.repeat(16), start: 20, end: 30 });
    const b = makeSpan({ spanId: 'b'.repeat(16), name: 'kong.router', parentSpanId: 'c'.repeat(16), start: 10, end: 12 });
    const c = makeSpan({ spanId: 'd'.repeat(16), name: 'kong.dns', parentSpanId: 'c'.repeat(16), start: 5, end: 6 });
    expect(findRoot([b, a, c])?.spanId).toBe('a'.repeat(16));
    // the root has not arrived: the earliest span whose parent is missing stands in
    expect(findRoot([b, c])?.spanId).toBe('d'.repeat(16));
  });

  it('returns undefined for no spans or a parent cycle', () => {
    expect(findRoot([])).toBeUndefined();
    const x = makeSpan({ spanId: '1'.repeat(16), name: 'x', parentSpanId: '2'.repeat(16), start: 0, end: 1 });
    const y = makeSpan({ spanId: '2'.repeat(16), name: 'y', parentSpanId: '1'.repeat(16), start: 0, end: 1 });
    expect(findRoot([x, y])).toBeUndefined();
  });

  it('isRequestRoot: Kong 3.0–3.2 "<METHOD> <path>" SERVER roots yes, log-phase spans never', () => {
    expect(isRequestRoot({ name: 'GET /orders/42', kind: 2, parentSpanId: 'a'.repeat(16) })).toBe(true);
    expect(isRequestRoot({ name: 'kong', kind: 2, parentSpanId: 'a'.repeat(16) })).toBe(true);
    expect(isRequestRoot({ name: 'kong.phase.log', kind: 1, parentSpanId: '' })).toBe(false);
    expect(isRequestRoot({ name: 'kong.log.plugin.http-log', kind: 1, parentSpanId: '' })).toBe(false);
    expect(isRequestRoot({ name: 'other', kind: 1, parentSpanId: '' })).toBe(true);
    expect(isRequestRoot({ name: 'kong.router', kind: 1, parentSpanId: 'a'.repeat(16) })).toBe(false);
  });

  it('isNullParent', () => {
    expect(isNullParent('')).toBe(true);
    expect(isNullParent('0000000000000000')).toBe(true);
    expect(isNullParent('0000000000000001')).toBe(false);
  });
});
