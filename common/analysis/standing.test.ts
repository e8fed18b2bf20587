import type { TraceDigest } from '../lifecycle/digest';
import { summarizeSession } from '../lifecycle/session';
import { traceStanding } from './standing';
import type { MapNodeValue } from './types';

const MS = 1_000_000;
const digest = (i: number, nodes: Record<string, number>): TraceDigest => ({ traceId: i.toString(16).padStart(32, '0'), startTimeMs: i, dialect: 'enterprise', latency: {}, nodes });

describe('traceStanding', () => {
  // 40 traces: key-auth takes 1..40 ms; upstreamOut 10 ms in all; cors only in the first 10.
  const session = Array.from({ length: 40 }, (_, i) => digest(i + 1, { 'access.key-auth': (i + 1) * MS, upstreamOut: 10 * MS, ...(i < 10 ? { 'header_filter.cors': 50 * MS } : {}) }));
  const route = session.slice(0, 25);
  const nodes: MapNodeValue[] = [
    { key: 'access.key-auth', label: 'key-auth', group: 'request', phase: 'access', durationNs: 39.5 * MS, spanId: 'aaaaaaaaaaaaaaaa' },
    { key: 'upstreamOut', label: 'Upstream out', group: 'edge', durationNs: 10 * MS },
    { key: 'header_filter.cors', label: 'cors', group: 'response', phase: 'header_filter', durationNs: 900 * MS },
    { key: 'access.new-plugin', label: 'new-plugin', group: 'request', phase: 'access', durationNs: 1 },
  ];

  it('flags nodes above the session p95, with p50/p95 and the percentile beside them', () => {
    const s = traceStanding({ traceId: 't', sessionId: 's', routeId: 'r1', nodes, sessionDigests: session, routeDigests: route });
    const keyAuth = s.nodes[0];
    // nearest rank over 1..40 ms: p50 = value #20, p95 = value #38; 39 of 40 values ≤ 39.5 ms
    expect(keyAuth.session).toEqual({ count: 40, p50Ns: 20 * MS, p95Ns: 38 * MS, percentile: 97.5 });
    expect(keyAuth.abnormal).toBe(true);
    // route r1 = the first 25 traces: p50 #13, p95 #24; all 25 ≤ 39.5 ms
    expect(keyAuth.route).toEqual({ count: 25, p50Ns: 13 * MS, p95Ns: 24 * MS, percentile: 100 });
    // equal to p95 is not above it
    expect(s.nodes[1]).toMatchObject({ abnormal: false, session: { count: 40, p95Ns: 10 * MS, percentile: 100 } });
    // 10 samples are too few to judge, however large the value; the route has only 10 too
    expect(s.nodes[2]).toMatchObject({ abnormal: false, session: { count: 10, percentile: 100 } });
    expect(s.nodes[2].route).toBeUndefined();
    // a node the session never saw
    expect(s.nodes[3]).toMatchObject({ abnormal: false, session: { count: 0, p50Ns: 0, p95Ns: 0, percentile: 0 } });
    expect(s.abnormalKeys).toEqual(['access.key-auth']);
    expect(s).toMatchObject({ sessionTraceCount: 40, routeTraceCount: 25, routeId: 'r1', minSamples: 20 });
  });

  it("uses the session summary's percentiles", () => {
    const summary = summarizeSession('s', session);
    const s = traceStanding({ traceId: 't', sessionId: 's', nodes, sessionDigests: session });
    expect(s.nodes[0].session.p95Ns).toBe(summary.nodes['access.key-auth'].p95Ns);
    expect(s.nodes[0].session.p50Ns).toBe(summary.nodes['access.key-auth'].p50Ns);
    expect(s.nodes[0].route).toBeUndefined();
  });

  it('a value below p95 is not flagged', () => {
    const s = traceStanding({ traceId: 't', sessionId: 's', nodes: [{ ...nodes[0], durationNs: 38 * MS }], sessionDigests: session });
    expect(s.nodes[0]).toMatchObject({ abnormal: false, session: { percentile: 95 } });
    expect(s.abnormalKeys).toEqual([]);
  });
});
