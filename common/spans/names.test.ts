import { enterpriseTraceFixture, spansFromOtlpJson } from './testing';
import { canonicalSpanName, parsePluginSpan } from './names';
import { detectDialect } from './dialect';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');

describe('canonicalSpanName', () => {
  it.each([
    ['kong.upstream.try_select', 'kong.find_upstream'],
    ['kong.upstream.find_upstream', 'kong.find_upstream'],
    ['kong.upstream.ttfb', 'kong.read_headers_from_upstream'],
    ['kong.waiting_for_upstream', 'kong.read_headers_from_upstream'],
    ['kong.upstream.read_response', 'kong.read_body_from_upstream'],
    ['kong.read_response_from_upstream', 'kong.read_body_from_upstream'],
    ['kong.read_body_from_upstream', 'kong.read_body_from_upstream'],
    ['kong.access.plugin.key-auth', 'kong.access.plugin.key-auth'],
  ])('%s → %s', (from, to) => expect(canonicalSpanName(from)).toBe(to));

  it.each([
    // Kong OSS 3.0–3.2 (kong/tracing/instrumentation.lua at 3.2.2)
    ['router', 1, 'kong.router'],
    ['query', 1, 'kong.database.query'],
    ['access phase: key-auth', 1, 'kong.access.plugin.key-auth'],
    ['rewrite phase: pre-function', 1, 'kong.rewrite.plugin.pre-function'],
    ['header_filter phase: cors', 1, 'kong.header_filter.plugin.cors'],
    ['balancer try #3', 3, 'kong.balancer'],
    ['DNS: orders.internal', 1, 'kong.dns'],
    ['HTTP POST http://authz:9000/check', 3, 'kong.internal.request'],
    ['GET /orders/42', 2, 'kong'],
    // the root form only for a SERVER span
    ['GET /orders/42', 3, 'GET /orders/42'],
  ])('3.0–3.2 %s (kind %d) → %s', (from, kind, to) => expect(canonicalSpanName(from, kind)).toBe(to));

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('%s (an Object.prototype member) passes through as the name it is', (name) => {
    expect(canonicalSpanName(name)).toBe(name);
    expect(parsePluginSpan(name)).toBeUndefined();
  });
});

describe('parsePluginSpan', () => {
  it('splits phase and plugin', () => {
    expect(parsePluginSpan('kong.access.plugin.key-auth')).toEqual({ phase: 'access', plugin: 'key-auth' });
    expect(parsePluginSpan('kong.header_filter.plugin.correlation-id')).toEqual({ phase: 'header_filter', plugin: 'correlation-id' });
    expect(parsePluginSpan('kong.body_filter.plugin.my.dotted')).toEqual({ phase: 'body_filter', plugin: 'my.dotted' });
  });
  it('rejects non-plugin spans, phase spans included', () => {
    for (const n of ['kong', 'kong.phase.access', 'kong.router', 'kong.access.plugin.', 'kong.phase.plugin.x', 'access.plugin.x']) {
      expect(parsePluginSpan(n)).toBeUndefined();
    }
  });
});

describe('detectDialect', () => {
  it('tells the OSS fixture from the enterprise one', () => {
    expect(detectDialect(spansFromOtlpJson(ossJson))).toBe('oss');
    expect(detectDialect(enterpriseTraceFixture().spans)).toBe('enterprise');
    expect(detectDialect([])).toBe('oss');
  });
  it('uses latency attributes alone when no enterprise span is there', () => {
    const [root] = spansFromOtlpJson(ossJson);
    expect(detectDialect([{ ...root, attributes: { 'proxy.kong.latency_total_ms': 3 } }])).toBe('enterprise');
  });
});
