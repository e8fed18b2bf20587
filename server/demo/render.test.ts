import { SpanKind } from '@opentelemetry/api';
import type { Span } from '../../common/api';
import { traceSummary } from '../../common/lifecycle';
import { DEMO_ROUTES, DEMO_PLUGINS, DemoRoute } from './catalog';
import { planRequestLogs } from './logs';
import { buildRequest, RequestModel, Scenario, scenarioWeights } from './model';
import { renderEnterprise } from './render-enterprise';
import { renderOss } from './render-oss';
import { Rng } from './rng';
import { PlannedSpan, RenderedRequest } from './spans';

/** every (route, scenario) pair the demo can produce, plus the no-route probe */
const CASES: Array<[string, Scenario, DemoRoute | undefined]> = [
  ...DEMO_ROUTES.flatMap((r) => scenarioWeights(r).map(([s]) => [r.name, s, r] as [string, Scenario, DemoRoute])),
  ['(none)', 'no_route_404', undefined],
];

const EXPECTED_STATUS: Partial<Record<Scenario, number>> = {
  auth_401: 401,
  no_route_404: 404,
  rate_limited_429: 429,
  plugin_error_500: 500,
  bad_gateway_502: 502,
  unavailable_503: 503,
  timeout_504: 504,
};

function build(route: DemoRoute | undefined, scenario: Scenario, seed = 1): { m: RequestModel; oss: RenderedRequest; ee: RenderedRequest } {
  const rng = new Rng(seed);
  const m = buildRequest(rng, route, scenario);
  return { m, oss: renderOss(m, rng), ee: renderEnterprise(m, rng) };
}

const byName = (r: RenderedRequest, name: string) => r.spans.filter((s) => s.name === name);
const children = (r: RenderedRequest, parent: PlannedSpan) => r.spans.filter((s) => s.parentSpanId === parent.spanId);

function assertWellFormedTree(r: RenderedRequest): void {
  expect(r.traceId).toMatch(/^[0-9a-f]{32}$/);
  const seen = new Map<string, PlannedSpan>();
  const [root, ...rest] = r.spans;
  expect(root.name).toBe('kong');
  expect(root.kind).toBe(SpanKind.SERVER);
  expect(root.parentSpanId).toBeUndefined();
  expect(root.start).toBe(0);
  expect(root.error).toBe(false); // Kong never sets an error status on the root
  seen.set(root.spanId, root);
  for (const s of rest) {
    expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(seen.has(s.spanId)).toBe(false);
    const parent = seen.get(s.parentSpanId ?? '');
    expect(parent).toBeDefined(); // parents are planned (and exported) before children
    expect(s.end).toBeGreaterThanOrEqual(s.start);
    expect(s.start).toBeGreaterThanOrEqual(parent!.start);
    expect(s.end).toBeLessThanOrEqual(parent!.end);
    seen.set(s.spanId, s);
  }
}

describe.each(CASES)('route %s, scenario %s', (_name, scenario, route) => {
  const { m, oss, ee } = build(route, scenario);

  it('has the status the scenario implies', () => {
    const want = EXPECTED_STATUS[scenario] ?? (m.method === 'POST' ? 201 : 200);
    expect(m.status).toBe(want);
  });

  it('renders a well-formed OSS tree with Kong names, kinds and parents', () => {
    assertWellFormedTree(oss);
    const root = oss.spans[0];
    const allowed = /^kong(\.router|\.dns|\.balancer|\.database\.query|\.internal\.request|\.(rewrite|access|header_filter)\.plugin\.[a-z-]+)?$/;
    for (const s of oss.spans) expect(s.name).toMatch(allowed);
    const clientNames = new Set(['kong.dns', 'kong.balancer', 'kong.internal.request']);
    for (const s of oss.spans.slice(1)) expect(s.kind).toBe(clientNames.has(s.name) ? SpanKind.CLIENT : SpanKind.INTERNAL);
    for (const s of oss.spans) if (/^kong\.(rewrite|access|header_filter)\.plugin\./.test(s.name) || s.name === 'kong.router' || s.name === 'kong.balancer') expect(s.parentSpanId).toBe(root.spanId);
    expect(Object.keys(root.attributes).sort()).toEqual(
      ['http.client_ip', 'http.flavor', 'http.host', 'http.method', 'http.route', 'http.scheme', 'http.status_code', 'http.url', 'kong.request.id', 'net.peer.ip'].sort(),
    );
    expect(root.attributes['http.status_code']).toBe(m.status);
    expect(root.attributes['http.route']).toBe(route ? route.path : '');
    // balancer spans are linked in the log phase: exported last
    const firstBalancer = oss.spans.findIndex((s) => s.name === 'kong.balancer');
    if (firstBalancer >= 0) expect(oss.spans.slice(firstBalancer).every((s) => s.name === 'kong.balancer')).toBe(true);
    // only global plugins have a rewrite phase
    for (const s of byName(oss, 'kong.rewrite.plugin.pre-function')) expect(s.parentSpanId).toBe(root.spanId);
    expect(oss.spans.some((s) => s.name.startsWith('kong.body_filter'))).toBe(false);
  });

  it('follows the OSS tree shape of its scenario', () => {
    const root = oss.spans[0];
    const access = oss.spans.filter((s) => s.name.startsWith('kong.access.plugin.'));
    const balancers = byName(oss, 'kong.balancer');
    const headerFilters = oss.spans.filter((s) => s.name.startsWith('kong.header_filter.plugin.'));
    expect(headerFilters.map((s) => s.name)).toContain('kong.header_filter.plugin.opentelemetry');
    const router = byName(oss, 'kong.router')[0];
    if (scenario === 'no_route_404') {
      expect(router.error).toBe(true);
      expect(access).toHaveLength(0);
      expect(balancers).toHaveLength(0);
      expect(headerFilters.map((s) => s.name).sort()).toEqual(['kong.header_filter.plugin.correlation-id', 'kong.header_filter.plugin.opentelemetry']);
      return;
    }
    expect(router.error).toBe(false);
    if (['auth_401', 'rate_limited_429', 'plugin_error_500'].includes(scenario)) {
      const stopper = { auth_401: 'key-auth', rate_limited_429: 'rate-limiting', plugin_error_500: 'request-transformer' }[scenario as 'auth_401'];
      expect(access[access.length - 1].name).toBe(`kong.access.plugin.${stopper}`);
      expect(access.map((s) => s.name)).not.toContain('kong.access.plugin.opentelemetry');
      expect(balancers).toHaveLength(0);
      expect(children(oss, root).filter((s) => s.name === 'kong.dns')).toHaveLength(0);
      const failing = access[access.length - 1];
      if (scenario === 'plugin_error_500') {
        expect(failing.error).toBe(true);
        expect(failing.events).toEqual([{ name: 'exception', time: expect.any(Number), attributes: { 'exception.message': expect.stringContaining('attempt to index') } }]);
      } else {
        expect(failing.error).toBe(false);
      }
      return;
    }
    expect(access[access.length - 1].name).toBe('kong.access.plugin.opentelemetry');
    const upstreamDns = children(oss, root).filter((s) => s.name === 'kong.dns');
    expect(upstreamDns).toHaveLength(1);
    expect(typeof upstreamDns[0].attributes['dns.record.port']).toBe('number');
    expect(balancers.map((b) => b.attributes.try_count)).toEqual(balancers.map((_, i) => i + 1));
    const last = balancers[balancers.length - 1];
    const failedCode = scenario === 'timeout_504' ? 504 : 502;
    for (const b of balancers.slice(0, -1)) {
      expect(b.error).toBe(true);
      expect(b.attributes['http.status_code']).toBe(failedCode);
    }
    if (scenario === 'bad_gateway_502' || scenario === 'timeout_504') {
      // Kong's default retries = 5: six tries, and only because they are exhausted (and the status
      // > 499) does the last one carry a status too; no span covers an exchange
      expect(balancers).toHaveLength(6);
      expect(last.error).toBe(true);
      expect(last.attributes['http.status_code']).toBe(m.status);
      expect(last.end).toBeLessThan(root.end);
    } else {
      // the upstream answered (a 503 included: Kong does not retry an HTTP status): no status on the try
      expect(last.error).toBe(false);
      expect(last.attributes['http.status_code']).toBeUndefined();
      expect(last.end).toBe(root.end); // the last try covers the whole upstream exchange
      expect(balancers).toHaveLength(scenario === 'retry_ok' ? 2 : 1);
    }
  });

  it('renders the Enterprise debugger dialect of the same request', () => {
    assertWellFormedTree(ee);
    const root = ee.spans[0];
    expect(root.attributes['http.response.status_code']).toBe(m.status);
    expect(typeof root.attributes['server.port']).toBe('string'); // numbers sometimes as strings
    expect(typeof root.attributes['http.request.size']).toBe('string');
    expect(root.attributes['proxy.kong.latency.total']).toBe(Math.round(root.end / 1e6));
    expect(root.attributes['url.full']).not.toContain('?');
    if (route) {
      expect(root.attributes['proxy.kong.route.id']).toBe(route.id);
      expect(root.attributes['proxy.kong.service.id']).toBe(route.serviceId);
    } else {
      expect(root.attributes['proxy.kong.route.id']).toBeUndefined();
    }
    for (const s of ee.spans) {
      const plugin = /^kong\.(rewrite|access|header_filter|body_filter)\.plugin\.(.+)$/.exec(s.name);
      if (!plugin) continue;
      const parent = ee.spans.find((p) => p.spanId === s.parentSpanId)!;
      expect(parent.name).toBe(`kong.phase.${plugin[1]}`);
      const id = s.attributes['proxy.kong.plugin.id'];
      expect(DEMO_PLUGINS.find((p) => p.id === id)?.name).toBe(plugin[2]);
    }
    expect(byName(ee, 'kong.find_upstream')).toHaveLength(m.tries.length);
    expect(byName(ee, 'kong.balancer')).toHaveLength(0);
    expect(byName(ee, 'kong.wait_for_client_read')).toHaveLength(1);
    if (m.upstreamStatus !== undefined) expect(root.attributes['proxy.kong.upstream.status_code']).toBe(m.upstreamStatus);
    else expect(root.attributes['proxy.kong.upstream.status_code']).toBeUndefined();
    const hasUpstreamIo = byName(ee, 'kong.send_request_to_upstream').length === 1;
    expect(hasUpstreamIo).toBe(m.upstream !== undefined);
  });

  it('points every log record at a span of the request, or none in the log phase', () => {
    for (const r of [oss, ee]) {
      const logs = planRequestLogs(m, r);
      expect(logs.length).toBeGreaterThan(0);
      const ids = new Set(r.spans.map((s) => s.spanId));
      for (const l of logs) {
        expect(l.traceId).toBe(r.traceId);
        expect(l.attributes['request.id']).toBe(m.requestId);
        if (l.spanId) expect(ids.has(l.spanId)).toBe(true);
        if (l.time > r.spans[0].end) expect(l.spanId).toBeUndefined();
      }
    }
  });
});

describe('special shapes', () => {
  const payments = DEMO_ROUTES.find((r) => r.name === 'payments-api')!;

  it('makes the DNS lookup of an internal HTTP call its sibling, inside its time range', () => {
    const { oss } = build(payments, 'ok');
    const call = byName(oss, 'kong.internal.request')[0];
    const plugin = oss.spans.find((s) => s.spanId === call.parentSpanId)!;
    expect(plugin.name).toBe('kong.access.plugin.ext-authz');
    const dns = children(oss, plugin).filter((s) => s.name === 'kong.dns');
    expect(dns).toHaveLength(1);
    expect(dns[0].start).toBeGreaterThanOrEqual(call.start);
    expect(dns[0].end).toBeLessThanOrEqual(call.end);
    expect(call.attributes['http.status_code']).toBe(200);
    expect(children(oss, call)).toHaveLength(0);
  });

  it('traces DB queries under key-auth on a cache miss, with the PG connect DNS under the query', () => {
    const found = Array.from({ length: 200 }, (_, seed) => build(DEMO_ROUTES[0], 'ok', seed).oss).find(
      (r) => byName(r, 'kong.database.query').length > 0 && byName(r, 'kong.database.query').some((q) => children(r, q).length > 0),
    );
    expect(found).toBeDefined();
    const q = byName(found!, 'kong.database.query')[0];
    expect(found!.spans.find((s) => s.spanId === q.parentSpanId)!.name).toBe('kong.access.plugin.key-auth');
    expect(q.attributes['db.system']).toBe('postgres');
    expect(String(q.attributes['db.statement'])).toContain('FROM "keyauth_credentials"');
    expect(children(found!, q).map((s) => s.name)).toEqual(['kong.dns']);
  });

  it('makes the reports route slow (300-1500 ms upstream)', () => {
    const reports = DEMO_ROUTES.find((r) => r.name === 'reports-api')!;
    for (let seed = 0; seed < 20; seed++) {
      const { m } = build(reports, 'ok', seed);
      const ttfb = m.upstream!.readHeaders.end - m.upstream!.readHeaders.start;
      expect(ttfb).toBeGreaterThanOrEqual(300e6);
      expect(ttfb).toBeLessThanOrEqual(1500e6);
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(build(payments, 'ok', 42).oss).toEqual(build(payments, 'ok', 42).oss);
    expect(build(payments, 'ok', 42).oss.traceId).not.toBe(build(payments, 'ok', 43).oss.traceId);
  });

  it('refuses a scenario the route cannot show', () => {
    expect(() => buildRequest(new Rng(1), DEMO_ROUTES.find((r) => r.name === 'catalog-api'), 'auth_401')).toThrow(
      'scenario auth_401 is not possible on route catalog-api',
    );
  });
});

describe('the demo tells the Summary Kong would', () => {
  const T0 = BigInt('1765000000000000000');
  const toApi = (r: RenderedRequest): Span[] =>
    r.spans.map((s) => ({
      traceId: r.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId ?? '',
      name: s.name,
      kind: s.kind === SpanKind.SERVER ? 2 : s.kind === SpanKind.CLIENT ? 3 : 1,
      startTimeUnixNano: (T0 + BigInt(s.start)).toString(),
      endTimeUnixNano: (T0 + BigInt(s.end)).toString(),
      startTimeMs: 0,
      durationNs: s.end - s.start,
      attributes: s.attributes as Span['attributes'],
      events: s.events.map((e) => ({ name: e.name, timeUnixNano: (T0 + BigInt(e.time)).toString(), timeMs: 0, attributes: e.attributes as Span['attributes'] })),
      statusCode: s.error ? 2 : 0,
    }));
  const reports = DEMO_ROUTES.find((r) => r.name === 'reports-api')!;
  const orders = DEMO_ROUTES.find((r) => r.name === 'orders-api')!;

  it.each([
    ['timeout_504', reports, 'no_upstream_answer', 'timeout'],
    ['bad_gateway_502', orders, 'no_upstream_answer', 'error'],
  ] as const)('%s: six tries, none answered, in both dialects', (scenario, route, failure, outcome) => {
    const { oss, ee } = build(route, scenario);
    for (const [r, eeOutcome] of [[oss, outcome], [ee, outcome === 'error' ? 'refused' : outcome]] as const) {
      const s = traceSummary(r.traceId, toApi(r));
      expect(s.failure).toBe(failure);
      expect(s.upstreamOutcome).toBe('no_answer');
      expect(s.upstreamStatusCode).toBeUndefined();
      expect(s.lifecycle.tries?.map((t) => t.outcome)).toEqual(Array(6).fill(eeOutcome));
    }
    if (scenario === 'timeout_504') {
      // six 2 s read timeouts are upstream time, not Kong's
      expect(traceSummary(oss.traceId, toApi(oss)).latency.upstreamMs).toBeGreaterThan(12_000);
    }
  });

  it('a recovered retry is not a failed request, and a 503 answer is the upstream’s', () => {
    const retry = build(orders, 'retry_ok').oss;
    const s = traceSummary(retry.traceId, toApi(retry));
    expect([s.failed, s.spanErrorCount, s.upstreamOutcome]).toEqual([false, 1, 'answered']);
    const u = build(orders, 'unavailable_503').oss;
    const s503 = traceSummary(u.traceId, toApi(u));
    expect([s503.failure, s503.upstreamOutcome, s503.lifecycle.tries?.length]).toEqual(['server_error', 'answered', 1]);
  });
});
