import type { TraceDigest } from '../../common/lifecycle';
import type { LatencyBreakdown } from '../../common/api';
import { readLatency, storedDigest, storedLatency, toDigest } from './rows';

const full: TraceDigest = {
  traceId: 'a'.repeat(32),
  startTimeMs: 1796593070431,
  dialect: 'enterprise',
  latency: { totalMs: 50.713402, internalMs: 8.430144, upstreamMs: 32.891883, thirdPartyMs: 9.391375, clientMs: 0.25 },
  nodes: { clientOut: 1200, upstreamIn: 32891883, 'access.key-auth': 4125324, 'header_filter.opentelemetry': 35225 },
  spanErrors: 3,
};

const row = (d: unknown) => ({ trace_id: full.traceId, start_ms: full.startTimeMs, digest: JSON.stringify(d) });

describe('stored digest (compact form)', () => {
  it.each([
    ['every value', full],
    ['no span-error count, OSS, no client edge', { ...full, dialect: 'oss', latency: { totalMs: 1.5, upstreamMs: 1 }, spanErrors: undefined }],
    ['an empty latency and no nodes', { ...full, latency: {}, nodes: {}, spanErrors: 0 }],
    ['only the last latency value', { ...full, latency: { clientMs: 2 } }],
  ] as Array<[string, TraceDigest]>)('reads back what it stores: %s', (_, d) => {
    const want = { ...d };
    if (want.spanErrors === undefined) delete want.spanErrors;
    expect(toDigest(row(storedDigest(want)))).toStrictEqual(want);
  });

  it('is an array with the span-error count at index 1, no trailing nulls, plugins under their phase', () => {
    const packed = { clientOut: 1200, upstreamIn: 32891883, access: { 'key-auth': 4125324 }, header_filter: { opentelemetry: 35225 } };
    expect(storedDigest({ ...full, latency: { totalMs: 4 }, spanErrors: 2 })).toEqual([1, 2, packed, 4]);
    expect(storedDigest({ ...full, dialect: 'oss', latency: {}, spanErrors: undefined })).toEqual([0, null, packed]);
    expect(JSON.stringify(storedDigest(full)).length).toBeLessThan(JSON.stringify({ dialect: full.dialect, latency: full.latency, nodes: full.nodes, spanErrors: 3 }).length - 80);
  });

  it.each([
    ['plugins of a phase apart', { 'access.a': 1, 'header_filter.b': 2, 'access.c': 3, clientIn: 4 }],
    ['a phase named as an edge', { clientOut: 1, 'clientOut.x': 2 }],
    ['an edge after a phase of its name', { 'clientOut.x': 2, clientOut: 1 }],
    ['dots in plugin names, odd names', { 'log.a.b': 1, 'log.__proto__': 2, '__proto__.c': 3, 'constructor.d': 4, '.x': 5 }],
  ])('keeps the nodes and their order: %s', (_, nodes) => {
    const back = toDigest(row(storedDigest({ ...full, nodes })));
    expect(back.nodes).toStrictEqual(nodes);
    expect(Object.keys(back.nodes)).toEqual(Object.keys(nodes));
  });

  it('reads digests stored as objects before, with or without their own id and start', () => {
    const { traceId, startTimeMs, ...rest } = full;
    expect(toDigest(row(rest))).toStrictEqual(full);
    expect(toDigest(row({ ...rest, traceId: 'b'.repeat(32), startTimeMs: 5 }))).toStrictEqual({ ...full, traceId: 'b'.repeat(32), startTimeMs: 5 });
    void traceId;
    void startTimeMs;
  });
});

describe('stored latency breakdown (compact form)', () => {
  it.each([
    ['empty', {}],
    ['enterprise with third party', { totalMs: 50.71, internalMs: 8.43, upstreamMs: 32.89, thirdParty: { totalMs: 9.39, dnsMs: 2.87, httpClientMs: 9.23 }, clientMs: 0.5 }],
    ['third party without values', { totalMs: 1, thirdParty: {} }],
    ['only client and the last third-party value', { clientMs: 3, thirdParty: { tcpSocketMs: 0 } }],
    ['no third party', { totalMs: 0, upstreamMs: 2 }],
  ] as Array<[string, LatencyBreakdown]>)('reads back what it stores: %s', (_, l) => {
    expect(readLatency(storedLatency(l))).toStrictEqual(l);
  });

  it('is an array with trailing nulls left out, well under the object', () => {
    expect(storedLatency({ totalMs: 4, upstreamMs: 1 })).toBe('[4,null,1]');
    expect(storedLatency({ totalMs: 4, thirdParty: { dnsMs: 2 } })).toBe('[4,null,null,null,[null,2]]');
    const l = { totalMs: 50.713402, internalMs: 8.430144, upstreamMs: 32.891883, thirdParty: { totalMs: 9.391375, dnsMs: 2.86976, httpClientMs: 9.235571 } };
    expect(storedLatency(l).length).toBeLessThan(JSON.stringify(l).length / 2);
  });

  it('reads breakdowns stored as objects before', () => {
    const l = { totalMs: 7, thirdParty: { redisMs: 1 }, clientMs: 2 };
    expect(readLatency(JSON.stringify(l))).toStrictEqual(l);
  });
});
