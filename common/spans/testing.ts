/**
 * Test helpers shared by the server and plugin tests (and the demo): OTLP/JSON → API spans, and
 * a hand-built Enterprise-dialect trace. Pure TS, no Node APIs, so it runs in jsdom tests too.
 */
import type { AttributeValue, Span, SpanEvent, TraceDetail } from '../api';
import { nsToMs } from './time';

type Json = unknown;

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** OTLP AnyValue (JSON mapping) → API AttributeValue. intValue arrives as a string per proto3 JSON. */
export function anyValue(v: Json, where: string): AttributeValue {
  if (v === null || typeof v !== 'object') throw new Error(`${where}: AnyValue must be an object, got ${JSON.stringify(v)}`);
  const o = v as Record<string, Json>;
  if ('stringValue' in o) return String(o.stringValue);
  if ('boolValue' in o) return Boolean(o.boolValue);
  if ('intValue' in o) {
    const n = Number(o.intValue);
    if (!Number.isFinite(n)) throw new Error(`${where}: intValue ${JSON.stringify(o.intValue)} is not a number`);
    return n;
  }
  if ('doubleValue' in o) {
    const n = Number(o.doubleValue);
    if (Number.isNaN(n)) throw new Error(`${where}: doubleValue ${JSON.stringify(o.doubleValue)} is not a number`);
    return n;
  }
  if ('arrayValue' in o) return arr((o.arrayValue as Record<string, Json>)?.values, `${where}.arrayValue`).map((x, i) => anyValue(x, `${where}[${i}]`));
  if ('kvlistValue' in o) return keyValues((o.kvlistValue as Record<string, Json>)?.values, `${where}.kvlistValue`);
  if ('bytesValue' in o) return String(o.bytesValue);
  return null; // an empty AnyValue
}

function arr(v: Json, where: string): Json[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${where} must be an array`);
  return v;
}

function keyValues(list: Json, where: string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  arr(list, where).forEach((kv, i) => {
    const k = (kv as Record<string, Json>)?.key;
    if (typeof k !== 'string') throw new Error(`${where}[${i}]: attribute without a string key`);
    out[k] = anyValue((kv as Record<string, Json>).value ?? {}, `${where}[${i}] (${k})`);
  });
  return out;
}

function nanos(v: Json, where: string): string {
  const s = typeof v === 'number' ? String(Math.trunc(v)) : v;
  if (typeof s !== 'string' || !/^\d+$/.test(s)) throw new Error(`${where}: ${JSON.stringify(v)} is not a Unix-ns timestamp`);
  return s.replace(/^0+(?=\d)/, '');
}

function hexId(v: Json, len: number, where: string, optional: boolean): string {
  if ((v === undefined || v === '') && optional) return '';
  if (typeof v !== 'string' || !new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v)) {
    throw new Error(`${where}: ${JSON.stringify(v)} is not a ${len}-char hex id`);
  }
  return /^0+$/.test(v) ? (optional ? '' : v.toLowerCase()) : v.toLowerCase();
}

function enumNum(v: Json, names: Record<string, number>, where: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && v in names) return names[v];
  throw new Error(`${where}: unknown value ${JSON.stringify(v)}`);
}

/**
 * An OTLP/JSON ExportTraceServiceRequest (`resourceSpans`, or a collector file's `batches`) →
 * API spans, hex ids as given (lowercased; all-zero parent → ''). Throws a precise error on
 * malformed input; this is a test helper, not the receiver.
 */
export function spansFromOtlpJson(json: Json): Span[] {
  return otlpJsonToDetails(json).flatMap((d) => d.spans);
}

/** Same conversion, keeping each resource/scope with its spans (one entry per scopeSpans). */
export function otlpJsonToDetails(json: Json): TraceDetail[] {
  if (json === null || typeof json !== 'object') throw new Error('OTLP JSON must be an object');
  const root = json as Record<string, Json>;
  const rs = root.resourceSpans ?? root.batches;
  if (!Array.isArray(rs)) throw new Error('OTLP JSON has no resourceSpans array');
  const out: TraceDetail[] = [];
  rs.forEach((r, ri) => {
    const rr = (r ?? {}) as Record<string, Json>;
    const resource = keyValues((rr.resource as Record<string, Json> | undefined)?.attributes, `resourceSpans[${ri}].resource`);
    arr(rr.scopeSpans ?? rr.instrumentationLibrarySpans, `resourceSpans[${ri}].scopeSpans`).forEach((ss, si) => {
      const sso = (ss ?? {}) as Record<string, Json>;
      const scopeJson = (sso.scope ?? sso.instrumentationLibrary) as Record<string, Json> | undefined;
      const spans = arr(sso.spans, `resourceSpans[${ri}].scopeSpans[${si}].spans`).map((s, i) =>
        spanFromJson(s, `resourceSpans[${ri}].scopeSpans[${si}].spans[${i}]`)
      );
      const detail: TraceDetail = { traceId: spans[0]?.traceId ?? '', resource, spans };
      if (scopeJson && typeof scopeJson.name === 'string') {
        detail.scope = { name: scopeJson.name };
        if (typeof scopeJson.version === 'string') detail.scope.version = scopeJson.version;
      }
      out.push(detail);
    });
  });
  return out;
}

function spanFromJson(s: Json, where: string): Span {
  if (s === null || typeof s !== 'object') throw new Error(`${where}: span must be an object`);
  const o = s as Record<string, Json>;
  const start = nanos(o.startTimeUnixNano, `${where}.startTimeUnixNano`);
  const end = nanos(o.endTimeUnixNano, `${where}.endTimeUnixNano`);
  const status = (o.status ?? {}) as Record<string, Json>;
  const events: SpanEvent[] = arr(o.events, `${where}.events`).map((e, i) => {
    const eo = (e ?? {}) as Record<string, Json>;
    const t = nanos(eo.timeUnixNano, `${where}.events[${i}].timeUnixNano`);
    return { name: String(eo.name ?? ''), timeUnixNano: t, timeMs: nsToMs(BigInt(t)), attributes: keyValues(eo.attributes, `${where}.events[${i}]`) };
  });
  const span: Span = {
    traceId: hexId(o.traceId, 32, `${where}.traceId`, false),
    spanId: hexId(o.spanId, 16, `${where}.spanId`, false),
    parentSpanId: hexId(o.parentSpanId, 16, `${where}.parentSpanId`, true),
    name: String(o.name ?? ''),
    kind: enumNum(o.kind, SPAN_KINDS, `${where}.kind`),
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    startTimeMs: nsToMs(BigInt(start)),
    durationNs: Math.max(0, Number(BigInt(end) - BigInt(start))),
    attributes: keyValues(o.attributes, `${where}.attributes`),
    events,
    statusCode: enumNum(status.code, STATUS_CODES, `${where}.status.code`),
  };
  if (typeof status.message === 'string' && status.message) span.statusMessage = status.message;
  return span;
}

// ---------------------------------------------------------------------------------------------
// Enterprise-dialect fixture (Konnect debugger spans, konnect-debugger.md §6), hand-built.

export const ENTERPRISE_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
/** Root start; every offset below is in µs from here. */
export const ENTERPRISE_T0 = '1764000000000000000';

type Def = [spanId: string, parent: string, name: string, startUs: number, endUs: number, attrs?: Record<string, AttributeValue>, kind?: number];

// Timeline (µs from root start). Plugin spans are listed out of start order on purpose, and
// legacy names are used for find_upstream / read_headers / read_body.
const DEFS: Def[] = [
  ['a000000000000001', '', 'kong', 0, 40000, {
    'url.full': 'https://shop.example.com/cart/checkout',
    'url.scheme': 'https',
    'http.request.method': 'POST',
    'http.response.status_code': 201,
    'proxy.kong.upstream.status_code': '201', // numeric string, as some versions send
    'client.address': '198.51.100.7',
    'client.port': 51234,
    'network.peer.address': '10.1.0.9',
    'server.port': '8443',
    'proxy.kong.request.host': 'shop.example.com',
    'proxy.kong.request.id': 'c0ffee0000000000000000000000beef',
    'proxy.kong.route.id': '5d8f0b6e-2a8e-4f3c-9d1b-7a6c5e4d3c2b',
    'proxy.kong.service.id': '8e1b2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
    'proxy.kong.consumer.id': 'c1b2a3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    'http.request.size': '177',
    'proxy.kong.latency_total_ms': '40', // legacy 3.9-era name, numeric string
    'proxy.kong.latency.internal': 6.5,
    'proxy.kong.latency.upstream': 25,
    'proxy.kong.latency.3p.total_io': 2.3,
    'proxy.kong.latency.3p.dns.total_io': 0.3,
    'proxy.kong.redis.total_io_ms': 2, // legacy name for 3p.redis.total_io
    'proxy.kong.latency.client': '6.2',
  }, 2],
  ['a000000000000002', 'a000000000000001', 'kong.phase.certificate', 100, 300],
  ['a000000000000003', 'a000000000000002', 'kong.certificate.plugin.tls-handshake-modifier', 150, 250],
  ['a000000000000004', 'a000000000000001', 'kong.tls_handshake', 300, 1300],
  ['a000000000000005', 'a000000000000001', 'kong.read_client_http_headers', 1300, 1500, { 'proxy.kong.http.request.headers.count': 9 }],
  ['a000000000000006', 'a000000000000001', 'kong.read_client_http_body', 1500, 2500, { 'proxy.kong.http.content_length': '512' }],
  ['a000000000000007', 'a000000000000001', 'kong.phase.rewrite', 2600, 3000],
  ['a000000000000008', 'a000000000000007', 'kong.rewrite.plugin.pre-function', 2650, 2750, { 'proxy.kong.plugin.id': 'p-pre' }],
  ['a000000000000009', 'a000000000000001', 'kong.router', 3000, 3100, { 'proxy.kong.router.matched': true }],
  ['a00000000000000a', 'a000000000000001', 'kong.phase.access', 3200, 12000],
  ['a00000000000000d', 'a00000000000000a', 'kong.access.plugin.request-transformer', 4400, 7400],
  ['a00000000000000e', 'a00000000000000d', 'kong.read_client_http_body', 4500, 5300],
  ['a00000000000000c', 'a00000000000000a', 'kong.access.plugin.key-auth', 3300, 4300],
  ['a00000000000000b', 'a00000000000000a', 'kong.access.plugin.correlation-id', 3210, 3260],
  ['a00000000000000f', 'a00000000000000a', 'kong.access.plugin.rate-limiting-advanced', 7500, 9800],
  ['a000000000000010', 'a00000000000000f', 'kong.io.redis.eval', 7600, 9600, { 'network.peer.address': '10.1.0.20' }, 3],
  ['a000000000000011', 'a00000000000000a', 'kong.dns', 10000, 10300, { 'proxy.kong.dns.domain': 'cart.internal' }, 3],
  ['a000000000000012', 'a000000000000001', 'kong.upstream.selection', 12100, 13600, { 'proxy.kong.upstream.lb_algorithm': 'round-robin' }],
  ['a000000000000013', 'a000000000000012', 'kong.upstream.try_select', 12150, 13550, { 'network.peer.address': '10.1.0.30', 'network.peer.port': '8080', try_count: 1 }, 3],
  ['a000000000000014', 'a000000000000001', 'kong.send_request_to_upstream', 13600, 13900],
  ['a000000000000015', 'a000000000000001', 'kong.waiting_for_upstream', 13900, 33900],
  ['a000000000000016', 'a000000000000001', 'kong.upstream.read_response', 33900, 36900],
  ['a000000000000017', 'a000000000000001', 'kong.phase.header_filter', 34000, 34400],
  ['a000000000000019', 'a000000000000017', 'kong.header_filter.plugin.rate-limiting-advanced', 34200, 34350],
  ['a000000000000018', 'a000000000000017', 'kong.header_filter.plugin.correlation-id', 34050, 34150],
  ['a00000000000001a', 'a000000000000001', 'kong.phase.body_filter', 37000, 37700],
  ['a00000000000001b', 'a00000000000001a', 'kong.body_filter.plugin.response-transformer', 37050, 37650, { num_chunks: 2 }],
  ['a00000000000001c', 'a000000000000001', 'kong.wait_for_client_read', 37700, 39900],
  ['a00000000000001d', 'a000000000000001', 'kong.phase.log', 40100, 40500],
  ['a00000000000001e', 'a00000000000001d', 'kong.log.plugin.http-log', 40150, 40450],
];

/**
 * An Enterprise-dialect trace built from konnect-debugger.md §6: every lifecycle span, plugins
 * in certificate/rewrite/access/header_filter/body_filter/log, a plugin (request-transformer)
 * with a nested `kong.read_client_http_body`, legacy span names, and root attributes with new,
 * old and numeric-string values. Its expected map and breakdown are in lifecycle/map.test.ts.
 */
export function enterpriseTraceFixture(): TraceDetail {
  const t0 = BigInt(ENTERPRISE_T0);
  const us = (n: number) => (t0 + BigInt(Math.round(n * 1000))).toString();
  const spans: Span[] = DEFS.map(([spanId, parentSpanId, name, s, e, attributes = {}, kind = 1]) => ({
    traceId: ENTERPRISE_TRACE_ID,
    spanId,
    parentSpanId,
    name,
    kind,
    startTimeUnixNano: us(s),
    endTimeUnixNano: us(e),
    startTimeMs: nsToMs(BigInt(us(s))),
    durationNs: (e - s) * 1000,
    attributes: { ...attributes },
    events: [],
    statusCode: 0,
  }));
  return {
    traceId: ENTERPRISE_TRACE_ID,
    resource: {
      'service.name': 'kong',
      'service.version': '3.10.0.0',
      'service.instance.id': '3f1d2c4b-5a69-4e7d-8c0b-1a2b3c4d5e6f',
      'session.id': '01928f6e-7a3b-7c4d-8e9f-0a1b2c3d4e5f',
    },
    scope: { name: 'kong-internal', version: '0.1.0' },
    spans,
  };
}

/** A minimal API span for unit tests: times are ns offsets from `base` (default ENTERPRISE_T0). */
export function makeSpan(p: {
  spanId: string;
  name: string;
  parentSpanId?: string;
  start: number;
  end: number;
  kind?: number;
  attributes?: Record<string, AttributeValue>;
  statusCode?: number;
  traceId?: string;
  base?: string;
}): Span {
  const t0 = BigInt(p.base ?? ENTERPRISE_T0);
  const start = (t0 + BigInt(p.start)).toString();
  const end = (t0 + BigInt(p.end)).toString();
  return {
    traceId: p.traceId ?? ENTERPRISE_TRACE_ID,
    spanId: p.spanId,
    parentSpanId: p.parentSpanId ?? '',
    name: p.name,
    kind: p.kind ?? 1,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    startTimeMs: nsToMs(BigInt(start)),
    durationNs: p.end - p.start,
    attributes: p.attributes ?? {},
    events: [],
    statusCode: p.statusCode ?? 0,
  };
}
