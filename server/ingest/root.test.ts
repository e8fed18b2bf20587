import type { DecodedSpan } from '../otlp/types';
import { isRootSpan } from './root';

const span = (over: Partial<DecodedSpan>): DecodedSpan => ({
  traceId: '0123456789abcdef0123456789abcdef',
  spanId: '0123456789abcdef',
  parentSpanId: '',
  name: 'x',
  kind: 1,
  startNs: 0n,
  endNs: 1n,
  attributes: {},
  events: [],
  statusCode: 0,
  resource: 0,
  ...over,
});

describe('isRootSpan', () => {
  it("takes Kong's SERVER span even when it has a parent (an incoming traceparent)", () => {
    expect(isRootSpan(span({ name: 'kong', kind: 2, parentSpanId: 'aaaaaaaaaaaaaaaa' }))).toBe(true);
  });

  it('takes a parentless span of another producer, never a child', () => {
    expect(isRootSpan(span({ name: 'GET /' }))).toBe(true);
    expect(isRootSpan(span({ name: 'kong.router', parentSpanId: 'aaaaaaaaaaaaaaaa' }))).toBe(false);
    expect(isRootSpan(span({ name: 'kong', kind: 1, parentSpanId: 'aaaaaaaaaaaaaaaa' }))).toBe(false);
  });

  it('never judges a trace on its log-phase span', () => {
    expect(isRootSpan(span({ name: 'kong.phase.log' }))).toBe(false);
  });
});
