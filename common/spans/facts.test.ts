import { requestIdOf, traceFacts, withResourceIds } from './facts';
import { enterpriseTraceFixture, ENTERPRISE_T0, makeSpan, spansFromOtlpJson } from './testing';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');

describe('traceFacts', () => {
  it('reads the OSS fixture through the old attribute names', () => {
    const f = traceFacts(spansFromOtlpJson(ossJson));
    expect(f).toEqual({
      startTimeUnixNano: '1751364930123000000',
      startTimeMs: 1751364930123,
      durationNs: 50713402,
      method: 'GET',
      path: '/orders/42', // http.url minus ?expand=items
      url: 'https://api.example.com/orders/42?expand=items',
      host: 'api.example.com',
      statusCode: 200,
      // the last balancer try has no http.status_code (it succeeded): unknown on OSS
      clientAddress: '203.0.113.42', // http.client_ip wins over net.peer.ip
      requestId: '93c5e8a78769b169441cb787d1edc1f9', // kong.request.id (3.5+)
      // 200 after a recovered retry: not a failed request. The span errors stay counted: kong.dns
      // (policy-cache, status ERROR + exception), balancer try 1 (status ERROR), and the
      // kong.internal.request whose failure Kong records as an exception event only
      error: false,
      spanErrorCount: 3,
      spanCount: 21,
      dialect: 'oss',
      latency: expect.objectContaining({ totalMs: 50.713402 }),
    });
  });

  it('reads the enterprise fixture through the new names, numeric strings included', () => {
    const f = traceFacts(enterpriseTraceFixture().spans);
    expect(f).toEqual({
      startTimeUnixNano: ENTERPRISE_T0,
      startTimeMs: 1764000000000,
      durationNs: 40_000_000,
      method: 'POST',
      path: '/cart/checkout',
      url: 'https://shop.example.com/cart/checkout',
      requestId: 'c0ffee0000000000000000000000beef', // proxy.kong.request.id
      host: 'shop.example.com',
      statusCode: 201,
      upstreamStatusCode: 201, // sent as "201"
      routeId: '5d8f0b6e-2a8e-4f3c-9d1b-7a6c5e4d3c2b',
      serviceId: '8e1b2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
      consumerId: 'c1b2a3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      clientAddress: '198.51.100.7',
      error: false,
      spanErrorCount: 0,
      spanCount: 30,
      dialect: 'enterprise',
      latency: { totalMs: 40, internalMs: 6.5, upstreamMs: 25, thirdParty: { totalMs: 2.3, dnsMs: 0.3, redisMs: 2 }, clientMs: 6.2 },
    });
  });

  it('marks 5xx as error, falls back to router ids, host from the url, never takes nginx’s try status for the upstream status', () => {
    const root = makeSpan({ spanId: '1'.repeat(16), name: 'kong', kind: 2, start: 0, end: 1000, attributes: { 'http.status_code': '502', 'http.url': 'http://[::1]:8000/x?y' } });
    const router = makeSpan({ spanId: '2'.repeat(16), parentSpanId: root.spanId, name: 'kong.router', start: 10, end: 20, attributes: { 'proxy.kong.router.route_id': 'r1', 'proxy.kong.router.service_id': 's1' } });
    const tryOne = makeSpan({ spanId: '3'.repeat(16), parentSpanId: root.spanId, name: 'kong.balancer', start: 30, end: 1000, attributes: { try_count: 1, 'http.status_code': 502 } });
    const f = traceFacts([root, router, tryOne]);
    expect(f).toMatchObject({ statusCode: 502, error: true, routeId: 'r1', serviceId: 's1', host: '[::1]', path: '/x' });
    // the 502 on the exhausted last try is nginx giving up, not something the upstream said
    expect(f.upstreamStatusCode).toBeUndefined();
  });

  it('without a root spans the received spans and leaves request columns absent', () => {
    const a = makeSpan({ spanId: '1'.repeat(16), parentSpanId: 'f'.repeat(16), name: 'kong.router', start: 500, end: 600 });
    const b = makeSpan({ spanId: '2'.repeat(16), parentSpanId: 'f'.repeat(16), name: 'kong.dns', start: 700, end: 2500 });
    const f = traceFacts([b, a]);
    expect(f.startTimeUnixNano).toBe((BigInt(ENTERPRISE_T0) + BigInt(500)).toString());
    expect(f.durationNs).toBe(2000);
    expect(f.method).toBeUndefined();
    expect(f.statusCode).toBeUndefined();
    expect(f.spanCount).toBe(2);
    expect(traceFacts([])).toMatchObject({ startTimeUnixNano: '0', durationNs: 0, spanCount: 0, error: false, latency: {} });
  });

  it('never throws on junk values', () => {
    const junk = { ...makeSpan({ spanId: '1'.repeat(16), name: 'kong', kind: 2, start: 0, end: 10 }), startTimeUnixNano: 'bad', durationNs: NaN, attributes: { 'http.status_code': 'abc', 'http.url': 42 } as never };
    expect(() => traceFacts([junk])).not.toThrow();
    expect(traceFacts([junk]).statusCode).toBeUndefined();
  });

  it('takes route/service ids from the resource when the spans carry none (OSS behind a scoped plugin), spans first', () => {
    const oss = traceFacts(spansFromOtlpJson(ossJson));
    expect(oss.routeId).toBeUndefined();
    const resource = { 'service.name': 'kong', 'proxy.kong.route.id': 'r-1', 'proxy.kong.service.id': 's-1' };
    expect(withResourceIds({ ...oss }, resource)).toEqual({ ...oss, routeId: 'r-1', serviceId: 's-1' });
    const ent = traceFacts(enterpriseTraceFixture().spans);
    expect(ent.routeId).toBeDefined();
    expect(withResourceIds({ ...ent }, { 'proxy.kong.route.id': 'other' }).routeId).toBe(ent.routeId);
    expect(withResourceIds({ ...oss }, undefined)).toEqual(oss);
  });
});

describe('requestIdOf', () => {
  it("reads the root's request id in both dialects, as traceFacts does", () => {
    const oss = spansFromOtlpJson(ossJson);
    expect(requestIdOf(oss)).toBe(traceFacts(oss).requestId);
    expect(requestIdOf(oss)).toBe('93c5e8a78769b169441cb787d1edc1f9');
    expect(requestIdOf(enterpriseTraceFixture().spans)).toBe('c0ffee0000000000000000000000beef');
    // without its root (not arrived yet) a trace has no request id
    expect(requestIdOf(oss.filter((s) => s.parentSpanId))).toBeUndefined();
  });
});
