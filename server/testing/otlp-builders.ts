import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Builders of OTLP/JSON payloads shaped like Kong's, for the server's end-to-end tests. */

export const SHARED_DIR = path.resolve(__dirname, '..', '..', '..', 'shared');

export function loadFixture(name: 'kong-trace.otlp.json' | 'kong-logs.otlp.json'): any {
  return JSON.parse(fs.readFileSync(path.join(SHARED_DIR, 'fixtures', name), 'utf8'));
}

export const hexId = (bytes: number) => randomBytes(bytes).toString('hex');

type Attr = { key: string; value: Record<string, unknown> };

export function attr(key: string, v: string | number | boolean, as?: 'int' | 'double' | 'string'): Attr {
  if (typeof v === 'boolean') return { key, value: { boolValue: v } };
  if (typeof v === 'string' && as !== 'int' && as !== 'double') return { key, value: { stringValue: v } };
  if (as === 'double') return { key, value: { doubleValue: Number(v) } };
  if (as === 'string') return { key, value: { stringValue: String(v) } };
  return { key, value: { intValue: String(v) } };
}

export interface RequestSpec {
  traceId?: string;
  status?: number;
  method?: string;
  path?: string;
  routeId?: string;
  serviceId?: string;
  /** ms since epoch of the request start */
  startMs?: number;
  durationMs?: number;
  /** emit old OSS attribute names instead of the Enterprise ones */
  oss?: boolean;
  sessionId?: string;
  /** Kong's request id (X-Kong-Request-Id): OSS always sends one (random when not given), Enterprise only this */
  requestId?: string;
}

export interface BuiltTrace {
  traceId: string;
  rootSpanId: string;
  pluginSpanId: string;
  spans: any[];
  resource: { attributes: Attr[] };
}

const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** One Kong request: root `kong`, an access plugin, and (for non-auth failures) the upstream spans. */
export function kongRequest(spec: RequestSpec = {}): BuiltTrace {
  const traceId = spec.traceId ?? hexId(16);
  const rootSpanId = hexId(8);
  const pluginSpanId = hexId(8);
  const start = spec.startMs ?? Date.now();
  const dur = spec.durationMs ?? 20;
  const status = spec.status ?? 200;
  const method = spec.method ?? 'GET';
  const reqPath = spec.path ?? '/orders/42';
  const rootAttrs: Attr[] = spec.oss
    ? [
        attr('http.method', method),
        attr('http.url', `https://api.example.com${reqPath}?x=1`),
        attr('http.host', 'api.example.com'),
        attr('http.status_code', status, 'int'),
        attr('http.route', '/orders'),
        attr('kong.request.id', spec.requestId ?? hexId(16)),
      ]
    : [
        attr('http.request.method', method),
        attr('url.full', `https://api.example.com${reqPath}`),
        attr('http.response.status_code', status, 'int'),
        attr('proxy.kong.latency.total', dur, 'double'),
        attr('proxy.kong.latency.internal', 2, 'string'),
        attr('proxy.kong.latency.upstream', dur - 4, 'int'),
        attr('client.address', '10.0.0.7'),
        ...(spec.routeId ? [attr('proxy.kong.route.id', spec.routeId)] : []),
        ...(spec.serviceId ? [attr('proxy.kong.service.id', spec.serviceId)] : []),
        ...(spec.requestId ? [attr('proxy.kong.request.id', spec.requestId)] : []),
      ];
  const spans = [
    {
      traceId,
      spanId: rootSpanId,
      parentSpanId: '',
      name: 'kong',
      kind: 2,
      startTimeUnixNano: ns(start),
      endTimeUnixNano: ns(start + dur),
      attributes: rootAttrs,
    },
    {
      traceId,
      spanId: pluginSpanId,
      parentSpanId: rootSpanId,
      name: 'kong.access.plugin.key-auth',
      kind: 1,
      startTimeUnixNano: ns(start + 0.5),
      endTimeUnixNano: ns(start + 1.5),
      attributes: [],
    },
    {
      traceId,
      spanId: hexId(8),
      parentSpanId: rootSpanId,
      name: 'kong.header_filter.plugin.cors',
      kind: 1,
      startTimeUnixNano: ns(start + dur - 1),
      endTimeUnixNano: ns(start + dur - 0.8),
      attributes: [],
    },
  ];
  const resource = {
    attributes: [attr('service.name', 'kong'), attr('service.version', spec.oss ? '3.9.1' : '3.10.0.0'), ...(spec.sessionId ? [attr('session.id', spec.sessionId)] : [])],
  };
  return { traceId, rootSpanId, pluginSpanId, spans, resource };
}

/** An ExportTraceServiceRequest with the given spans under one resource (as Kong sends: one resource, one scope). */
export function tracesPayload(spans: any[], resource: { attributes: Attr[] } = { attributes: [attr('service.name', 'kong')] }): any {
  return { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'kong-internal', version: '0.1.0' }, spans }] }] };
}

export interface LogSpec {
  traceId?: string;
  spanId?: string;
  body: string;
  severityNumber?: number;
  severityText?: string;
  timeMs?: number;
}

export function logsPayload(records: LogSpec[]): any {
  return {
    resourceLogs: [
      {
        resource: { attributes: [attr('service.name', 'kong')] },
        scopeLogs: [
          {
            scope: { name: 'kong-internal', version: '0.1.0' },
            logRecords: records.map((r) => ({
              timeUnixNano: ns(r.timeMs ?? Date.now()),
              observedTimeUnixNano: ns(r.timeMs ?? Date.now()),
              severityNumber: r.severityNumber ?? 13,
              severityText: r.severityText ?? 'WARN',
              body: { stringValue: r.body },
              attributes: [attr('introspection.current.line', 12, 'double')],
              ...(r.traceId ? { traceId: r.traceId } : {}),
              ...(r.spanId ? { spanId: r.spanId } : {}),
            })),
          },
        ],
      },
    ],
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
