import { latencyBreakdown } from './latency';
import { enterpriseTraceFixture, makeSpan, spansFromOtlpJson } from '../spans/testing';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');

describe('latencyBreakdown', () => {
  it('derives the OSS fixture breakdown from its spans', () => {
    // Times are ns after 1751364930_000000000 (the common prefix).
    // total  = root 173713402 − 123000000                                  = 50_713_402
    // upstream: first try start 138210447 → last try end 173713402        = 35_502_955
    //           (the failed try's span is 61_302; the 326_365 between it and try 2 is the
    //           refused connection's time, upstream side, not Kong's)
    //           minus the header_filter plugins inside it:
    //             correlation-id 171131876 − 171102330 = 29_546, opentelemetry 171170229 − 171135004 = 35_225
    //           upstream  = 35_502_955 − 64_771                          = 35_438_184
    // dns (no two overlap): 93_435 + 2_672_224 + 41_732 + 62_369          =  2_869_760
    // http client: 130950220 − 128236402 = 2_713_818; 137511870 − 130990117 = 6_521_753 → 9_235_571
    // 3p union: dns 613a… (128249660‥130921884) lies inside request 83d8… (128236402‥130950220),
    //           dns e1a7… (131001530‥131043262) inside 79f0… (130990117‥137511870), so
    //           9_235_571 + 93_435 + 62_369                               =  9_391_375
    // internal = 50_713_402 − 35_438_184 − 9_391_375                      =  5_883_843
    const l = latencyBreakdown(spansFromOtlpJson(ossJson));
    expect(l).toEqual({
      totalMs: 50.713402,
      internalMs: 5.883843,
      upstreamMs: 35.438184,
      thirdParty: { totalMs: 9.391375, dnsMs: 2.86976, httpClientMs: 9.235571 },
    });
    expect(l.clientMs).toBeUndefined();
  });

  it('reads the enterprise root attributes, legacy names and numeric strings included', () => {
    expect(latencyBreakdown(enterpriseTraceFixture().spans)).toEqual({
      totalMs: 40, // proxy.kong.latency_total_ms "40"
      internalMs: 6.5,
      upstreamMs: 25,
      thirdParty: { totalMs: 2.3, dnsMs: 0.3, redisMs: 2 }, // redis from proxy.kong.redis.total_io_ms
      clientMs: 6.2, // "6.2"
    });
  });

  it('reports only what Kong sent when some latency attributes exist', () => {
    const root = makeSpan({ spanId: '1'.repeat(16), name: 'kong', kind: 2, start: 0, end: 9_000_000, attributes: { 'proxy.kong.latency.total': 9 } });
    expect(latencyBreakdown([root])).toEqual({ totalMs: 9 });
  });

  it('OSS without balancer (auth reject): upstream 0, the rest internal; internal never negative', () => {
    const root = makeSpan({ spanId: '1'.repeat(16), name: 'kong', kind: 2, start: 0, end: 2_000_000, attributes: { 'http.status_code': 401 } });
    const dns = makeSpan({ spanId: '2'.repeat(16), parentSpanId: root.spanId, name: 'kong.dns', start: 0, end: 500_000 });
    expect(latencyBreakdown([root, dns])).toEqual({ totalMs: 2, internalMs: 1.5, upstreamMs: 0, thirdParty: { totalMs: 0.5, dnsMs: 0.5, httpClientMs: 0 } });
    // a balancer span longer than the root (clock skew) cannot make internal negative
    const b = makeSpan({ spanId: '3'.repeat(16), parentSpanId: root.spanId, name: 'kong.balancer', start: 0, end: 3_000_000 });
    expect(latencyBreakdown([root, b]).internalMs).toBe(0);
  });

  it('no root yet → empty breakdown', () => {
    const orphan = makeSpan({ spanId: '1'.repeat(16), parentSpanId: 'f'.repeat(16), name: 'kong.balancer', start: 0, end: 10 });
    expect(latencyBreakdown([orphan])).toEqual({});
    expect(latencyBreakdown([])).toEqual({});
  });
});
