/**
 * One proxied request as the gateway lived it: scenario, matched route, which plugins ran in
 * which phase, their DB / DNS / HTTP calls, the balancer tries, the upstream exchange and the
 * log calls. All times are ns offsets from the request start (the root span start).
 *
 * The model is dialect-neutral: render-oss.ts and render-enterprise.ts turn the same model
 * into Kong OSS spans or Enterprise debugger spans, so both dialects tell the same story.
 */
import { DEMO_ROUTES, DemoPlugin, DemoRoute, DemoService, Phase, pluginsFor, serviceOf } from './catalog';
import { Rng } from './rng';

export type Scenario =
  | 'ok'
  | 'retry_ok'
  | 'auth_401'
  | 'no_route_404'
  | 'rate_limited_429'
  | 'plugin_error_500'
  | 'bad_gateway_502'
  | 'unavailable_503'
  | 'timeout_504';

export interface Interval {
  start: number;
  end: number;
}

export interface DnsCall extends Interval {
  kind: 'dns';
  domain: string;
  port: number;
  ip?: string;
  error?: string;
}
export interface DbCall extends Interval {
  kind: 'db';
  statement: string;
  /** a new Postgres connection: its connect goes through Kong's DNS client */
  dns?: DnsCall;
}
export interface HttpCall extends Interval {
  kind: 'http';
  url: string;
  method: string;
  status?: number;
  error?: string;
  /** the lookup made inside the call; Kong traces it as a sibling, not a child */
  dns: DnsCall;
}
export type SubCall = DnsCall | DbCall | HttpCall;

export interface PluginRun extends Interval {
  plugin: DemoPlugin;
  phase: Phase;
  calls: SubCall[];
  /** Lua error raised by the handler (-> 500) */
  error?: string;
  /** the handler ended the request with kong.response.exit(status) */
  exitStatus?: number;
}

export interface UpstreamTry extends Interval {
  tryCount: number;
  ip: string;
  port: number;
  host: string;
  /** the status Kong recorded for this try when it failed: nginx's 502 (connection error) or 504 (timeout) */
  failedStatus?: number;
  error?: string;
  /**
   * when the attempt really ended (the refusal or the timeout); `end` is where Kong's OSS span ends
   * (balancer start + Lua time + connect time), the Enterprise `kong.find_upstream` ends here
   */
  attemptEnd?: number;
}

/** Kong's default `retries` of a service (kong/db/schema/entities/services.lua): 5, i.e. 6 tries in all */
export const KONG_DEFAULT_RETRIES = 5;

export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARN' | 'ERR';

export interface LogIntent {
  time: number;
  /** absent for kong.telemetry.log records */
  severity?: Severity;
  /** absent = empty body ({} in OTLP/JSON) */
  body?: string;
  /** the plugin run whose span was active, or none (log phase: no span id) */
  run?: PluginRun;
  introspection: { source: string; line: number; what: string; namewhat: string; name?: string };
  extra?: Record<string, string | number>;
}

export interface RequestModel {
  scenario: Scenario;
  route?: DemoRoute;
  service?: DemoService;
  requestId: string;
  consumerId?: string;
  method: string;
  scheme: 'https' | 'http';
  host: string;
  path: string;
  query: string;
  flavor: string;
  clientIp: string;
  clientPort: number;
  peerIp: string;
  requestSize: number;
  responseSize: number;
  status: number;
  upstreamStatus?: number;
  readHeaders: Interval;
  readBody?: Interval;
  rewrite: Interval;
  router: Interval & { matched: boolean };
  access?: Interval;
  runs: PluginRun[];
  upstreamDns?: DnsCall;
  tries: UpstreamTry[];
  upstream?: { send: Interval; readHeaders: Interval; readBody: Interval };
  headerFilter: Interval;
  bodyFilter: Interval;
  waitClientRead: Interval;
  /** end of the request as the client sees it (last byte written) */
  end: number;
  logs: LogIntent[];
}

const US = 1_000;
const MS = 1_000_000;

/** which scenarios a route can show, with weights; 'ok' dominates */
export function scenarioWeights(route: DemoRoute | undefined): Array<[Scenario, number]> {
  if (!route) return [['no_route_404', 1]];
  const has = (name: string) => pluginsFor(route.id, 'access').some((p) => p.name === name);
  const w: Array<[Scenario, number]> = [
    ['ok', 70],
    ['retry_ok', serviceOf(route).targets.length > 1 ? 4 : 0],
    ['bad_gateway_502', serviceOf(route).targets.length > 1 ? 2 : 0],
    ['unavailable_503', 2],
  ];
  if (has('key-auth')) w.push(['auth_401', 8]);
  if (has('rate-limiting')) w.push(['rate_limited_429', 6]);
  if (has('request-transformer')) w.push(['plugin_error_500', 6]);
  if (serviceOf(route).ttfbMs[1] >= 1000) w.push(['timeout_504', 5]);
  return w.filter(([, n]) => n > 0);
}

/** a route (or none: a 404 probe) and a scenario that route can show */
export function pickRequest(rng: Rng): { route?: DemoRoute; scenario: Scenario } {
  const route = rng.chance(0.05) ? undefined : rng.pick(DEMO_ROUTES);
  return { route, scenario: rng.weighted(scenarioWeights(route)) };
}

const PRE_FUNCTION_ACCESS = `local tenant = kong.request.get_header("X-Tenant")
if not tenant then
  kong.log.warn("no X-Tenant header on request, defaulting tenant to 'public'")
  kong.service.request.set_header("X-Tenant", "public")
else
  kong.log.info("tenant: ", tenant)
end
`;
const PRE_FUNCTION_REWRITE = `kong.log.debug("rewrite ", kong.request.get_method(), " ", kong.request.get_path())\n`;
const PRE_FUNCTION_LOG = `local status = kong.response.get_status()
local latency = ngx.now() - ngx.req.start_time()
if status >= 500 or latency > 0.25 then
  kong.log.notice("slow or failed request: status ", status, ", ", math.floor(latency * 1000), " ms")
end
`;
const WS_ID = '0dc6f45b-8f8d-40d2-a504-473544ee190b';

function keyauthQuery(key: string): string {
  return `SELECT "id", EXTRACT(EPOCH FROM "created_at" AT TIME ZONE 'UTC') AS "created_at", "consumer_id", "key", "tags", "ws_id",FLOOR(EXTRACT(EPOCH FROM ("ttl" AT TIME ZONE 'UTC' - CURRENT_TIMESTAMP AT TIME ZONE 'UTC'))) AS "ttl"\n  FROM "keyauth_credentials"\n WHERE "key" = '${key}'\n   AND ("ttl" IS NULL OR "ttl" >= CURRENT_TIMESTAMP AT TIME ZONE 'UTC')\n   AND ("ws_id" = '${WS_ID}')\n LIMIT 1;`;
}
function consumerQuery(id: string): string {
  return `SELECT "id", EXTRACT(EPOCH FROM "created_at" AT TIME ZONE 'UTC') AS "created_at", EXTRACT(EPOCH FROM "updated_at" AT TIME ZONE 'UTC') AS "updated_at", "username", "custom_id", "tags", "ws_id"\n  FROM "consumers"\n WHERE ("id") = ('${id}')\n   AND ("ws_id" = '${WS_ID}')\n LIMIT 1;`;
}

const CONSUMERS = [
  { id: 'c1b2a3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d', key: 'demo-api-key-alice', name: 'alice' },
  { id: 'c1b2a3d4-5e6f-4a7b-8c9d-0e1f2a3b4c6e', key: 'demo-api-key-bob', name: 'bob' },
];


function requestLine(rng: Rng, route: DemoRoute | undefined, scenario: Scenario): { method: string; path: string; query: string } {
  if (!route) return { method: 'GET', path: rng.pick(['/wp-login.php', '/.env', '/v0/orders', '/favicon.ico']), query: '' };
  switch (route.name) {
    case 'orders-api':
      return rng.chance(0.3)
        ? { method: 'POST', path: '/orders', query: '' }
        : { method: 'GET', path: `/orders/${rng.int(1, 999)}`, query: rng.chance(0.5) ? 'expand=items' : '' };
    case 'orders-admin':
      return { method: rng.pick(['GET', 'PATCH']), path: `/admin/orders/${rng.int(1, 999)}`, query: '' };
    case 'catalog-api':
      return { method: 'GET', path: `/catalog/items/${rng.int(100, 999)}`, query: rng.chance(0.3) ? 'lang=en' : '' };
    case 'search-api':
      return { method: 'GET', path: '/search', query: `q=${rng.pick(['shoes', 'coffee', 'lamp', 'desk'])}&page=${rng.int(1, 5)}` };
    case 'payments-api':
      return { method: 'POST', path: '/payments', query: '' };
    default:
      return { method: 'GET', path: `/reports/${rng.pick(['daily', 'weekly', 'monthly'])}`, query: scenario === 'timeout_504' ? 'full=true' : 'format=csv' };
  }
}

/** Build the complete timeline of one request. Pure: everything comes from `rng`. */
export function buildRequest(rng: Rng, route: DemoRoute | undefined, scenario: Scenario): RequestModel {
  if (!scenarioWeights(route).some(([s]) => s === scenario)) {
    throw new Error(`scenario ${scenario} is not possible on route ${route ? route.name : '(no route)'}`);
  }
  const service = route ? serviceOf(route) : undefined;
  const { method, path, query } = requestLine(rng, route, scenario);
  const consumer = rng.pick(CONSUMERS);
  const hasBody = method === 'POST' || method === 'PATCH';
  const logs: LogIntent[] = [];
  let t = 0;
  const span = (min: number, max: number): Interval => {
    const start = t;
    t += rng.int(min, max);
    return { start, end: t };
  };
  const gap = (min: number, max: number) => {
    t += rng.int(min, max);
  };
  const dns = (domain: string, port: number, ip: string | undefined, min = 30 * US, max = 120 * US): DnsCall => ({
    kind: 'dns',
    domain,
    port,
    ...span(min, max),
    ...(ip ? { ip } : { error: 'dns server error: 3 name error' }),
  });

  const readHeaders = { start: 0, end: 0 };
  gap(10 * US, 40 * US);
  Object.assign(readHeaders, span(20 * US, 120 * US));
  const readBody = hasBody ? span(40 * US, 400 * US) : undefined;
  const requestSize = rng.int(140, 420) + (hasBody ? rng.int(60, 900) : 0);

  // rewrite: only global plugins run it
  gap(100 * US, 300 * US);
  const runs: PluginRun[] = [];
  const rewriteStart = t;
  for (const plugin of pluginsFor(undefined, 'rewrite')) {
    gap(5 * US, 20 * US);
    const run: PluginRun = { plugin, phase: 'rewrite', calls: [], ...span(30 * US, 90 * US) };
    runs.push(run);
    if (plugin.name === 'pre-function') {
      logs.push({
        time: run.start + Math.floor((run.end - run.start) / 2),
        severity: 'DEBUG',
        body: `rewrite ${method} ${path}`,
        run,
        introspection: { source: PRE_FUNCTION_REWRITE, line: 1, what: 'main', namewhat: '' },
      });
    }
  }
  const rewrite = { start: rewriteStart, end: t };

  gap(10 * US, 30 * US);
  const router = { ...span(20 * US, 70 * US), matched: route !== undefined };

  let status = 200;
  let upstreamStatus: number | undefined;
  let access: Interval | undefined;
  let shortCircuit = false;
  if (route && service) {
    gap(5 * US, 15 * US);
    const accessStart = t;
    for (const plugin of pluginsFor(route.id, 'access')) {
      gap(3 * US, 12 * US);
      const run: PluginRun = { plugin, phase: 'access', calls: [], start: t, end: t };
      runs.push(run);
      t += rng.int(15 * US, 60 * US);
      if (plugin.name === 'pre-function') {
        const tenant = rng.chance(0.35) ? undefined : rng.pick(['acme', 'globex', 'initech']);
        logs.push({
          time: t,
          severity: tenant ? 'INFO' : 'WARN',
          body: tenant ? `tenant: ${tenant}` : "no X-Tenant header on request, defaulting tenant to 'public'",
          run,
          introspection: { source: PRE_FUNCTION_ACCESS, line: tenant ? 6 : 3, what: 'main', namewhat: '' },
        });
        t += rng.int(20 * US, 80 * US);
      } else if (plugin.name === 'key-auth') {
        if (scenario === 'auth_401') {
          run.exitStatus = 401;
        } else if (rng.chance(0.2)) {
          // cold cache: credential then consumer lookup; sometimes on a fresh PG connection
          const q1Start = t;
          t += rng.int(20 * US, 50 * US);
          const pgDns = rng.chance(0.5) ? dns('postgres.internal', 5432, '10.0.2.15') : undefined;
          t += rng.int(800 * US, 2500 * US);
          run.calls.push({ kind: 'db', statement: keyauthQuery(consumer.key), start: q1Start, end: t, dns: pgDns });
          gap(50 * US, 150 * US);
          run.calls.push({ kind: 'db', statement: consumerQuery(consumer.id), ...span(700 * US, 2000 * US) });
        }
      } else if (plugin.name === 'rate-limiting' && scenario === 'rate_limited_429') {
        run.exitStatus = 429;
      } else if (plugin.name === 'request-transformer' && scenario === 'plugin_error_500') {
        run.error =
          "/usr/local/share/lua/5.1/kong/plugins/request-transformer/access.lua:411: attempt to index local 'body' (a nil value)";
        logs.push({
          time: t + rng.int(5 * US, 15 * US),
          severity: 'ERR',
          body: run.error,
          run,
          introspection: { source: '@/usr/local/share/lua/5.1/kong/init.lua', line: 1228, what: 'Lua', namewhat: 'local', name: 'execute_access_plugins_iterator' },
        });
      } else if (plugin.name === 'ext-authz') {
        const callStart = t;
        t += rng.int(8 * US, 20 * US);
        const lookup = dns('authz.internal', 9000, '10.0.4.7', 20 * US, 80 * US);
        t += rng.int(2 * MS, 9 * MS);
        run.calls.push({ kind: 'http', url: 'http://authz.internal:9000/v1/check', method: 'POST', status: 200, start: callStart, end: t, dns: lookup });
        logs.push({
          time: t + 10 * US,
          body: 'allow',
          run,
          introspection: { source: '@/usr/local/share/lua/5.1/kong/plugins/ext-authz/handler.lua', line: 57, what: 'Lua', namewhat: '' },
          extra: { 'authz.subject': consumer.name, 'authz.policy': 'payments:create', 'message.type': 'authz_decision', 'plugin.name': 'ext-authz', 'plugin.id': plugin.id },
        });
      }
      t += rng.int(10 * US, 40 * US);
      run.end = t;
      if (run.exitStatus || run.error) {
        status = run.exitStatus ?? 500;
        shortCircuit = true;
        break;
      }
    }
    access = { start: accessStart, end: t };
  } else {
    status = 404;
    shortCircuit = true;
  }

  let upstreamDns: DnsCall | undefined;
  const tries: UpstreamTry[] = [];
  let upstream: RequestModel['upstream'];
  if (!shortCircuit && service) {
    gap(10 * US, 30 * US);
    upstreamDns = dns(service.host, service.port, service.targets[0]);
    gap(100 * US, 250 * US);
    // Kong retries a failed try (nginx proxy_next_upstream "error timeout", set_more_tries(retries))
    // until `retries` (5) is used up, rotating over the targets; a read timeout is retried for an
    // idempotent method only (nginx's non_idempotent rule). Kong marks the last try failed only
    // when the final status is > 499 and the tries are exhausted (kong/runloop/handler.lua).
    const tries502 = scenario === 'bad_gateway_502';
    const failing = scenario === 'retry_ok' ? 1 : tries502 || scenario === 'timeout_504' ? KONG_DEFAULT_RETRIES + 1 : 0;
    for (let i = 0; i < failing; i++) {
      const start = t;
      if (scenario === 'timeout_504') {
        // connected (so the try's span includes the connect time), sent, then waited proxy_read_timeout
        t += rng.int(100 * US, 600 * US);
        const end = t;
        t += 2000 * MS; // the reports service's read timeout
        tries.push({
          tryCount: i + 1,
          ip: service.targets[i % service.targets.length],
          port: service.port,
          host: service.host,
          failedStatus: 504,
          error: 'upstream timed out (110: Connection timed out) while reading response header from upstream',
          start,
          end,
          attemptEnd: t,
        });
      } else {
        // refused: no connect time, the span is the Lua balancer only; the refusal comes back quickly
        t += rng.int(20 * US, 60 * US);
        const end = t;
        t += rng.int(50 * US, 300 * US);
        tries.push({
          tryCount: i + 1,
          ip: service.targets[i % service.targets.length],
          port: service.port,
          host: service.host,
          failedStatus: 502,
          error: 'connect() failed (111: Connection refused) while connecting to upstream',
          start,
          end,
          attemptEnd: t,
        });
      }
      gap(20 * US, 80 * US);
    }
    if (failing > KONG_DEFAULT_RETRIES) {
      status = tries502 ? 502 : 504;
    } else {
      const tryStart = t;
      gap(100 * US, 600 * US); // connect (+ TLS for https)
      const send = span(20 * US, 90 * US);
      const readHeaders = span(service.ttfbMs[0] * MS, service.ttfbMs[1] * MS);
      const readBody = span(100 * US, 3 * MS);
      upstreamStatus = scenario === 'unavailable_503' ? 503 : method === 'POST' ? 201 : 200;
      status = upstreamStatus;
      upstream = { send, readHeaders, readBody };
      // the upstream answered (a 503 too: Kong does not retry an HTTP status), so no status on the try
      tries.push({
        tryCount: tries.length + 1,
        ip: service.targets[tries.length % service.targets.length],
        port: service.port,
        host: service.host,
        start: tryStart,
        end: t, // fixed below to the body-filter end, as Kong does
      });
    }
  }

  // response: header_filter runs once headers are known, body_filter while the body streams
  const responseStart = upstream ? upstream.readHeaders.end : t + rng.int(20 * US, 60 * US);
  t = responseStart;
  for (const plugin of pluginsFor(route?.id, 'header_filter')) {
    gap(3 * US, 10 * US);
    runs.push({ plugin, phase: 'header_filter', calls: [], ...span(15 * US, 50 * US) });
  }
  const headerFilter = { start: responseStart, end: t };
  const bodyFilterStart = t;
  if (upstream) t = Math.max(t, upstream.readBody.end);
  for (const plugin of pluginsFor(route?.id, 'body_filter')) {
    gap(3 * US, 10 * US);
    runs.push({ plugin, phase: 'body_filter', calls: [], ...span(30 * US, 200 * US) });
  }
  gap(5 * US, 20 * US);
  const bodyFilter = { start: bodyFilterStart, end: t };
  if (tries.length > 0 && upstream) tries[tries.length - 1].end = bodyFilter.end;
  const waitClientRead = span(30 * US, 400 * US);
  const end = t;

  // log phase (after the response): no active span, so no span id on these records
  const pre = runs.find((r) => r.plugin.name === 'pre-function');
  if (pre && (status >= 500 || end > 250 * MS)) {
    logs.push({
      time: end + rng.int(20 * US, 80 * US),
      severity: 'NOTICE',
      body: `slow or failed request: status ${status}, ${Math.floor(end / MS)} ms`,
      introspection: { source: PRE_FUNCTION_LOG, line: 4, what: 'main', namewhat: '' },
    });
  }
  const authz = runs.find((r) => r.plugin.name === 'ext-authz');
  if (authz && status < 500) {
    logs.push({
      time: end + rng.int(100 * US, 200 * US),
      introspection: { source: '@/usr/local/share/lua/5.1/kong/plugins/ext-authz/handler.lua', line: 88, what: 'Lua', namewhat: 'method', name: 'log' },
      extra: { 'authz.decision': 'allow', 'upstream.status': upstreamStatus ?? 0, 'message.type': 'authz_audit', 'plugin.name': 'ext-authz', 'plugin.id': authz.plugin.id },
    });
  }

  const scheme = route?.name === 'payments-api' || rng.chance(0.6) ? 'https' : 'http';
  return {
    scenario,
    route,
    service,
    requestId: rng.hex(16),
    consumerId: runs.some((r) => r.plugin.name === 'key-auth') && status !== 401 ? consumer.id : undefined,
    method,
    scheme,
    host: 'api.example.com',
    path,
    query,
    flavor: scheme === 'https' && rng.chance(0.5) ? '2.0' : '1.1',
    clientIp: `203.0.113.${rng.int(2, 250)}`,
    clientPort: rng.int(20000, 65000),
    peerIp: '10.0.0.5',
    requestSize,
    responseSize: status === 200 || status === 201 ? rng.int(300, 12000) : rng.int(120, 260),
    status,
    upstreamStatus,
    readHeaders,
    readBody,
    rewrite,
    router,
    access,
    runs,
    upstreamDns,
    tries,
    upstream,
    headerFilter,
    bodyFilter,
    waitClientRead,
    end,
    logs: logs.sort((a, b) => a.time - b.time),
  };
}
