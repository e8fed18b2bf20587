import { digestTrace, type TraceDigest } from './digest';
import { summarizeSession } from './session';
import { traceSummary } from './summary';
import { enterpriseTraceFixture, ENTERPRISE_T0, ENTERPRISE_TRACE_ID, spansFromOtlpJson } from '../spans/testing';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');

describe('traceSummary', () => {
  it('bundles the information card, breakdown and map', () => {
    const s = traceSummary(ENTERPRISE_TRACE_ID, enterpriseTraceFixture().spans);
    expect(s).toMatchObject({ traceId: ENTERPRISE_TRACE_ID, startTimeUnixNano: ENTERPRISE_T0, startTimeMs: 1764000000000, statusCode: 201, upstreamStatusCode: 201 });
    expect(s.latency.totalMs).toBe(40);
    expect(s.lifecycle.upstreamOut.durationNs).toBe(23_000_000);
  });
});

describe('digestTrace', () => {
  it('keeps latency and measured nodes only (OSS: no client edges)', () => {
    const spans = spansFromOtlpJson(ossJson);
    const d = digestTrace(traceSummary(spans[0].traceId, spans));
    expect(d).toEqual({
      traceId: 'fe42545217a406e81da675f9d52a2532',
      startTimeMs: 1751364930123,
      dialect: 'oss',
      latency: { totalMs: 50.713402, internalMs: 5.883843, upstreamMs: 35.438184, thirdPartyMs: 9.391375 },
      nodes: {
        upstreamIn: 387_667, // first try start → last try start
        upstreamOut: 35_050_517,
        'rewrite.pre-function': 59_565,
        'access.pre-function': 269_463,
        'access.correlation-id': 37_337,
        'access.key-auth': 4_125_324,
        'access.ext-authz': 9_402_339,
        'access.rate-limiting': 171_415,
        'access.opentelemetry': 177_643,
        'header_filter.correlation-id': 29_546,
        'header_filter.opentelemetry': 35_225,
      },
      spanErrors: 3, // the store's spanErrorsOnly filter reads it
    });
    expect(JSON.parse(JSON.stringify(d))).toEqual(d); // storable as JSON
  });
});

describe('summarizeSession', () => {
  const digest = (i: number, extra: Partial<TraceDigest> = {}): TraceDigest => ({
    traceId: i.toString(16).padStart(32, '0'),
    startTimeMs: i,
    dialect: 'enterprise',
    latency: { totalMs: i, upstreamMs: i / 2 },
    nodes: { clientOut: i * 1000, 'access.key-auth': i * 10, 'header_filter.cors': i },
    ...extra,
  });

  it('p50/p95/p99/max per node and per latency metric (latency in ns)', () => {
    const digests = Array.from({ length: 100 }, (_, k) => digest(100 - k)); // values 1..100, reversed
    const s = summarizeSession('sess-1', digests);
    expect(s.sessionId).toBe('sess-1');
    expect(s.traceCount).toBe(100);
    expect(s.latency).toEqual({
      totalMs: { count: 100, p50Ns: 50e6, p95Ns: 95e6, p99Ns: 99e6, maxNs: 100e6 },
      upstreamMs: { count: 100, p50Ns: 25e6, p95Ns: 47.5e6, p99Ns: 49.5e6, maxNs: 50e6 },
    });
    expect(s.nodes).toEqual({
      clientOut: { count: 100, p50Ns: 50_000, p95Ns: 95_000, p99Ns: 99_000, maxNs: 100_000, label: 'Client out', group: 'edge' },
      'access.key-auth': { count: 100, p50Ns: 500, p95Ns: 950, p99Ns: 990, maxNs: 1000, label: 'key-auth', group: 'request', phase: 'access' },
      'header_filter.cors': { count: 100, p50Ns: 50, p95Ns: 95, p99Ns: 99, maxNs: 100, label: 'cors', group: 'response', phase: 'header_filter' },
    });
  });

  it('counts only traces that measured a node; skips unknown keys and junk values', () => {
    const s = summarizeSession('s', [
      digest(1),
      digest(2, { nodes: { 'log.http-log': 5, 'access.key-auth': NaN, weird: 1, upstreamIn: 7 } }),
    ]);
    expect(s.nodes['access.key-auth'].count).toBe(1);
    expect(s.nodes.upstreamIn).toMatchObject({ count: 1, p50Ns: 7, label: 'Upstream in', group: 'edge' });
    expect(s.nodes['log.http-log']).toBeUndefined();
    expect(s.nodes.weird).toBeUndefined();
    expect(s.latency.clientMs).toBeUndefined();
  });

  it('empty session', () => {
    expect(summarizeSession('s', [])).toEqual({ sessionId: 's', traceCount: 0, latency: {}, nodes: {} });
  });

  it('handles 10,000 digests of real summaries', () => {
    const spans = spansFromOtlpJson(ossJson);
    const base = digestTrace(traceSummary(spans[0].traceId, spans));
    const entBase = digestTrace(traceSummary(ENTERPRISE_TRACE_ID, enterpriseTraceFixture().spans));
    const digests = Array.from({ length: 10_000 }, (_, i) => {
      const d = i % 2 ? base : entBase;
      const nodes: Record<string, number> = {};
      for (const k in d.nodes) nodes[k] = d.nodes[k] + i;
      return { ...d, nodes };
    });
    const s = summarizeSession('big', digests);
    expect(s.traceCount).toBe(10_000);
    expect(s.nodes.upstreamOut.count).toBe(10_000);
    expect(s.nodes.clientIn.count).toBe(5_000); // enterprise traces only
    expect(s.nodes['access.key-auth'].maxNs).toBe(4_125_324 + 9_999);
  });
});
