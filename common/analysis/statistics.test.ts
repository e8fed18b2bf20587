import { enterpriseTraceFixture, spansFromOtlpJson } from '../spans/testing';
import { traceStatistics } from './statistics';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');
const US = 1000;

describe('traceStatistics, enterprise fixture (µs offsets in common/spans/testing.ts)', () => {
  const fx = enterpriseTraceFixture();
  const stats = traceStatistics(fx.traceId, fx.spans);
  const row = (g: string) => stats.rows.find((r) => r.group === g)!;

  it('self time = duration minus the union of the children', () => {
    // Root 0‥40000; its children cover 100‥2500, 2600‥3100, 3200‥12000, 12100‥36900 (the header_filter
    // phase 34000‥34400 overlaps read_response and is not subtracted twice), 37000‥39900; phase.log
    // 40100‥40500 lies outside. Union 39400 → self 600 µs.
    expect(row('kong')).toMatchObject({ count: 1, totalNs: 40000 * US, selfNs: 600 * US, minNs: 40000 * US, maxNs: 40000 * US });
    // request-transformer 4400‥7400 with a nested client body read 4500‥5300
    expect(row('kong.access.plugin.request-transformer')).toMatchObject({ count: 1, totalNs: 3000 * US, selfNs: 2200 * US, plugin: 'request-transformer', phase: 'access' });
    // phase.access 3200‥12000 holds plugins 3210‥3260, 3300‥4300, 4400‥7400, 7500‥9800 and dns 10000‥10300
    expect(row('kong.phase.access')).toMatchObject({ selfNs: (8800 - 50 - 1000 - 3000 - 2300 - 300) * US });
  });

  it('groups by canonical name with count, min, avg, max; sorted by self time', () => {
    expect(row('kong.read_client_http_body')).toEqual({ group: 'kong.read_client_http_body', count: 2, totalNs: 1800 * US, selfNs: 1800 * US, minNs: 800 * US, avgNs: 900 * US, maxNs: 1000 * US, selfPercent: expect.any(Number) });
    // kong.waiting_for_upstream is the legacy name of read_headers_from_upstream: the largest self time
    expect(stats.rows[0]).toMatchObject({ group: 'kong.read_headers_from_upstream', selfNs: 20000 * US });
    expect(stats.rows.some((r) => r.group === 'kong.waiting_for_upstream')).toBe(false);
    for (let i = 1; i < stats.rows.length; i++) expect(stats.rows[i - 1].selfNs).toBeGreaterThanOrEqual(stats.rows[i].selfNs);
    expect(stats.spanCount).toBe(fx.spans.length);
    expect(stats.selfTotalNs).toBe(stats.rows.reduce((t, r) => t + r.selfNs, 0));
    expect(row('kong.read_headers_from_upstream').selfPercent).toBe(Math.round((1000 * 20000 * US) / stats.selfTotalNs) / 10);
  });

  it('groupBy plugin folds a plugin over its phases', () => {
    const byPlugin = traceStatistics(fx.traceId, fx.spans, 'plugin');
    // access 7500‥9800 with redis 7600‥9600 inside (self 300) + header_filter 34200‥34350 (150)
    expect(byPlugin.rows.find((r) => r.group === 'plugin rate-limiting-advanced')).toMatchObject({ count: 2, totalNs: 2450 * US, selfNs: 450 * US, minNs: 150 * US, maxNs: 2300 * US, plugin: 'rate-limiting-advanced', phase: 'access,header_filter' });
    expect(byPlugin.rows.some((r) => r.group.startsWith('kong.access.plugin.'))).toBe(false);
    expect(byPlugin.groupBy).toBe('plugin');
  });
});

describe('traceStatistics, OSS fixture', () => {
  it('key-auth self time excludes its two database queries', () => {
    const stats = traceStatistics('fe42545217a406e81da675f9d52a2532', spansFromOtlpJson(ossJson));
    // key-auth 124064920‥128190244; queries 124102551‥126118904 and 126240116‥127987003
    const selfNs = 128190244 - 124064920 - (126118904 - 124102551) - (127987003 - 126240116);
    expect(stats.rows.find((r) => r.group === 'kong.access.plugin.key-auth')).toMatchObject({ count: 1, selfNs });
    expect(stats.rows.find((r) => r.group === 'kong.balancer')).toMatchObject({ count: 2, totalNs: 61_302 + 35_115_288 });
  });
});
