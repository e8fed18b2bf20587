/**
 * Consistency of the deployment files the plugin depends on (they cannot be run here: no Docker, no Grafana):
 * provisioning, the dashboard, docker-compose.yml and Kong's declarative config must agree with the plugin ids,
 * the data source's query model and each other.
 */
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { QUERY_TYPES } from './types';
import { API_PATHS } from './api';
import { matchRoute, routeTarget, type ProxyRoute } from './testing/grafanaProxy';

const ROOT = path.resolve(__dirname, '../..');
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');
const yaml = (p: string) => parse(read(p));

function pluginJsons(dir = path.join(ROOT, 'src')): Array<{ id: string; type: string; file: string }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      return pluginJsons(full);
    }
    return e.name === 'plugin.json' ? [{ ...JSON.parse(fs.readFileSync(full, 'utf8')), file: path.relative(path.join(ROOT, 'src'), full) }] : [];
  });
}

const plugins = pluginJsons();
const ids = plugins.map((p) => p.id).sort();
const dsYaml = yaml('provisioning/datasources/kong-debugger.yaml').datasources[0];
const dashboard = JSON.parse(read('provisioning/dashboards/json/kong-debugger.json'));
const compose = yaml('docker-compose.yml');
const composeDbless = yaml('docker-compose.dbless.yml');
const kong = yaml('kong/kong.yaml');
const kongDb = yaml('kong/kong-db.yaml');

describe('plugin.json files', () => {
  it('are the app, its data source and both panels, with valid ids', () => {
    expect(ids).toEqual(['kongdbg-debugger-app', 'kongdbg-debugger-datasource', 'kongdbg-debuglogs-panel', 'kongdbg-lifecyclemap-panel']);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/);
    }
  });

  it("the app includes every nested plugin by its plugin.json path", () => {
    const app = JSON.parse(read('src/plugin.json'));
    const included = app.includes.filter((i: { type: string }) => i.type !== 'page').map((i: { path: string }) => i.path).sort();
    expect(included).toEqual(plugins.filter((p) => p.type !== 'app').map((p) => p.file).sort());
  });

  describe("the data source's proxy routes (what a Grafana user can reach with the server token)", () => {
    const ds = JSON.parse(read('src/datasource/plugin.json'));
    const routes: ProxyRoute[] = ds.routes;
    // Every call DebuggerApi makes (src/datasource/api.ts), as `${proxy url}/api/<API_PATHS entry>`.
    const calls: Array<[string, string]> = [
      ['GET', API_PATHS.health()],
      ['GET', API_PATHS.entities()],
      ['GET', API_PATHS.sessions()],
      ['POST', API_PATHS.sessions()],
      ['GET', API_PATHS.session('s-1')],
      ['DELETE', API_PATHS.session('s-1')],
      ['POST', API_PATHS.stopSession('s-1')],
      ['GET', API_PATHS.sessionTraces('s-1')],
      ['GET', API_PATHS.sessionLogs('s-1')],
      // live queries' event stream: Grafana takes the first route whose path prefixes the request's, so the
      // sessions GET route serves it (a route cannot name a path with the session id inside it)
      ['GET', API_PATHS.sessionStream('s-1')],
      ['GET', API_PATHS.sessionSummary('s-1')],
      ['GET', API_PATHS.trace('4bf92f3577b34da6a3ce929d0e0e4736')],
      ['GET', API_PATHS.traceSummary('4bf92f3577b34da6a3ce929d0e0e4736')],
      ['GET', API_PATHS.traceLogs('4bf92f3577b34da6a3ce929d0e0e4736')],
      ['POST', API_PATHS.validateExpression()],
      ['GET', API_PATHS.compare('4bf92f3577b34da6a3ce929d0e0e4736', 'typical')],
      ['GET', API_PATHS.abnormal('4bf92f3577b34da6a3ce929d0e0e4736')],
      ['GET', API_PATHS.statistics('4bf92f3577b34da6a3ce929d0e0e4736')],
      ['GET', API_PATHS.exportTrace('4bf92f3577b34da6a3ce929d0e0e4736')],
      ['POST', API_PATHS.uploads()],
    ];

    it('forward every call the plugin makes to the same path on the server, with the bearer token', () => {
      // metrics: listed in the panel editor's data source picker; annotations: session start/stop on dashboards;
      // streaming: live Traces and Logs queries while a session runs
      expect(ds).toMatchObject({ logs: true, tracing: true, metrics: true, annotations: true, category: 'tracing', streaming: true });
      for (const [method, rel] of calls) {
        const proxyPath = `api/${rel}`;
        const route = matchRoute(routes, method, proxyPath);
        expect([method, proxyPath, route !== undefined]).toEqual([method, proxyPath, true]);
        const target = routeTarget(route!, proxyPath, { url: 'http://dbg:8080' }, { apiToken: 'T' });
        expect(target).toEqual({ url: `http://dbg:8080/${proxyPath}`, headers: { Authorization: 'Bearer T' } });
        // changing anything needs an Editor; reading needs a signed-in user of the org, and so does
        // uploading a trace to view it (as in Konnect, a viewer may)
        expect(route!.reqRole).toBe(method === 'GET' || rel === API_PATHS.uploads() ? undefined : 'Editor');
      }
    });

    it('reach nothing else: no token management, audit, stats or other /api path through Grafana', () => {
      for (const method of ['GET', 'POST', 'DELETE', 'PUT', 'PATCH']) {
        for (const proxyPath of ['api/v1/tokens', 'api/v1/tokens/abc', 'api/v1/audit', 'api/v1/stats', 'api/v2/sessions', 'api', 'api/', 'v1/tokens', 'api/v1']) {
          expect([method, proxyPath, matchRoute(routes, method, proxyPath)]).toEqual([method, proxyPath, undefined]);
        }
      }
      // each route is one resource of the REST API, and its URL the same path on the server
      for (const r of routes) {
        expect(r.path).toMatch(/^api\/v1\/(health|entities|sessions|traces|expressions\/validate|uploads)$/);
        expect(r.url).toBe(`{{ .JsonData.url }}/${r.path}`);
        expect(['GET', 'POST', 'DELETE']).toContain(r.method);
        expect(r.headers).toEqual([{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }]);
      }
      // only sessions are ever deleted
      expect(routes.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['api/v1/sessions']);
    });

    it('the app itself has no proxy routes of its own', () => {
      expect(JSON.parse(read('src/plugin.json')).routes).toBeUndefined();
    });
  });
});

describe('provisioning', () => {
  it("enables the app and provisions the data source with the debugger token from Grafana's environment", () => {
    expect(yaml('provisioning/plugins/apps.yaml').apps[0]).toMatchObject({ type: 'kongdbg-debugger-app', disabled: false });
    expect(dsYaml).toMatchObject({
      type: 'kongdbg-debugger-datasource',
      uid: 'kong-debugger',
      access: 'proxy',
      jsonData: { url: 'http://kong-debugger:8080' },
      secureJsonData: { apiToken: '${KONG_DEBUGGER_DEBUGGER_TOKEN}' },
    });
    const provider = yaml('provisioning/dashboards/dashboards.yaml').providers[0];
    expect(provider.options.path).toBe('/etc/grafana/provisioning/dashboards/json');
  });

  it("provisions a webhook contact point that starts sessions with Grafana's debugger token (never an admin one)", () => {
    const [point] = yaml('provisioning/alerting/kong-debugger.yaml').contactPoints;
    expect(point.name).toBe('kong-debugger');
    expect(point.receivers).toEqual([
      expect.objectContaining({
        type: 'webhook',
        disableResolveMessage: true,
        settings: { url: 'http://kong-debugger:8080/api/v1/alerts/grafana', httpMethod: 'POST', authorization_scheme: 'Bearer', authorization_credentials: '$KONG_DEBUGGER_DEBUGGER_TOKEN' },
      }),
    ]);
    // the server answers that path
    expect(read('server/api/alerts.ts')).toContain("'/api/v1/alerts/grafana'");
  });

  it('the dashboard queries only our data source, with valid query types and defined variables', () => {
    const variables = dashboard.templating.list.map((v: { name: string }) => v.name);
    expect(variables).toEqual(['session', 'spanId']);
    expect(dashboard.templating.list[0].datasource).toEqual({ type: dsYaml.type, uid: dsYaml.uid });
    const knownTypes = QUERY_TYPES.map((t) => t.value);
    for (const panel of dashboard.panels) {
      expect(['table', ...ids]).toContain(panel.type);
      for (const target of panel.targets) {
        expect(target.datasource).toEqual({ type: dsYaml.type, uid: dsYaml.uid });
        expect(knownTypes).toContain(target.queryType);
        for (const value of Object.values(target).filter((v): v is string => typeof v === 'string')) {
          for (const [, name] of value.matchAll(/\$\{?(\w+)/g)) {
            expect(variables).toContain(name);
          }
        }
      }
    }
    const byType = (t: string) => dashboard.panels.find((p: { type: string }) => p.type === t);
    expect(byType('kongdbg-lifecyclemap-panel').targets[0]).toMatchObject({ queryType: 'summary', sessionId: '$session' });
    expect(byType('kongdbg-debuglogs-panel').targets[0]).toMatchObject({ queryType: 'logs', sessionId: '$session', spanId: '$spanId' });
  });
});

describe('docker-compose.yml and kong/kong.yaml', () => {
  it('Grafana loads the built plugin unsigned and the provisioning', () => {
    const grafana = compose.services.grafana;
    expect(grafana.image).toMatch(/^grafana\/grafana:\$\{GRAFANA_VERSION:-12\.4\.\d+\}$/);
    expect(String(grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).split(',').sort()).toEqual(ids);
    expect(grafana.volumes).toContain('./dist:/var/lib/grafana/plugins/kongdbg-debugger-app:ro');
    expect(grafana.volumes).toContain('./provisioning:/etc/grafana/provisioning:ro');
  });

  it("has Grafana's data source proxy send the user (X-Grafana-User), which the server believes from the debugger token", () => {
    for (const file of [compose, composeDbless]) {
      expect(file.services.grafana.environment.GF_DATAPROXY_SEND_USER_HEADER).toBe('true');
    }
  });

  it('hands Grafana a debugger token, never an admin one, and has no weak default token', () => {
    const grafana = compose.services.grafana.environment;
    const debuggerEnv = compose.services['kong-debugger'].environment;
    // the one the provisioned data source reads, given to the server as its bootstrap *debugger* token
    expect(dsYaml.secureJsonData.apiToken).toBe('${KONG_DEBUGGER_DEBUGGER_TOKEN}');
    expect(grafana.KONG_DEBUGGER_DEBUGGER_TOKEN).toBe(debuggerEnv.KONG_DEBUGGER_DEBUGGER_TOKEN);
    expect(Object.keys(grafana).filter((k) => k.startsWith('KONG_DEBUGGER_'))).toEqual(['KONG_DEBUGGER_DEBUGGER_TOKEN']);
    // no admin token in the stack: the server makes one on its first start and prints it once
    expect(debuggerEnv.KONG_DEBUGGER_API_TOKEN).toBeUndefined();
    // every token is required (compose stops with the message when unset), none has a default
    const text = read('docker-compose.yml') + read('docker-compose.replicas.yml') + read('docker-compose.dbless.yml');
    expect(text).not.toMatch(/change-me|TOKEN:-/);
    for (const v of [debuggerEnv.KONG_DEBUGGER_DEBUGGER_TOKEN, debuggerEnv.KONG_DEBUGGER_INGEST_TOKEN]) {
      expect(v).toMatch(/^\$\{KONG_DEBUGGER_(DEBUGGER|INGEST)_TOKEN:\?set .*openssl rand -hex 32\}$/);
    }
    // DB-less Kong reads the ingest token for its declarative opentelemetry plugin (kong/kong.yaml) through its env vault;
    // with a database, kong-debugger writes it into the plugin it adds per session
    const dbless = composeDbless.services;
    expect(dbless.kong.environment.KONG_DEBUGGER_INGEST_AUTH).toBe(`Bearer ${dbless['kong-debugger'].environment.KONG_DEBUGGER_INGEST_TOKEN}`);
    expect(dbless['kong-debugger'].environment.KONG_DEBUGGER_INGEST_TOKEN).toBe(debuggerEnv.KONG_DEBUGGER_INGEST_TOKEN);
    expect(dbless.grafana.environment.KONG_DEBUGGER_DEBUGGER_TOKEN).toBe(debuggerEnv.KONG_DEBUGGER_DEBUGGER_TOKEN);
  });

  it("the data source URL and Kong's OTLP endpoints reach the kong-debugger service on its ports", () => {
    const debuggerEnv = composeDbless.services['kong-debugger'].environment;
    expect(dsYaml.jsonData.url).toBe(`http://kong-debugger:${debuggerEnv.KONG_DEBUGGER_PORT}`);
    const otel = kong.plugins.find((p: { name: string }) => p.name === 'opentelemetry');
    expect(otel.config).toMatchObject({
      traces_endpoint: `http://kong-debugger:${debuggerEnv.KONG_DEBUGGER_OTLP_PORT}/v1/traces`,
      logs_endpoint: `http://kong-debugger:${debuggerEnv.KONG_DEBUGGER_OTLP_PORT}/v1/logs`,
    });
    expect(debuggerEnv.KONG_DEBUGGER_HOST).toBe('0.0.0.0');
  });

  it('Kong 3.9 on its PostgreSQL database, driven by kong-debugger: no tracing cost until a session adds its plugin', () => {
    const k = compose.services.kong;
    expect(k.image).toBe('kong:3.9');
    expect(k.environment).toMatchObject({ KONG_DATABASE: 'postgres', KONG_PG_HOST: 'kong-db', KONG_TRACING_INSTRUMENTATIONS: 'all', KONG_TRACING_SAMPLING_RATE: '0' });
    expect(k.environment.KONG_DECLARATIVE_CONFIG).toBeUndefined();
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['kong-db', 'kong-migrations']));
    expect(compose.services['kong-migrations'].command).toContain('kong config db_import /kong/kong-db.yaml');
    expect(k.depends_on['kong-migrations'].condition).toBe('service_completed_successfully');
    const debuggerEnv = compose.services['kong-debugger'].environment;
    expect(debuggerEnv.KONG_DEBUGGER_KONG_ADMIN_URL).toBe(`http://kong:${new URL(`http://${k.environment.KONG_ADMIN_LISTEN}`).port}`);
    expect(debuggerEnv.KONG_DEBUGGER_KONG_OTLP_URL).toBe(`http://kong-debugger:${debuggerEnv.KONG_DEBUGGER_OTLP_PORT}`);
    // the same entities as the DB-less file, but no opentelemetry plugin: sessions add theirs
    expect(kongDb.services).toEqual(kong.services);
    expect(kongDb.plugins.map((p: { name: string }) => p.name)).toEqual(kong.plugins.map((p: { name: string }) => p.name).filter((n: string) => n !== 'opentelemetry'));
  });

  it('the DB-less variant runs Kong 3.9 on the declarative config with every span sampled (sessions: unmanaged)', () => {
    const k = composeDbless.services.kong;
    expect(composeDbless.services['kong-debugger'].environment.KONG_DEBUGGER_KONG_ADMIN_URL).toBe('http://kong:8001');
    expect(k.image).toBe('kong:3.9');
    expect(k.environment).toMatchObject({
      KONG_DATABASE: 'off',
      KONG_DECLARATIVE_CONFIG: '/kong/kong.yaml',
      KONG_TRACING_INSTRUMENTATIONS: 'all',
      KONG_TRACING_SAMPLING_RATE: '1.0',
    });
    expect(k.volumes).toContain('./kong:/kong:ro');
    expect(kong._format_version).toBe('3.0');
    const upstreamHost = new URL(kong.services[0].url).hostname;
    expect(Object.keys(compose.services)).toContain(upstreamHost);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const route of kong.services[0].routes) {
      expect(route.id).toMatch(uuid);
    }
  });
});

describe('docker-compose.replicas.yml (three replicas on PostgreSQL behind nginx)', () => {
  // Compose's `!reset` tag empties what the default file set; for these checks its value is what it tags.
  const keep = <T,>(v: T) => v;
  const reset = [
    { tag: '!reset', collection: 'map' as const, resolve: keep },
    { tag: '!reset', collection: 'seq' as const, resolve: keep },
    { tag: '!reset', resolve: keep },
  ];
  const replicas = parse(read('docker-compose.replicas.yml'), { customTags: reset });
  const nginx = read('provisioning/replicas/nginx.conf');
  const defaultEnv = compose.services['kong-debugger'].environment;

  it("keeps the name Grafana and Kong use for the balancer and listens on the default file's ports", () => {
    const lb = replicas.services['kong-debugger'];
    expect(lb.image).toMatch(/^nginx:/);
    expect(lb.volumes).toEqual(['./provisioning/replicas/nginx.conf:/etc/nginx/nginx.conf:ro']);
    for (const port of [defaultEnv.KONG_DEBUGGER_PORT, defaultEnv.KONG_DEBUGGER_OTLP_PORT]) {
      expect(nginx).toContain(`listen ${port};`);
      expect(nginx).toContain(`proxy_pass http://$replicas:${port};`);
    }
  });

  it('balances over the replica service, which reaches the database service with its credentials and a shared log key', () => {
    expect(nginx).toContain('set $replicas debugger;');
    const dbg = replicas.services.debugger;
    expect(dbg.deploy.replicas).toBeGreaterThanOrEqual(2);
    const pg = replicas.services.postgres.environment;
    const url = new URL(dbg.environment.DATABASE_URL.replace('${POSTGRES_PASSWORD:-debugger}', 'debugger'));
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(pg.POSTGRES_USER);
    expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    // Without one key for all replicas, logs sealed by one could not be read by another: compose refuses to start.
    expect(dbg.environment.KONG_DEBUGGER_KEK).toMatch(/^\$\{KONG_DEBUGGER_KEK:\?/);
    expect(dbg.environment.KONG_DEBUGGER_INGEST_TOKEN).toBe(defaultEnv.KONG_DEBUGGER_INGEST_TOKEN);
    expect(dbg.environment.KONG_DEBUGGER_DEBUGGER_TOKEN).toBe(defaultEnv.KONG_DEBUGGER_DEBUGGER_TOKEN);
    expect(dbg.environment.KONG_DEBUGGER_API_TOKEN).toBeUndefined();
    // one address Kong exports to, whichever replica set the plugin up
    expect(dbg.environment.KONG_DEBUGGER_KONG_ADMIN_URL).toBe(defaultEnv.KONG_DEBUGGER_KONG_ADMIN_URL);
    expect(dbg.environment.KONG_DEBUGGER_KONG_OTLP_URL).toBe(defaultEnv.KONG_DEBUGGER_KONG_OTLP_URL);
  });

  it('lets the receiver, not nginx, refuse oversize bodies and pass 429/503 through unretried', () => {
    const maxMiB = Number(/client_max_body_size (\d+)m;/.exec(nginx)?.[1]);
    expect(maxMiB).toBeGreaterThan(16);
    expect(nginx).toContain('proxy_next_upstream off;');
  });
});
