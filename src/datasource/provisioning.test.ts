/**
 * Consistency of the deployment files the plugin depends on (they cannot be run here: no Docker, no Grafana):
 * provisioning, the dashboard, docker-compose.yml and Kong's declarative config must agree with the plugin ids,
 * the data source's query model and each other.
 */
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { QUERY_TYPES } from './types';

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

  it('the data source proxies every method to <url>/api with the bearer token', () => {
    const ds = JSON.parse(read('src/datasource/plugin.json'));
    expect(ds).toMatchObject({ logs: true, tracing: true, metrics: false, category: 'tracing' });
    expect(ds.routes.map((r: { method: string }) => r.method).sort()).toEqual(['DELETE', 'GET', 'POST']);
    for (const route of ds.routes) {
      expect(route).toMatchObject({
        path: 'api',
        url: '{{ .JsonData.url }}/api',
        headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }],
      });
    }
  });
});

describe('provisioning', () => {
  it('enables the app and provisions the data source with the token from the environment', () => {
    expect(yaml('provisioning/plugins/apps.yaml').apps[0]).toMatchObject({ type: 'kongdbg-debugger-app', disabled: false });
    expect(dsYaml).toMatchObject({
      type: 'kongdbg-debugger-datasource',
      uid: 'kong-debugger',
      access: 'proxy',
      jsonData: { url: 'http://kong-debugger:8080' },
      secureJsonData: { apiToken: '${KONG_DEBUGGER_API_TOKEN}' },
    });
    const provider = yaml('provisioning/dashboards/dashboards.yaml').providers[0];
    expect(provider.options.path).toBe('/etc/grafana/provisioning/dashboards/json');
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
    expect(grafana.environment.KONG_DEBUGGER_API_TOKEN).toBe(compose.services['kong-debugger'].environment.KONG_DEBUGGER_API_TOKEN);
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
    expect(dbg.environment.KONG_DEBUGGER_API_TOKEN).toBe(defaultEnv.KONG_DEBUGGER_API_TOKEN);
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
