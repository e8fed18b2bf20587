/**
 * Kong OSS (3.9) spans for a request model: the core instrumentation of kong-otel.md §4
 * (names, kinds, parents by the active-span rule, attribute keys, export order).
 */
import { SpanKind } from '@opentelemetry/api';
import type { DnsCall, PluginRun, RequestModel, SubCall } from './model';
import { Rng } from './rng';
import { PlannedSpan, RenderedRequest, SpanList, recordError } from './spans';

const USER_AGENT = 'lua-resty-http/0.17.2 (Lua) ngx_lua/10026';

function dnsSpan(list: SpanList, parent: PlannedSpan, d: DnsCall): PlannedSpan {
  const s = list.add('kong.dns', SpanKind.CLIENT, parent, d, {
    'dns.record.domain': d.domain,
    'dns.record.port': d.port,
    ...(d.ip ? { 'dns.record.ip': d.ip } : {}),
  });
  if (d.error) recordError(s, d.error, d.end - 300);
  return s;
}

function callSpans(list: SpanList, parent: PlannedSpan, call: SubCall): void {
  if (call.kind === 'dns') {
    dnsSpan(list, parent, call);
  } else if (call.kind === 'db') {
    const q = list.add('kong.database.query', SpanKind.INTERNAL, parent, call, { 'db.system': 'postgres', 'db.statement': call.statement });
    if (call.dns) dnsSpan(list, q, call.dns);
  } else {
    // kong.internal.request never becomes the active span: its DNS lookup is a sibling
    const r = list.add('kong.internal.request', SpanKind.CLIENT, parent, call, {
      'http.url': call.url,
      'http.method': call.method,
      'http.flavor': '1.1',
      'http.user_agent': USER_AGENT,
      ...(call.status !== undefined ? { 'http.status_code': call.status } : {}),
    });
    if (call.error) recordError(r, call.error, call.end - 400, false); // failure: event, status stays UNSET
    dnsSpan(list, parent, call.dns);
  }
}

export function renderOss(m: RequestModel, rng: Rng): RenderedRequest {
  const traceId = rng.hex(16);
  const list = new SpanList(rng);
  const spanOfRun = new Map<PluginRun, string>();
  const root = list.add('kong', SpanKind.SERVER, undefined, { start: 0, end: m.bodyFilter.end }, {
    'http.method': m.method,
    'kong.request.id': m.requestId,
    'http.url': `${m.scheme}://${m.host}${m.path}${m.query ? `?${m.query}` : ''}`,
    'http.scheme': m.scheme,
    'net.peer.ip': m.peerIp,
    'http.host': m.host,
    'http.client_ip': m.clientIp,
    'http.flavor': m.flavor,
    'http.status_code': m.status,
    'http.route': m.route ? m.route.path : '',
  });
  const pluginSpans = (phase: 'rewrite' | 'access' | 'header_filter') => {
    for (const run of m.runs.filter((r) => r.phase === phase)) {
      const s = list.add(`kong.${phase}.plugin.${run.plugin.name}`, SpanKind.INTERNAL, root, run);
      spanOfRun.set(run, s.spanId);
      for (const call of run.calls) callSpans(list, s, call);
      if (run.error) recordError(s, run.error, run.end - 2_000);
    }
  };
  pluginSpans('rewrite');
  const router = list.add('kong.router', SpanKind.INTERNAL, root, m.router);
  router.error = !m.router.matched;
  pluginSpans('access');
  if (m.upstreamDns) dnsSpan(list, root, m.upstreamDns);
  pluginSpans('header_filter'); // OSS has no body_filter plugin spans
  // balancer spans are linked in the log phase, so Kong exports them last
  for (const t of m.tries) {
    const b = list.add('kong.balancer', SpanKind.CLIENT, root, t, {
      try_count: t.tryCount,
      'net.peer.ip': t.ip,
      'net.peer.port': t.port,
      'net.peer.name': t.host,
      ...(t.failedStatus ? { 'http.status_code': t.failedStatus } : {}),
    });
    b.error = t.failedStatus !== undefined;
  }
  return { traceId, spans: list.spans, spanOfRun };
}
