import type { LifecyclePluginNode } from '../api';
import { buildLifecycleMap } from './map';
import { ENTERPRISE_T0, enterpriseTraceFixture, makeSpan, spansFromOtlpJson } from '../spans/testing';
import { mergeSpans } from '../spans/merge';
import { traceFacts } from '../spans/facts';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ossJson = require('../../../shared/fixtures/kong-trace.otlp.json');

const OSS_T0 = BigInt('1751364930123000000');
const at = (t0: bigint, offsetNs: number) => (t0 + BigInt(offsetNs)).toString();
const node = (key: string, spanId: string, start: string, durationNs: number, colorIndex: number): LifecyclePluginNode => {
  const [phase, ...rest] = key.split('.');
  return { key, plugin: rest.join('.'), phase: phase as LifecyclePluginNode['phase'], spanId, startTimeUnixNano: start, durationNs, colorIndex };
};

describe('buildLifecycleMap, OSS fixture', () => {
  it('derives plugin groups from plugin spans and upstream edges from balancer tries', () => {
    // Plugin durations (end − start, ns): rewrite.pre-function 123671905 − 123612340 = 59_565;
    // access.pre-function 124020667 − 123751204 = 269_463; correlation-id 124061338 − 124024001 = 37_337;
    // key-auth 128190244 − 124064920 = 4_125_324; ext-authz 137604118 − 128201779 = 9_402_339;
    // rate-limiting 137781447 − 137610032 = 171_415; opentelemetry 137962733 − 137785090 = 177_643;
    // header_filter correlation-id 29_546, opentelemetry 35_225.
    // upstreamIn = first try start → last try start = 15_598_114 − 15_210_447 = 387_667: the failed
    //              try's span (61_302: Lua balancer only, the refused connect has no connect time)
    //              and the wait before try 2 (colour floor(log10 387667) − 3 = 2)
    // upstreamOut = try 2 35_115_288 − 29_546 − 35_225 = 35_050_517 (colour 7 − 3 = 4)
    const map = buildLifecycleMap(spansFromOtlpJson(ossJson));
    expect(map).toEqual({
      dialect: 'oss',
      clientOut: { durationNs: 0, colorIndex: 0, measured: false },
      requestPlugins: [
        node('rewrite.pre-function', 'f30eb2a02f4c5e61', at(OSS_T0, 612340), 59_565, 1),
        node('access.pre-function', 'c7dd1c7927618cea', at(OSS_T0, 751204), 269_463, 2),
        node('access.correlation-id', '938df931e36f89da', at(OSS_T0, 1024001), 37_337, 1),
        node('access.key-auth', 'c23d62b1181f0a97', at(OSS_T0, 1064920), 4_125_324, 3),
        node('access.ext-authz', '21355c6dc28da9a9', at(OSS_T0, 5201779), 9_402_339, 3),
        node('access.rate-limiting', '7eeb1dc9917753bf', at(OSS_T0, 14610032), 171_415, 2),
        node('access.opentelemetry', '80fce5824eb4a819', at(OSS_T0, 14785090), 177_643, 2),
      ],
      upstreamIn: { durationNs: 387_667, colorIndex: 2, measured: true },
      upstreamOut: { durationNs: 35_050_517, colorIndex: 4, measured: true },
      responsePlugins: [
        node('header_filter.correlation-id', '50e68113351e113e', at(OSS_T0, 48102330), 29_546, 1),
        node('header_filter.opentelemetry', '611b7f7045b1fca2', at(OSS_T0, 48135004), 35_225, 1),
      ],
      clientIn: { durationNs: 0, colorIndex: 0, measured: false },
      tries: [
        // nginx's 502 on the failed try: a connection error (the fixture's refused first IP)
        { tryCount: 1, spanId: '6f747fb087f5a2de', startTimeUnixNano: at(OSS_T0, 15210447), target: '10.0.3.21:8080', peerName: 'orders.internal', outcome: 'error', statusCode: 502, spanDurationNs: 61_302, durationNs: 387_667, colorIndex: 2 },
        { tryCount: 2, spanId: '0423dd744a092fcd', startTimeUnixNano: at(OSS_T0, 15598114), target: '10.0.3.22:8080', peerName: 'orders.internal', outcome: 'answered', spanDurationNs: 35_115_288, durationNs: 35_050_517, colorIndex: 4 },
      ],
      notes: [
        { at: 'clientOut', text: 'Open-source Kong has no span for reading the request: that time is inside Kong internal.' },
        { at: 'upstreamOut', text: 'Includes the body_filter plugins, which run while the body streams: open-source Kong does not span them.' },
        { at: 'clientIn', text: 'Open-source Kong has no span for writing the response to the client.' },
        { at: 'total', text: 'Log-phase plugins run after the response is sent and are not timed by open-source Kong.' },
      ],
    });
  });

  it('a single try: upstream in unmeasured, everything in upstream out', () => {
    const spans = spansFromOtlpJson(ossJson).filter((s) => s.spanId !== '6f747fb087f5a2de');
    const map = buildLifecycleMap(spans);
    expect(map.upstreamIn).toEqual({ durationNs: 0, colorIndex: 0, measured: false });
    expect(map.upstreamOut.durationNs).toBe(35_050_517);
  });

  it('is unchanged by duplicated spans once merged, and by export order', () => {
    const spans = spansFromOtlpJson(ossJson);
    const expected = buildLifecycleMap(spans);
    expect(buildLifecycleMap(mergeSpans(spans, [...spans].reverse()))).toEqual(expected);
    expect(buildLifecycleMap([...spans].reverse())).toEqual(expected);
  });
});

describe('buildLifecycleMap, enterprise fixture', () => {
  const T0 = BigInt(ENTERPRISE_T0);
  const us = (n: number) => at(T0, n * 1000);

  it("applies Konnect's rules exactly", () => {
    // clientOut  = read_client_http_headers (1300‥1500 µs) + read_client_http_body (1500‥2500), both
    //              direct children of the root = 200 + 1000 µs = 1_200_000 ns (colour 6 − 3 = 3).
    //              The body read nested in request-transformer is NOT client out.
    // request    = certificate, rewrite, access plugins sorted by start (the fixture lists them shuffled):
    //              tls-handshake-modifier 100 µs, pre-function 100 µs, correlation-id 50 µs, key-auth 1000 µs,
    //              request-transformer 3000 − 800 (nested body read 4500‥5300) = 2200 µs,
    //              rate-limiting-advanced 2300 µs (its nested redis I/O stays in).
    // upstreamIn = upstream.selection 1500 + send_request 300 = 1800 µs (find_upstream, legacy
    //              try_select, is inside selection and not added again).
    // upstreamOut= waiting_for_upstream (legacy → read_headers) 20000 + upstream.read_response
    //              (legacy → read_body) 3000 = 23000 µs (colour 4).
    // response   = header_filter correlation-id 100 µs, rate-limiting-advanced 150 µs, body_filter
    //              response-transformer 600 µs. The log-phase http-log plugin is not on the map.
    // clientIn   = wait_for_client_read 2200 + nested body read 800 = 3000 µs.
    const map = buildLifecycleMap(enterpriseTraceFixture().spans);
    expect(map).toEqual({
      dialect: 'enterprise',
      clientOut: { durationNs: 1_200_000, colorIndex: 3, measured: true },
      requestPlugins: [
        node('certificate.tls-handshake-modifier', 'a000000000000003', us(150), 100_000, 2),
        node('rewrite.pre-function', 'a000000000000008', us(2650), 100_000, 2),
        node('access.correlation-id', 'a00000000000000b', us(3210), 50_000, 1),
        node('access.key-auth', 'a00000000000000c', us(3300), 1_000_000, 3),
        node('access.request-transformer', 'a00000000000000d', us(4400), 2_200_000, 3),
        node('access.rate-limiting-advanced', 'a00000000000000f', us(7500), 2_300_000, 3),
      ],
      upstreamIn: { durationNs: 1_800_000, colorIndex: 3, measured: true },
      upstreamOut: { durationNs: 23_000_000, colorIndex: 4, measured: true },
      responsePlugins: [
        node('header_filter.correlation-id', 'a000000000000018', us(34050), 100_000, 2),
        node('header_filter.rate-limiting-advanced', 'a000000000000019', us(34200), 150_000, 2),
        node('body_filter.response-transformer', 'a00000000000001b', us(37050), 600_000, 2),
      ],
      clientIn: { durationNs: 3_000_000, colorIndex: 3, measured: true },
      // the one legacy `kong.upstream.try_select` attempt; the upstream's 201 was read
      tries: [{ tryCount: 1, spanId: 'a000000000000013', startTimeUnixNano: us(12150), target: '10.1.0.30:8080', outcome: 'answered', spanDurationNs: 1_400_000, durationNs: 1_400_000, colorIndex: 3 }],
    });
  });

  it('empty groups and missing edges when only the root and phase spans exist', () => {
    const spans = enterpriseTraceFixture().spans.filter((s) => s.name === 'kong' || s.name.startsWith('kong.phase.'));
    const map = buildLifecycleMap(spans);
    const none = { durationNs: 0, colorIndex: 0, measured: false };
    expect(map).toEqual({ dialect: 'enterprise', clientOut: none, requestPlugins: [], upstreamIn: none, upstreamOut: none, responsePlugins: [], clientIn: none });
  });

  it('a nested wait_for_client_read is client-in once and taken out of its plugin', () => {
    const root = makeSpan({ spanId: '1'.repeat(16), name: 'kong', kind: 2, start: 0, end: 10_000_000 });
    const plugin = makeSpan({ spanId: '2'.repeat(16), parentSpanId: root.spanId, name: 'kong.body_filter.plugin.x', start: 1_000, end: 501_000 });
    const io = makeSpan({ spanId: '3'.repeat(16), parentSpanId: plugin.spanId, name: 'kong.io.socket.send', start: 2_000, end: 300_000 });
    const wait = makeSpan({ spanId: '4'.repeat(16), parentSpanId: io.spanId, name: 'kong.wait_for_client_read', start: 3_000, end: 203_000 });
    const map = buildLifecycleMap([root, plugin, io, wait]);
    expect(map.responsePlugins[0].durationNs).toBe(300_000);
    expect(map.clientIn).toEqual({ durationNs: 200_000, colorIndex: 2, measured: true });
  });

  it('a trace without root still lists its plugins (client-out cannot be attributed)', () => {
    const spans = enterpriseTraceFixture().spans.filter((s) => s.name !== 'kong');
    const map = buildLifecycleMap(spans);
    expect(map.clientOut.measured).toBe(false);
    expect(map.requestPlugins).toHaveLength(6);
    expect(map.upstreamOut.durationNs).toBe(23_000_000);
  });
});

describe('buildLifecycleMap, enterprise without upstream.selection', () => {
  it('counts the find_upstream attempts (legacy names too) in its place', () => {
    const spans = enterpriseTraceFixture().spans.filter((s) => s.name !== 'kong.upstream.selection');
    // try_select 12150‥13550 µs = 1400 µs, + send_request 300 µs
    expect(buildLifecycleMap(spans).upstreamIn).toEqual({ durationNs: 1_700_000, colorIndex: 3, measured: true });
  });
});

describe('duplicate spans without a prior merge', () => {
  it('count once in the map, the breakdown and the facts', () => {
    const spans = spansFromOtlpJson(ossJson);
    const doubled = [...spans, ...spansFromOtlpJson(ossJson)];
    expect(buildLifecycleMap(doubled)).toEqual(buildLifecycleMap(spans));
    expect(traceFacts(doubled)).toEqual(traceFacts(spans));
    expect(traceFacts(doubled).spanCount).toBe(21);
  });
});
