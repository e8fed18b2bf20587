import type { Span } from '../api';
import { traceSummary } from '../lifecycle';
import { enterpriseTraceFixture, ENTERPRISE_TRACE_ID, spansFromOtlpJson } from '../spans/testing';
import { compareTraces, spanDifferences } from './compare';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');
const OSS_TRACE_ID = 'fe42545217a406e81da675f9d52a2532';

const input = (traceId: string, spans: Span[], sessionIds = ['s1']) => ({ summary: traceSummary(traceId, spans), spans, sessionIds });

/** the enterprise fixture with key-auth (3300‥4300 µs) ending `extraNs` later */
function slowerKeyAuth(extraNs: number): Span[] {
  return enterpriseTraceFixture().spans.map((s) =>
    s.spanId === 'a00000000000000c' ? { ...s, endTimeUnixNano: (BigInt(s.endTimeUnixNano) + BigInt(extraNs)).toString(), durationNs: s.durationNs + extraNs } : s,
  );
}

describe('compareTraces', () => {
  it('one plugin slower: that node differs by exactly the added time, the others by 0', () => {
    const slow = input('b'.repeat(32), slowerKeyAuth(4_000_000));
    const base = input(ENTERPRISE_TRACE_ID, enterpriseTraceFixture().spans);
    const c = compareTraces(slow, base);
    const keyAuth = c.nodes.find((n) => n.key === 'access.key-auth')!;
    expect(keyAuth).toEqual({
      key: 'access.key-auth',
      label: 'key-auth',
      group: 'request',
      phase: 'access',
      presence: 'both',
      aNs: 5_000_000,
      bNs: 1_000_000,
      diffNs: 4_000_000,
      ratio: 5,
      aSpanId: 'a00000000000000c',
      bSpanId: 'a00000000000000c',
    });
    for (const n of c.nodes) if (n.key !== 'access.key-auth') expect(n.diffNs).toBe(0);
    expect(c.spans[0]).toEqual({ name: 'kong.access.plugin.key-auth', occurrence: 1, aNs: 5_000_000, bNs: 1_000_000, diffNs: 4_000_000, aSpanId: 'a00000000000000c', bSpanId: 'a00000000000000c' });
    expect(c.spans[1].diffNs).toBe(0);
    // latency figures come from root attributes, which did not change
    expect(c.latency.map((l) => [l.metric, l.aMs, l.bMs, l.diffMs])).toEqual([
      ['totalMs', 40, 40, 0],
      ['internalMs', 6.5, 6.5, 0],
      ['upstreamMs', 25, 25, 0],
      ['thirdPartyMs', 2.3, 2.3, 0],
      ['clientMs', 6.2, 6.2, 0],
    ]);
  });

  it('across dialects: nodes of one trace only are marked, map order is kept', () => {
    const c = compareTraces(input(ENTERPRISE_TRACE_ID, enterpriseTraceFixture().spans), input(OSS_TRACE_ID, spansFromOtlpJson(ossJson), ['s2']));
    expect(c.a.dialect).toBe('enterprise');
    expect(c.b.dialect).toBe('oss');
    expect(c.b.sessionIds).toEqual(['s2']);
    expect(c.nodes.map((n) => `${n.key}:${n.presence}`)).toEqual([
      'clientOut:onlyA', // OSS has no client-read spans
      'certificate.tls-handshake-modifier:onlyA',
      'rewrite.pre-function:both',
      'access.correlation-id:both',
      'access.key-auth:both',
      'access.request-transformer:onlyA',
      'access.rate-limiting-advanced:onlyA',
      'access.pre-function:onlyB',
      'access.ext-authz:onlyB',
      'access.rate-limiting:onlyB',
      'access.opentelemetry:onlyB',
      'upstreamIn:both',
      'upstreamOut:both',
      'header_filter.correlation-id:both',
      'header_filter.rate-limiting-advanced:onlyA',
      'body_filter.response-transformer:onlyA',
      'header_filter.opentelemetry:onlyB',
      'clientIn:onlyA',
    ]);
    // enterprise upstream in = selection 1500 µs + send 300 µs; OSS = first try start → last try start 387_667 ns (common/lifecycle/upstream.ts)
    expect(c.nodes.find((n) => n.key === 'upstreamIn')).toMatchObject({ aNs: 1_800_000, bNs: 387_667, diffNs: 1_412_333 });
    // key-auth: 1000 µs against OSS 4_125_324 ns
    expect(c.nodes.find((n) => n.key === 'access.key-auth')).toMatchObject({ aNs: 1_000_000, bNs: 4_125_324, diffNs: -3_125_324 });
    expect(c.nodes.find((n) => n.key === 'access.ext-authz')).toEqual({ key: 'access.ext-authz', label: 'ext-authz', group: 'request', phase: 'access', presence: 'onlyB', bNs: 9_402_339, bSpanId: '21355c6dc28da9a9' });
    // OSS total = root duration 50_713_402 ns; enterprise total = 40 ms (legacy attribute)
    expect(c.latency[0]).toEqual({ metric: 'totalMs', label: 'Total', aMs: 40, bMs: 50.713402, diffMs: -10.713402 });
    expect(c.latency.find((l) => l.metric === 'clientMs')).toEqual({ metric: 'clientMs', label: 'Client', aMs: 6.2 });
    // the biggest span difference: OSS's second balancer try (35_115_288 ns), present in b only
    expect(c.spans[0]).toEqual({ name: 'kong.balancer', occurrence: 2, bNs: 35_115_288, diffNs: -35_115_288, bSpanId: '0423dd744a092fcd' });
    expect(c.spans.length).toBe(10);
  });
});

describe('spanDifferences', () => {
  it('pairs legacy and current names, n-th with n-th in start order', () => {
    const e = enterpriseTraceFixture().spans;
    const renamed = e.map((s) => (s.name === 'kong.waiting_for_upstream' ? { ...s, name: 'kong.read_headers_from_upstream' } : s));
    const d = spanDifferences(e, renamed);
    expect(d.every((x) => x.diffNs === 0 && x.aNs !== undefined && x.bNs !== undefined)).toBe(true);
    const bodies = d.filter((x) => x.name === 'kong.read_client_http_body');
    expect(bodies.map((x) => [x.occurrence, x.aSpanId])).toEqual([
      [1, 'a000000000000006'],
      [2, 'a00000000000000e'],
    ]);
  });
});
