import fs from 'node:fs';
import path from 'node:path';
import type { AttributeValue, Span } from '../../common/api';
import { enterpriseCase, KONG_CASES, ossCase } from '../../common/fixtures/kong-cases';
import { nsToMs } from '../../common/spans/time';
import { enterpriseTraceFixture, spansFromOtlpJson } from '../../common/spans/testing';
import { DEMO_ROUTES } from '../demo/catalog';
import { buildRequest, scenarioWeights } from '../demo/model';
import { renderEnterprise } from '../demo/render-enterprise';
import { renderOss } from '../demo/render-oss';
import { Rng } from '../demo/rng';
import type { RenderedRequest } from '../demo/spans';
import { toApiSpan } from '../ingest/api-shapes';
import { decodeTracesProtobuf } from '../otlp/decode-protobuf';
import { encodeTracesProtobuf } from '../otlp/testing';
import { parseUpload } from '../uploads/parse';
import { kongRequest, loadFixture, tracesPayload } from './otlp-builders';

/**
 * Every trace the repo has as a fixture, deterministic, plus seeded variations of each (span order,
 * partial arrival, duplicates, broken times, odd and legacy names, kinds, parents, attributes), for
 * tests that compare whole analysis results across implementations (server/ingest/trace-analysis.test.ts).
 */
export interface CorpusTrace {
  name: string;
  traceId: string;
  spans: Span[];
  resource?: Record<string, AttributeValue>;
}

const DEMO_T0 = BigInt('1765432100000000000');

/** The demo's planned spans as the receiver would hand them on (OTel JS SpanKind is OTLP's minus one). */
function demoSpans(r: RenderedRequest): Span[] {
  return r.spans.map((s) => {
    const start = (DEMO_T0 + BigInt(s.start)).toString();
    const end = (DEMO_T0 + BigInt(s.end)).toString();
    return {
      traceId: r.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId ?? '',
      name: s.name,
      kind: s.kind + 1,
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      startTimeMs: nsToMs(BigInt(start)),
      durationNs: s.end - s.start,
      attributes: { ...s.attributes },
      events: s.events.map((e) => {
        const t = (DEMO_T0 + BigInt(e.time)).toString();
        return { name: e.name, timeUnixNano: t, timeMs: nsToMs(BigInt(t)), attributes: { ...e.attributes } };
      }),
      statusCode: s.error ? 2 : 0,
    };
  });
}

/** Random ids (otlp-builders) replaced by ids in order of first appearance, so the corpus is the same every run. */
function stableIds(spans: Span[], traceId: string): Span[] {
  const ids = new Map<string, string>();
  const id = (x: string) => {
    if (!x) return x;
    let v = ids.get(x);
    if (!v) ids.set(x, (v = (ids.size + 1).toString(16).padStart(16, '0')));
    return v;
  };
  return spans.map((s) => ({ ...s, traceId, spanId: id(s.spanId), parentSpanId: id(s.parentSpanId) }));
}

export function baseTraces(): CorpusTrace[] {
  const out: CorpusTrace[] = [];
  const add = (name: string, spans: Span[], resource?: Record<string, AttributeValue>) =>
    out.push({ name, traceId: spans[0]?.traceId ?? '', spans, resource });

  const shared = loadFixture('kong-trace.otlp.json');
  add('shared fixture (otlp json)', spansFromOtlpJson(shared));
  const decoded = decodeTracesProtobuf(encodeTracesProtobuf(shared));
  add('shared fixture (protobuf)', decoded.spans.map(toApiSpan), decoded.resources[0]?.attributes as Record<string, AttributeValue>);
  const ee = enterpriseTraceFixture();
  add('enterprise fixture', ee.spans, ee.resource);
  for (const f of ['konnect-enterprise-trace.json', 'konnect-oss-trace.json']) {
    const p = parseUpload(fs.readFileSync(path.join(__dirname, '..', 'uploads', 'fixtures', f)));
    add(`upload ${f}`, p.traces.spans.map(toApiSpan), p.traces.resources[0]?.attributes as Record<string, AttributeValue>);
  }
  for (const c of KONG_CASES) {
    add(`case ${c.id} oss 3.9`, ossCase(c, '3.9'));
    add(`case ${c.id} oss 3.2`, ossCase(c, '3.2'));
    add(`case ${c.id} enterprise`, enterpriseCase(c));
  }
  const demo: Array<[string, Parameters<typeof buildRequest>[1]]> = [...DEMO_ROUTES.map((r) => [r.name, r] as [string, typeof r]), ['(none)', undefined]];
  for (const [routeName, route] of demo) {
    const scenarios = route ? scenarioWeights(route).map(([s]) => s) : (['no_route_404'] as const);
    for (const scenario of scenarios) {
      for (const seed of [1, 2]) {
        const rng = new Rng(seed);
        const m = buildRequest(rng, route, scenario);
        add(`demo ${routeName} ${scenario} #${seed} oss`, demoSpans(renderOss(m, rng)));
        add(`demo ${routeName} ${scenario} #${seed} enterprise`, demoSpans(renderEnterprise(m, rng)));
      }
    }
  }
  for (const oss of [false, true]) {
    for (const status of [200, 401, 502]) {
      const traceId = `${oss ? 'a' : 'b'}${status}`.padEnd(32, '0');
      const t = kongRequest({ traceId, oss, status, startMs: 1765000000123.5, requestId: 'req-1', routeId: 'r-1', serviceId: 's-1', sessionId: 'sess' });
      const detail = spansFromOtlpJson(tracesPayload(t.spans, t.resource));
      add(`kongRequest ${oss ? 'oss' : 'enterprise'} ${status}`, stableIds(detail, traceId), { 'service.name': 'kong' });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Variations

const ODD_NAMES = [
  '',
  'kong',
  'kong.',
  'kongx',
  'kong.access.plugin.',
  'kong.access.plugin.a.b',
  'kong.Access.plugin.x',
  'kong.phase.plugin.x',
  'kong.log.plugin.http-log',
  'kong.body_filter.plugin.gzip',
  'kong.response.plugin.x',
  'kong.certificate.plugin.x',
  'kong.phase.log',
  'kong.phase.access',
  'kong.analytics.log_request',
  'kong.router',
  'kong.balancer',
  'kong.find_upstream',
  'kong.upstream.selection',
  'kong.send_request_to_upstream',
  'kong.read_headers_from_upstream',
  'kong.read_body_from_upstream',
  'kong.read_client_http_headers',
  'kong.read_client_http_body',
  'kong.wait_for_client_read',
  'kong.tls_handshake',
  'kong.io.redis',
  'kong.dns',
  'kong.internal.request',
  'kong.database.query',
  'kong.upstream.try_select',
  'kong.upstream.find_upstream',
  'kong.upstream.ttfb',
  'kong.waiting_for_upstream',
  'kong.upstream.read_response',
  'kong.read_response_from_upstream',
  'router',
  'query',
  'access phase: key-auth',
  'rewrite phase: pre-function',
  'header_filter phase: cors',
  'log phase: http-log',
  'balancer try #1',
  'balancer try #12',
  'balancer try #x',
  'DNS: example.com',
  'HTTP GET http://example.com/',
  'GET /orders',
  'POST /',
  'get /x',
  'ко́нг',
  ' kong',
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
];

const BAD_TIMES = ['', 'x', '-1', '1.5', '1e18', ' 1', '0'];
const BAD_DURATIONS = [NaN, -5, Infinity, 0, 1.5];

function shuffle<T>(rng: Rng, a: T[]): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function clone(s: Span): Span {
  return { ...s, attributes: { ...s.attributes }, events: s.events.map((e) => ({ ...e, attributes: { ...e.attributes } })) };
}

function pickSome(rng: Rng, spans: Span[], p: number): Span[] {
  return spans.filter(() => rng.chance(p));
}

type Variation = (rng: Rng, spans: Span[]) => Span[];

/** a variation that changes each span with chance `p`, on a copy: `change` mutates the copy */
function someSpans(p: number, change: (c: Span, rng: Rng) => void): Variation {
  return (rng, spans) =>
    spans.map((s) => {
      if (!rng.chance(p)) return s;
      const c = clone(s);
      change(c, rng);
      return c;
    });
}

const VARIATIONS: Array<[string, Variation]> = [
  ['shuffled', (rng, spans) => shuffle(rng, spans)],
  ['reversed', (_rng, spans) => [...spans].reverse()],
  ['first half', (_rng, spans) => spans.slice(0, Math.ceil(spans.length / 2))],
  ['first span', (_rng, spans) => spans.slice(0, 1)],
  ['last two', (_rng, spans) => spans.slice(-2)],
  ['without root', (_rng, spans) => spans.filter((s) => s.parentSpanId !== '' && s.name !== 'kong')],
  ['random subset', (rng, spans) => pickSome(rng, spans, 0.6)],
  [
    'duplicates',
    (rng, spans) => {
      const extra = pickSome(rng, spans, 0.3).map((s) => {
        const c = clone(s);
        if (rng.chance(0.5)) c.endTimeUnixNano = (BigInt(c.endTimeUnixNano || '0') + BigInt(rng.int(0, 5000))).toString();
        if (rng.chance(0.3)) c.attributes['extra.attr'] = rng.int(0, 9);
        if (rng.chance(0.2)) c.statusCode = 2;
        return c;
      });
      return shuffle(rng, [...spans, ...extra]);
    },
  ],
  [
    'same span id in another trace',
    (rng, spans) => {
      const s = clone(rng.pick(spans));
      s.traceId = 'f'.repeat(32);
      s.name = rng.pick(ODD_NAMES);
      return [...spans, s];
    },
  ],
  [
    'broken end times',
    someSpans(0.3, (c, rng) => {
      c.endTimeUnixNano = rng.pick(BAD_TIMES);
      if (rng.chance(0.5)) c.durationNs = rng.pick(BAD_DURATIONS);
    }),
  ],
  [
    'broken start times',
    someSpans(0.2, (c, rng) => {
      c.startTimeUnixNano = rng.pick(BAD_TIMES);
    }),
  ],
  [
    'tied and odd timestamps',
    (rng, spans) => {
      const t = spans[0]?.startTimeUnixNano ?? '0';
      return spans.map((s) => {
        const c = clone(s);
        const r = rng.next();
        if (r < 0.3) c.startTimeUnixNano = t; // ties broken by span id
        else if (r < 0.4) c.startTimeUnixNano = `000${c.startTimeUnixNano}`; // leading zeros
        else if (r < 0.5) c.endTimeUnixNano = '99999999999999999999999'; // beyond 64 bits
        else if (r < 0.55) c.startTimeUnixNano = '1'; // far before the rest: offsets beyond 2^53
        else if (r < 0.6) c.endTimeUnixNano = (BigInt(c.startTimeUnixNano || '0') - BigInt(1000)).toString(); // ends before it starts
        return c;
      });
    },
  ],
  [
    'timestamps past 64 bits',
    someSpans(0.3, (c, rng) => {
      const r = rng.next();
      const long = (t: string) => `${rng.int(1, 9)}${(t || '0').padStart(25, '0')}`; // 26 digits and more
      if (r < 0.4) c.startTimeUnixNano = long(c.startTimeUnixNano);
      else if (r < 0.8) c.endTimeUnixNano = long(c.endTimeUnixNano);
      else c.startTimeUnixNano = c.endTimeUnixNano = long(c.startTimeUnixNano);
    }),
  ],
  [
    'odd names',
    someSpans(0.35, (c, rng) => {
      c.name = rng.pick(ODD_NAMES);
      if (rng.chance(0.3)) c.kind = rng.int(0, 5);
    }),
  ],
  [
    'kinds',
    someSpans(0.3, (c, rng) => {
      c.kind = rng.int(0, 5);
    }),
  ],
  [
    'parents',
    (rng, spans) => {
      const ids = spans.map((s) => s.spanId);
      return spans.map((s) => {
        if (!rng.chance(0.3)) return s;
        const c = clone(s);
        const r = rng.next();
        if (r < 0.25) c.parentSpanId = '0000000000000000';
        else if (r < 0.4) c.parentSpanId = c.spanId; // itself
        else if (r < 0.6) c.parentSpanId = 'deadbeefdeadbeef'; // never received
        else c.parentSpanId = rng.pick(ids); // anywhere, cycles included
        return c;
      });
    },
  ],
  [
    'attributes',
    someSpans(0.4, (c, rng) => {
      const keys = Object.keys(c.attributes);
      const r = rng.next();
      if (r < 0.2 && keys.length) delete c.attributes[rng.pick(keys)];
      else if (r < 0.3) c.attributes['http.status_code'] = rng.pick<AttributeValue>([502, 504, 503, 200, '502', ' 499 ', 'abc', 499, 500.5]);
      else if (r < 0.4) c.attributes['http.response.status_code'] = rng.pick<AttributeValue>([200, 499, 500, '404', null as unknown as AttributeValue]);
      else if (r < 0.5) c.attributes['proxy.kong.latency.total'] = rng.pick<AttributeValue>([12, '7.5', 'x', 0]);
      else if (r < 0.55) c.attributes['proxy.kong.latency_total_ms'] = 3;
      else if (r < 0.6) c.attributes['try_count'] = rng.pick<AttributeValue>([1, 2, '3', 2.5, 'x']);
      else if (r < 0.65) c.attributes['proxy.kong.upstream.status_code'] = rng.pick<AttributeValue>([200, 503, '201', 5.5]);
      else if (r < 0.7) c.attributes['proxy.kong.router.matched'] = false;
      else if (r < 0.75) c.attributes['http.route'] = rng.pick(['', '/r', '/orders']);
      else if (r < 0.8) {
        for (const k of keys) if (k.startsWith('proxy.kong.latency')) delete c.attributes[k];
      } else if (r < 0.85) c.attributes['url.full'] = rng.pick(['https://h:8443/p/q?x=1#f', 'nohost', '/bare?x', 'http://[::1]:80', 'https://u@h']);
      else if (r < 0.9) c.attributes['net.peer.ip'] = rng.pick<AttributeValue>(['10.0.0.1', 42]);
      else c.attributes = undefined as unknown as Record<string, AttributeValue>;
    }),
  ],
  [
    'errors',
    someSpans(0.25, (c, rng) => {
      if (rng.chance(0.5)) c.statusCode = rng.pick([0, 1, 2]);
      if (rng.chance(0.5)) {
        const t = c.startTimeUnixNano;
        c.events = [...c.events, { name: 'exception', timeUnixNano: t, timeMs: 0, attributes: { 'exception.message': rng.pick(['connection refused', 'timed out', 'timeout', 'boom']) } }];
      }
      if (rng.chance(0.3)) c.statusMessage = rng.pick(['upstream timed out', 'refused', '']);
      if (rng.chance(0.1)) c.events = undefined as unknown as Span['events'];
    }),
  ],
  [
    'dialect flip',
    (rng, spans) => {
      const hasEnterprise = spans.some((s) => /^kong\.(phase|read_|io\.)/.test(s.name));
      if (hasEnterprise) return spans.filter((s) => !/^kong\.(phase|read_|io\.|upstream|find|send|wait|tls)/.test(s.name));
      const s = clone(rng.pick(spans));
      s.spanId = 'e'.repeat(16);
      s.name = rng.pick(['kong.phase.access', 'kong.read_client_http_body', 'kong.upstream.selection', 'kong.io.http']);
      return [...spans, s];
    },
  ],
  ['everything', (rng, spans) => VARIATIONS.filter(([n]) => n !== 'everything').reduce((acc, [, v]) => (rng.chance(0.4) ? v(rng, acc) : acc), spans)],
];

/** The base traces and `rounds` seeded rounds of each variation of each. */
export function traceCorpus(rounds = 3): CorpusTrace[] {
  const out: CorpusTrace[] = [];
  for (const base of baseTraces()) {
    out.push(base);
    VARIATIONS.forEach(([vname, v], vi) => {
      for (let round = 0; round < rounds; round++) {
        const rng = new Rng(1 + vi * 1000 + round);
        out.push({ ...base, name: `${base.name} / ${vname} #${round}`, spans: v(rng, base.spans.map(clone)) });
      }
    });
  }
  return out;
}
