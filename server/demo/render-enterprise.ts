/**
 * Kong Enterprise 3.10 debugger ("active tracing") spans for a request model, after
 * konnect-debugger.md §6: phase spans with plugin children, client/upstream I/O spans,
 * `kong.io.*` third-party calls and the `proxy.kong.*` root attributes. Some numbers are sent
 * as strings, as the 3.10 data plane does (http.request.size, server.port, ...).
 */
import { SpanKind } from '@opentelemetry/api';
import type { DnsCall, Interval, PluginRun, RequestModel, SubCall } from './model';
import { Rng } from './rng';
import { PlannedSpan, RenderedRequest, SpanList, recordError } from './spans';

const MS = 1_000_000;
const ms = (ns: number) => Math.round(ns / MS);
const dur = (i: Interval | undefined) => (i ? i.end - i.start : 0);

function dnsSpan(list: SpanList, parent: PlannedSpan, d: DnsCall): PlannedSpan {
  const s = list.add('kong.dns', SpanKind.CLIENT, parent, d, {
    'proxy.kong.dns.domain': d.domain,
    'proxy.kong.dns.tries': JSON.stringify([
      d.ip ? { qname: d.domain, qtype: 1, answers: [d.ip] } : { qname: d.domain, qtype: 1, error: d.error },
    ]),
  });
  if (d.error) recordError(s, d.error, d.end - 300);
  return s;
}

function callSpans(list: SpanList, parent: PlannedSpan, call: SubCall): void {
  if (call.kind === 'dns') {
    dnsSpan(list, parent, call);
  } else if (call.kind === 'db') {
    // Postgres traffic is raw cosocket I/O for the debugger
    const io = { 'network.peer.address': '10.0.2.15', 'network.protocol.name': 'postgres' };
    let t = call.start;
    if (call.dns) {
      dnsSpan(list, parent, call.dns);
      const connect = { start: call.dns.end + 5_000, end: call.dns.end + 5_000 + Math.floor((call.end - call.dns.end) / 4) };
      list.add('kong.io.socket.connect', SpanKind.CLIENT, parent, connect, io);
      t = connect.end;
    }
    const sendEnd = t + Math.max(10_000, Math.floor((call.end - t) / 20));
    list.add('kong.io.socket.send', SpanKind.CLIENT, parent, { start: t, end: sendEnd }, io);
    list.add('kong.io.socket.receive', SpanKind.CLIENT, parent, { start: sendEnd, end: call.end }, io);
  } else {
    const r = list.add('kong.io.http.request', SpanKind.CLIENT, parent, call, {
      'network.peer.address': call.dns.ip ?? '',
      'network.protocol.name': 'http',
      'http.url': call.url,
    });
    if (call.error) recordError(r, call.error, call.end - 400);
    dnsSpan(list, parent, call.dns);
  }
}

export function renderEnterprise(m: RequestModel, rng: Rng): RenderedRequest {
  const traceId = rng.hex(16);
  const list = new SpanList(rng);
  const spanOfRun = new Map<PluginRun, string>();

  const dnsTotal =
    dur(m.upstreamDns) +
    m.runs.flatMap((r) => r.calls).reduce((s, c) => s + (c.kind === 'dns' ? dur(c) : c.kind === 'http' ? dur(c.dns) : c.kind === 'db' ? dur(c.dns) : 0), 0);
  const httpTotal = m.runs.flatMap((r) => r.calls).reduce((s, c) => s + (c.kind === 'http' ? dur(c) : 0), 0);
  const tcpTotal = m.runs.flatMap((r) => r.calls).reduce((s, c) => s + (c.kind === 'db' ? dur(c) - dur(c.dns) : 0), 0);
  // from the first connect to the last byte, failed attempts and their waits included
  const lastAttempt = m.tries[m.tries.length - 1];
  const upstreamNs = lastAttempt ? (m.upstream ? m.upstream.readBody.end : lastAttempt.attemptEnd ?? lastAttempt.end) - m.tries[0].start : 0;
  const clientNs = dur(m.readHeaders) + dur(m.readBody) + dur(m.waitClientRead);
  const thirdParty = dnsTotal + httpTotal + tcpTotal;
  const lastTry = m.tries[m.tries.length - 1];

  const root = list.add('kong', SpanKind.SERVER, undefined, { start: 0, end: m.end }, {
    'url.full': `${m.scheme}://${m.host}${m.path}`,
    'url.scheme': m.scheme,
    'http.request.method': m.method,
    'network.protocol.name': 'http',
    'network.protocol.version': m.flavor === '2.0' ? '2' : '1.1',
    'proxy.kong.request.id': m.requestId,
    'proxy.kong.request.host': m.host,
    'client.address': m.clientIp,
    'client.port': m.clientPort,
    'network.peer.address': m.peerIp,
    'network.peer.port': m.clientPort,
    'server.address': '10.0.0.10',
    'server.port': m.scheme === 'https' ? '8443' : '8000',
    'http.request.size': String(m.requestSize),
    'http.response.size': String(m.responseSize),
    'http.response.status_code': m.status,
    'http.route': m.route ? m.route.path : '',
    'proxy.kong.request.time': ms(m.end),
    'proxy.kong.latency.total': ms(m.end),
    'proxy.kong.latency.internal': Math.max(0, ms(m.end - upstreamNs - clientNs - thirdParty)),
    'proxy.kong.latency.upstream': ms(upstreamNs),
    'proxy.kong.latency.client': ms(clientNs),
    'proxy.kong.latency.3p.total_io': ms(thirdParty),
    'proxy.kong.latency.3p.dns.total_io': ms(dnsTotal),
    'proxy.kong.latency.3p.http_client.total_io': ms(httpTotal),
    'proxy.kong.latency.3p.redis.total_io': 0,
    'proxy.kong.latency.3p.tcpsock.total_io': ms(tcpTotal),
    ...(m.route && m.service
      ? { 'proxy.kong.route.id': m.route.id, 'proxy.kong.service.id': m.service.id, 'proxy.kong.upstream.host': m.service.host }
      : {}),
    ...(m.upstream ? { 'proxy.kong.latency.upstream.read_headers_duration': ms(dur(m.upstream.readHeaders)), 'proxy.kong.latency.upstream.read_body_duration': ms(dur(m.upstream.readBody)) } : {}),
    ...(m.upstreamStatus !== undefined ? { 'proxy.kong.upstream.status_code': m.upstreamStatus } : {}),
    ...(lastTry ? { 'proxy.kong.upstream.addr': lastTry.ip } : {}),
    ...(m.consumerId ? { 'proxy.kong.consumer.id': m.consumerId } : {}),
  });

  list.add('kong.read_client_http_headers', SpanKind.INTERNAL, root, m.readHeaders, {
    'proxy.kong.http.request.headers.count': 9,
    'proxy.kong.http.request.headers.size': Math.max(120, m.requestSize - (m.readBody ? 60 : 0)),
  });
  if (m.readBody) list.add('kong.read_client_http_body', SpanKind.INTERNAL, root, m.readBody, { 'proxy.kong.http.content_length': Math.max(60, m.requestSize - 200) });

  const phase = (name: 'rewrite' | 'access' | 'header_filter' | 'body_filter', interval: Interval | undefined) => {
    const runs = m.runs.filter((r) => r.phase === name);
    if (!interval || runs.length === 0) return;
    const p = list.add(`kong.phase.${name}`, SpanKind.INTERNAL, root, interval);
    for (const run of runs) {
      const s = list.add(`kong.${name}.plugin.${run.plugin.name}`, SpanKind.INTERNAL, p, run, { 'proxy.kong.plugin.id': run.plugin.id });
      spanOfRun.set(run, s.spanId);
      for (const call of run.calls) callSpans(list, s, call);
      if (run.error) recordError(s, run.error, run.end - 2_000);
    }
  };
  phase('rewrite', m.rewrite);
  const router = list.add('kong.router', SpanKind.INTERNAL, root, m.router, {
    'proxy.kong.router.matched': m.router.matched,
    'proxy.kong.router.cache_hit': true,
    ...(m.route ? { 'proxy.kong.route.id': m.route.id, 'proxy.kong.service.id': m.route.serviceId, 'proxy.kong.router.upstream_path': m.path } : {}),
  });
  router.error = !m.router.matched;
  phase('access', m.access);
  if (m.upstreamDns) dnsSpan(list, root, m.upstreamDns);
  if (m.tries.length > 0) {
    const lastT = m.tries[m.tries.length - 1];
    const connectEnd = m.upstream ? m.upstream.send.start : lastT.attemptEnd ?? lastT.end;
    const selection = list.add('kong.upstream.selection', SpanKind.INTERNAL, root, { start: m.tries[0].start, end: connectEnd }, {
      'proxy.kong.upstream.lb_algorithm': 'round-robin',
    });
    for (const t of m.tries) {
      // an attempt spans its whole try, the wait for the refusal or timeout included
      const end = t === lastTry && m.upstream ? connectEnd : t.attemptEnd ?? t.end;
      const f = list.add('kong.find_upstream', SpanKind.CLIENT, selection, { start: t.start, end }, {
        'network.peer.address': t.ip,
        'network.peer.name': t.host,
        'network.peer.port': t.port,
        try_count: t.tryCount,
        keepalive: t.tryCount === 1 && !t.error,
      });
      if (t.error) recordError(f, t.error, end - 1_000);
    }
  }
  if (m.upstream) {
    list.add('kong.send_request_to_upstream', SpanKind.INTERNAL, root, m.upstream.send);
    const rh = list.add('kong.read_headers_from_upstream', SpanKind.INTERNAL, root, m.upstream.readHeaders);
    if (m.status === 504) recordError(rh, 'upstream timed out (110: Connection timed out) while reading response header from upstream', m.upstream.readHeaders.end - 1_000);
    if (dur(m.upstream.readBody) > 0) list.add('kong.read_body_from_upstream', SpanKind.INTERNAL, root, m.upstream.readBody);
  }
  phase('header_filter', m.headerFilter);
  phase('body_filter', m.bodyFilter);
  list.add('kong.wait_for_client_read', SpanKind.INTERNAL, root, m.waitClientRead);
  return { traceId, spans: list.spans, spanOfRun };
}
