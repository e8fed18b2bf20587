import zlib from 'node:zlib';
import type { AttributeValue, Span, SpanEvent } from '../../common/api';
import { nsToMs } from '../../common/spans/time';

/**
 * A trace's spans as one compact record: a trace is written once and read whole, so its spans are stored together
 * instead of a row each (issue 17: about 500 bytes a span as rows, well under 150 this way).
 *
 * Encoding (version 1): one byte 1, then raw deflate, with DICTIONARY as the preset dictionary, of the JSON
 * `[t0, spans, origin?]` where t0 is the earliest span start (ns, decimal text) and each span is
 * `[spanId, parent, name, kind, start, end, attributes | 0, events | 0, statusCode, statusMessage?, durationNs?]`:
 * `parent` is the index of the parent in this list, or its id when the parent is not in it ('' for a root);
 * `start`/`end` are ns after t0 (numbers; absolute decimal text when not within 0..2^53); events are
 * `[name, time (ns after t0, same rule), attributes | 0]`; `durationNs` only when it is not end - start (a merged
 * span whose pieces disagree); `origin` is `[resource attributes, scope name | null, scope version | null]`, the
 * trace's resource and instrumentation scope, which only the trace's detail shows. The trace id is the record's key,
 * not repeated inside.
 */
const VERSION = 1;

/**
 * Kong's tracing vocabulary (both dialects' span names and attribute keys, reference/kong-otel.md and
 * konnect-debugger.md section 6): deflate refers back into it, so names and keys cost a few bits even in a small
 * trace. Part of the format: a new dictionary needs a new VERSION.
 */
const DICTIONARY = Buffer.from(
  [
    'http.request.header.host', 'http.request.size', 'http.response.size', 'http.request.body.size', 'http.response.body.size',
    'network.protocol.name', 'network.protocol.version', 'network.transport', 'network.peer.address', 'network.peer.name', 'network.peer.port',
    'proxy.kong.http.request.headers.count', 'proxy.kong.http.request.headers.size', 'proxy.kong.client.keepalive',
    'proxy.kong.latency.upstream.connect_duration', 'proxy.kong.latency.upstream.read_response_duration', 'proxy.kong.latency.net_io_timings',
    'proxy.kong.upstream.id', 'proxy.kong.upstream.host', 'proxy.kong.upstream.addr', 'proxy.kong.upstream.ttfb', 'proxy.kong.upstream.status_code',
    'proxy.kong.route.id', 'proxy.kong.service.id', 'proxy.kong.consumer.id', 'proxy.kong.latency.upstream', 'proxy.kong.latency.internal',
    'proxy.kong.latency.client', 'proxy.kong.latency.total', 'proxy.kong.dns.domain', 'proxy.kong.dns.entry', 'proxy.kong.dns.tries',
    'kong.phase.certificate', 'kong.phase.rewrite', 'kong.phase.access', 'kong.phase.header_filter', 'kong.phase.body_filter', 'kong.phase.log',
    'kong.read_client_http_headers', 'kong.read_client_http_body', 'kong.upstream.selection', 'kong.upstream.try_select', 'kong.find_upstream',
    'kong.send_request_to_upstream', 'kong.read_headers_from_upstream', 'kong.read_body_from_upstream', 'kong.wait_for_client_read',
    'kong.io.http.request', 'kong.io.http.connect', 'kong.io.http.request_uri', 'kong.io.http.read_resp_body', 'kong.io.redis', 'kong.io.socket',
    'kong.certificate.plugin.', 'kong.log.plugin.', 'kong.body_filter.plugin.', 'kong.response.plugin.',
    'db.system', 'db.statement', 'postgres', 'SELECT * FROM ', 'try_count', 'net.peer.name', 'net.peer.port', 'net.peer.ip',
    'dns.record.domain', 'dns.record.ip', 'dns.record.port', 'kong.database.query', 'kong.internal.request', 'kong.balancer', 'kong.dns',
    'http.flavor', 'http.scheme', 'http.user_agent', 'http.host', 'http.client_ip', 'http.route', 'http.url', 'http.method', 'http.status_code',
    'kong.request.id', 'client.address', 'client.port', 'server.address', 'server.port', 'url.scheme', 'url.full', 'url.path',
    'http.request.method', 'http.response.status_code', 'kong.router', 'kong.header_filter.plugin.', 'kong.rewrite.plugin.', 'kong.access.plugin.',
    'kong',
  ]
    .map((w) => `"${w}"`)
    .join(',') + ',"GET","POST",200,0,1,2,3,["',
);
const DEFLATE: zlib.ZlibOptions = { level: 6, dictionary: DICTIONARY };

type Num = number | string;

/** where a trace's spans come from: the resource and instrumentation scope (kept in the record, not in columns) */
export interface TraceOrigin {
  resource: Record<string, AttributeValue>;
  scopeName?: string;
  scopeVersion?: string;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** ns after t0: a number while exact, else decimal text (`ns`, parsed already as `value` when given) */
function offset(ns: string, t0: bigint, value: bigint = nsOf(ns)): Num {
  const d = value - t0;
  return d >= 0n && d <= MAX_EXACT ? Number(d) : ns;
}

function absolute(v: Num, t0: bigint): string {
  return typeof v === 'number' ? (t0 + BigInt(v)).toString() : v;
}

/** a time as ingest gives it: a non-negative decimal integer (anything else is a caller's bug, refused) */
function nsOf(ns: string): bigint {
  if (!/^\d+$/.test(ns)) throw new RangeError(`invalid span time "${ns}": a decimal count of nanoseconds is expected`);
  return BigInt(ns);
}

const empty = (o: object) => Object.keys(o).length === 0;

/** a trace row's origin */
export function originOf(t: TraceOrigin): TraceOrigin {
  const o: TraceOrigin = { resource: t.resource };
  if (t.scopeName) o.scopeName = t.scopeName;
  if (t.scopeVersion) o.scopeVersion = t.scopeVersion;
  return o;
}

export function encodeSpans(spans: Span[], origin?: TraceOrigin): Buffer {
  // each start parsed once: for t0 and for its offset
  const starts = spans.map((s) => nsOf(s.startTimeUnixNano));
  let t0: bigint | undefined;
  for (const start of starts) if (t0 === undefined || start < t0) t0 = start;
  const base = t0 ?? 0n;
  const index = new Map<string, number>();
  spans.forEach((s, i) => index.set(s.spanId, i));
  const rows = spans.map((s, i) => {
    const start = offset(s.startTimeUnixNano, base, starts[i]);
    const end = offset(s.endTimeUnixNano, base);
    const row: unknown[] = [
      s.spanId,
      index.get(s.parentSpanId) ?? s.parentSpanId,
      s.name,
      s.kind,
      start,
      end,
      empty(s.attributes) ? 0 : s.attributes,
      s.events.length ? s.events.map((e) => [e.name, offset(e.timeUnixNano, base), empty(e.attributes) ? 0 : e.attributes]) : 0,
      s.statusCode,
    ];
    const derived = typeof start === 'number' && typeof end === 'number' ? end - start : undefined;
    if (s.statusMessage !== undefined || derived !== s.durationNs) row.push(s.statusMessage ?? null);
    if (derived !== s.durationNs) row.push(s.durationNs);
    return row;
  });
  const doc: unknown[] = [base.toString(), rows];
  if (origin) doc.push([origin.resource, origin.scopeName ?? null, origin.scopeVersion ?? null]);
  const body = zlib.deflateRawSync(JSON.stringify(doc), DEFLATE);
  return Buffer.concat([Buffer.from([VERSION]), body]);
}

export function decodeSpans(traceId: string, data: Buffer | Uint8Array): Span[] {
  return decodeRecord(traceId, data).spans;
}

/** a record's spans and, when it carries them, the trace's resource and scope */
export function decodeRecord(traceId: string, data: Buffer | Uint8Array): { spans: Span[]; origin?: TraceOrigin } {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf[0] !== VERSION) throw new Error(`stored spans of trace ${traceId} use encoding ${buf[0]}, which this server does not know`);
  const [t0s, rows, o] = JSON.parse(zlib.inflateRawSync(buf.subarray(1), { dictionary: DICTIONARY }).toString('utf8')) as [
    string,
    unknown[][],
    [Record<string, AttributeValue>, string | null, string | null] | undefined,
  ];
  const t0 = BigInt(t0s);
  const ids = rows.map((r) => r[0] as string);
  let origin: TraceOrigin | undefined;
  if (o) {
    origin = { resource: o[0] };
    if (o[1] !== null) origin.scopeName = o[1];
    if (o[2] !== null) origin.scopeVersion = o[2];
  }
  const spans = rows.map((r) => {
    const start = absolute(r[4] as Num, t0);
    const end = absolute(r[5] as Num, t0);
    const parent = r[1];
    const span: Span = {
      traceId,
      spanId: r[0] as string,
      parentSpanId: typeof parent === 'number' ? ids[parent] : (parent as string),
      name: r[2] as string,
      kind: r[3] as number,
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      startTimeMs: nsToMs(BigInt(start)),
      durationNs: r.length > 10 ? (r[10] as number) : (r[5] as number) - (r[4] as number),
      attributes: r[6] === 0 ? {} : (r[6] as Record<string, AttributeValue>),
      events:
        r[7] === 0
          ? []
          : (r[7] as Array<[string, Num, Record<string, AttributeValue> | 0]>).map(([name, t, attributes]): SpanEvent => {
              const time = absolute(t, t0);
              return { name, timeUnixNano: time, timeMs: nsToMs(BigInt(time)), attributes: attributes === 0 ? {} : attributes };
            }),
      statusCode: r[8] as number,
    };
    if (r.length > 9 && r[9] !== null) span.statusMessage = r[9] as string;
    return span;
  });
  return origin ? { spans, origin } : { spans };
}
