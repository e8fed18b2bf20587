import { traceSummary } from './summary';
import { makeSpan } from '../spans/testing';

const US = 1000;
const root = (status: number, end: number, method = 'GET') =>
  makeSpan({ spanId: '1'.repeat(16), name: 'kong', kind: 2, start: 0, end: end * US, attributes: { 'http.method': method, 'http.status_code': status, 'http.route': '/r' } });
const router = makeSpan({ spanId: '2'.repeat(16), parentSpanId: '1'.repeat(16), name: 'kong.router', start: 100 * US, end: 150 * US });
const hf = (start: number) => makeSpan({ spanId: '3'.repeat(16), parentSpanId: '1'.repeat(16), name: 'kong.header_filter.plugin.opentelemetry', start: start * US, end: (start + 30) * US });
const tryOf = (start: number, end: number, attributes: Record<string, number | string> = {}, statusCode = 0) =>
  makeSpan({ spanId: '4'.repeat(16), parentSpanId: '1'.repeat(16), name: 'kong.balancer', kind: 3, start: start * US, end: end * US, attributes: { try_count: 1, 'net.peer.ip': '10.0.0.1', 'net.peer.port': 80, ...attributes }, statusCode });

describe('open-source upstream edge cases (kong/runloop/handler.lua header_filter)', () => {
  it('retries = 0 and an upstream 503: Kong marks the only try, but nginx never makes a 503: the upstream answered', () => {
    const s = traceSummary('t', [root(503, 5_100), router, hf(5_000), tryOf(600, 620, { 'http.status_code': 503 }, 2)]);
    expect(s.upstreamStatusCode).toBe(503);
    expect(s.upstreamOutcome).toBe('answered');
    expect(s.failure).toBe('server_error');
    expect(s.lifecycle.tries?.map((t) => [t.outcome, t.statusCode, t.durationNs])).toEqual([['answered', 503, 4_400 * US]]);
    // no span covers the exchange: it runs from the try's start to the response phase
    expect(s.latency.upstreamMs).toBe(4.4);
    expect(s.lifecycle.upstreamOut).toEqual({ durationNs: 4_400 * US, colorIndex: 3, measured: true });
  });

  it('a POST whose upstream timed out is not retried and its try stays unmarked: a 504 that may be nginx’s or the upstream’s', () => {
    const s = traceSummary('t', [root(504, 60_100, 'POST'), router, hf(60_000), tryOf(600, 60_100)]);
    expect(s.upstreamStatusCode).toBeUndefined();
    expect(s.upstreamOutcome).toBe('unknown');
    expect(s.failure).toBe('server_error');
    expect(s.lifecycle.tries?.map((t) => t.outcome)).toEqual(['unknown']);
  });
});
