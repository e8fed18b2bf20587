import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityList, Health, Session } from '../../common/api';
import { startServer, type RunningServer } from '../app';
import { KongAdminStandIn } from '../testing/kong-admin';
import { getJson, postJson } from '../testing/otlp-builders';
import { exportAsOssKong, until } from './testing';

/*
 * Kong in the loop through the whole server (SQLite): the stand-in Admin API plays Kong, and Kong's
 * exporter is played by exportAsOssKong with the plugin config the server put into the stand-in.
 */

let kong: KongAdminStandIn;
let server: RunningServer | undefined;
let dataDir: string;
jest.setTimeout(20_000);
const fast = { attempts: 2, backoffMs: 5, timeoutMs: 2000, reconcileIntervalMs: 60_000 };

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-kong-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await kong?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(extra: object = {}): Promise<RunningServer> {
  server = await startServer({ dataDir, port: 0, otlpPort: 0, keyProvider: false, kong: { gateways: [{ name: 'default', url: kong.url }], ...fast, ...extra } });
  return server;
}

async function createSession(s: RunningServer, body: object): Promise<Session> {
  const res = await postJson(`${s.apiUrl}/api/v1/sessions`, { durationSeconds: 300, ...body });
  expect(res.status).toBe(201);
  return res.body;
}

const ours = (k: KongAdminStandIn) => k.plugins().filter((p) => (p.tags ?? []).includes('kong-debugger'));
/** Kong's plugins as an operator compares them: everything but updated_at (Kong moves it on every PATCH) */
const snapshot = (k: KongAdminStandIn) => k.plugins().map(({ updated_at: _u, ...p }) => p);

function shop(k: KongAdminStandIn) {
  const orders = k.addService({ name: 'orders-svc', host: 'orders.internal' });
  const payments = k.addService({ name: 'payments-svc' });
  const checkout = k.addRoute({ name: 'checkout', paths: ['/checkout'], service: orders.id, tags: ['shop'] });
  const browse = k.addRoute({ name: 'browse', paths: ['/browse'], service: orders.id });
  const pay = k.addRoute({ paths: ['/pay'], service: payments.id });
  k.addConsumer({ username: 'alice' });
  k.addPlugin({ name: 'key-auth', route: checkout.id });
  return { orders, payments, checkout, browse, pay };
}

describe('Kong in the loop (SQLite server)', () => {
  it("lists Kong's names, says what it found in /health, and keeps the list across a restart", async () => {
    kong = await new KongAdminStandIn({ tracingSamplingRate: 0 }).start();
    const { checkout, orders, pay } = shop(kong);
    for (let i = 0; i < 1100; i++) kong.addRoute({ name: `bulk-${String(i).padStart(4, '0')}`, paths: [`/b${i}`] }); // more than one page of 1000
    const s = await start();
    const health: Health = (await getJson(`${s.apiUrl}/api/v1/health`)).body;
    expect(health.kong).toEqual([
      expect.objectContaining({ name: 'default', url: kong.url, reachable: true, version: '3.9.1', database: 'postgres', tracingInstrumentations: 'all', tracingSamplingRate: 0 }),
    ]);
    expect(health.kong![0].readOnlyReason).toBeUndefined();
    const list: EntityList = (await getJson(`${s.apiUrl}/api/v1/entities`)).body;
    expect(list.routes).toHaveLength(1103);
    expect(list.routes.find((r) => r.id === checkout.id)).toEqual({ id: checkout.id, name: 'checkout', gateway: 'default', paths: ['/checkout'], serviceId: orders.id, tags: ['shop'] });
    expect(list.routes.find((r) => r.id === pay.id)).toEqual({ id: pay.id, gateway: 'default', paths: ['/pay'], serviceId: pay.service.id });
    expect(list.services.map((x) => x.name)).toEqual(['orders-svc', 'payments-svc']);
    expect(list.consumers.map((x) => x.name)).toEqual(['alice']);
    expect(kong.requests.filter((r) => r.path.startsWith('/routes')).length).toBe(2); // followed `next` once

    // on demand: a route added in Kong shows after a refresh
    kong.addRoute({ name: 'new-one', paths: ['/new'] });
    expect((await postJson(`${s.apiUrl}/api/v1/entities/refresh`, {})).body).toEqual({ gateways: [{ gateway: 'default' }] });
    expect((await getJson(`${s.apiUrl}/api/v1/entities`)).body.routes.some((r: { name?: string }) => r.name === 'new-one')).toBe(true);

    // a restart with Kong unreachable still lists them (from the database)
    await s.close();
    await kong.down();
    const again = await start();
    const after: EntityList = (await getJson(`${again.apiUrl}/api/v1/entities`)).body;
    expect(after.routes).toHaveLength(1104);
    expect((await getJson(`${again.apiUrl}/api/v1/health`)).body.kong[0]).toMatchObject({ reachable: false, error: expect.stringMatching(/unreachable/) });
  });

  it("tells Kong's Admin URL, version and errors only to a caller with a reader's token (health itself is open)", async () => {
    kong = await new KongAdminStandIn().start();
    server = await startServer({ dataDir, port: 0, otlpPort: 0, keyProvider: false, auth: 'tokens', apiToken: 'health-admin-secret-0123456789abcdef', ingestToken: 'health-ingest-secret-0123456789abcdef', kong: { gateways: [{ name: 'default', url: kong.url }], ...fast } });
    const open = await getJson(`${server.apiUrl}/api/v1/health`);
    expect(open.status).toBe(200);
    expect(open.body.kong).toEqual([{ name: 'default', reachable: true }]);
    const wrong = await getJson(`${server.apiUrl}/api/v1/health`, { authorization: 'Bearer not-a-token' });
    expect(wrong.body.kong).toEqual([{ name: 'default', reachable: true }]);
    const ingest = await getJson(`${server.apiUrl}/api/v1/health`, { authorization: 'Bearer health-ingest-secret-0123456789abcdef' });
    expect(ingest.body.kong).toEqual([{ name: 'default', reachable: true }]);
    const reader = await getJson(`${server.apiUrl}/api/v1/health`, { authorization: 'Bearer health-admin-secret-0123456789abcdef' });
    expect(reader.body.kong[0]).toMatchObject({ name: 'default', url: kong.url, reachable: true, version: '3.9.1' });
  });

  it('removes plugins of ours that no journal accounts for (a replaced database) at start-up, and only those', async () => {
    kong = await new KongAdminStandIn().start();
    const { checkout, browse } = shop(kong);
    kong.addPlugin({ name: 'opentelemetry', route: checkout.id, tags: ['kong-debugger', 'session:gone'], config: { traces_endpoint: 'http://old/v1/traces', sampling_rate: 1 } });
    const patched = kong.addPlugin({ name: 'opentelemetry', route: browse.id, tags: ['team-x', 'kong-debugger'], config: { traces_endpoint: 'http://old/v1/traces' } });
    await start();
    expect(kong.plugins().filter((p) => p.name === 'opentelemetry').map((p) => p.id)).toEqual([patched.id]);
    expect(kong.requests.some((r) => r.path === '/plugins?tags=kong-debugger&size=1000')).toBe(true);
  });

  it('a basic route session adds a route-scoped plugin, catches the OSS traces it exports, and puts Kong back exactly on stop', async () => {
    kong = await new KongAdminStandIn({ tracingSamplingRate: 0 }).start();
    const { checkout, orders } = shop(kong);
    const before = snapshot(kong);
    const s = await start();
    const session = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] } });
    expect(session.tracing).toMatchObject({ mode: 'route-scoped', gateways: [{ gateway: 'default', mode: 'route-scoped', scopes: [{ scope: 'route', id: checkout.id, name: 'checkout' }] }] });
    expect(session.tracing!.manualConfig).toBeUndefined();
    expect(session.tracing!.notCaptured.join('\n')).toMatch(/priority above 14.*tracing_sampling_rate \(0\)/);
    const [plugin] = ours(kong);
    expect(plugin).toMatchObject({
      name: 'opentelemetry',
      route: { id: checkout.id },
      service: null,
      enabled: true,
      tags: ['kong-debugger', `session:${session.id}`],
      config: {
        traces_endpoint: `${s.otlpUrl}/v1/traces`,
        logs_endpoint: null,
        sampling_rate: 1,
        resource_attributes: { 'proxy.kong.route.id': checkout.id, 'proxy.kong.service.id': orders.id, 'kong_debugger.sessions': session.id },
      },
    });
    // what Kong exports with that config: OSS spans without ids, the ids in the resource
    expect((await exportAsOssKong(plugin.config)).status).toBe(200);
    await until('the trace in the session', async () => (await getJson(`${s.apiUrl}/api/v1/sessions/${session.id}`)).body.traceCount === 1);
    const traces = (await getJson(`${s.apiUrl}/api/v1/sessions/${session.id}/traces?routeId=${checkout.id}`)).body.traces;
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ routeId: checkout.id, serviceId: orders.id, dialect: 'oss' });

    expect((await postJson(`${s.apiUrl}/api/v1/sessions/${session.id}/stop`, {})).status).toBe(200);
    await until('Kong restored', () => ours(kong).length === 0);
    expect(snapshot(kong)).toEqual(before);
  });

  it('patches an opentelemetry plugin already on the route and restores its exact config (no duplicate)', async () => {
    kong = await new KongAdminStandIn().start();
    const { checkout } = shop(kong);
    const theirs = kong.addPlugin({
      name: 'opentelemetry',
      route: checkout.id,
      enabled: false,
      tags: ['team-x'],
      config: { traces_endpoint: 'http://jaeger:4318/v1/traces', headers: { 'X-Team': 'x' }, sampling_rate: 0.25, queue: { max_batch_size: 50 } },
    });
    const before = snapshot(kong);
    const s = await start();
    const session = await createSession(s, { rule: { type: 'basic', routeIds: ['checkout'] }, captureLogs: true }); // a name: unknown as an id
    expect(session.tracing!.mode).toBe('unmanaged'); // the API takes ids; names are resolved by the CLI and the UI
    await s.sessions.stop(session.id);
    const byId = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] }, captureLogs: true });
    expect(byId.tracing!.mode).toBe('route-scoped');
    expect(byId.tracing!.notCaptured.join('\n')).toMatch(/already there exports to the debugger/);
    const otel = kong.plugins().filter((p) => p.name === 'opentelemetry');
    expect(otel).toHaveLength(1);
    expect(otel[0]).toMatchObject({
      id: theirs.id,
      enabled: true,
      tags: ['team-x', 'kong-debugger', `session:${byId.id}`],
      config: { traces_endpoint: `${s.otlpUrl}/v1/traces`, logs_endpoint: `${s.otlpUrl}/v1/logs`, sampling_rate: 1, headers: null, queue: { max_batch_size: 50 } },
    });
    await s.sessions.delete(byId.id);
    await until('restored', () => kong.plugins().find((p) => p.id === theirs.id)?.config.traces_endpoint === 'http://jaeger:4318/v1/traces');
    expect(snapshot(kong)).toEqual(before);
  });

  it('shares one plugin between sessions on one route, and removes it after the last (cap reached, delete)', async () => {
    kong = await new KongAdminStandIn().start();
    const { checkout, orders } = shop(kong);
    const before = snapshot(kong);
    const s = await start();
    const a = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] }, maxTraces: 1 });
    const b = await createSession(s, { rule: { type: 'basic', serviceIds: [orders.id] } });
    expect(b.tracing).toMatchObject({ mode: 'service-scoped', gateways: [{ scopes: [{ scope: 'service', id: orders.id, name: 'orders-svc' }] }] });
    expect(ours(kong).map((p) => [p.route?.id ?? null, p.service?.id ?? null, p.tags])).toEqual([
      [checkout.id, null, ['kong-debugger', `session:${a.id}`]],
      [null, orders.id, ['kong-debugger', `session:${b.id}`]],
    ]);
    const c = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] } });
    const onRoute = ours(kong).find((p) => p.route?.id === checkout.id)!;
    expect(onRoute.tags).toEqual(['kong-debugger', ...[a.id, c.id].sort().map((id) => `session:${id}`)]);
    // a's cap: one trace from the route's plugin completes it; the plugin stays for c
    expect((await exportAsOssKong(onRoute.config)).status).toBe(200);
    await until('a completed', async () => (await s.sessions.get(a.id)).status === 'completed');
    await until('a untagged', () => ours(kong).find((p) => p.route?.id === checkout.id)?.tags?.join() === `kong-debugger,session:${c.id}`);
    await s.sessions.delete(c.id);
    expect(ours(kong).map((p) => p.service?.id)).toEqual([orders.id]);
    await s.sessions.stop(b.id);
    await until('all removed', () => ours(kong).length === 0);
    expect(snapshot(kong)).toEqual(before);
  });

  it('advanced rules: limited to a route by the expression → route-scoped; otherwise one global plugin, with what it cannot see', async () => {
    kong = await new KongAdminStandIn({ tracingSamplingRate: 0.01 }).start();
    const { checkout, pay } = shop(kong);
    kong.addPlugin({ name: 'opentelemetry', route: pay.id, config: { traces_endpoint: 'http://jaeger/v1/traces' } });
    const s = await start();
    const narrow = await createSession(s, { rule: { type: 'advanced', expression: `proxy.kong.route.id == "${checkout.id}" && http.response.status_code >= 500` } });
    expect(narrow.tracing!.mode).toBe('route-scoped');
    const wide = await createSession(s, { rule: { type: 'advanced', expression: 'http.response.status_code == 401' } });
    expect(wide.tracing!.mode).toBe('global');
    const global = ours(kong).find((p) => !p.route && !p.service)!;
    expect(global.config.resource_attributes).toEqual({ 'kong_debugger.sessions': wide.id });
    const nc = wide.tracing!.notCaptured.join('\n');
    expect(nc).toMatch(/no route \(404\).*tracing_sampling_rate \(0.01\)/);
    expect(nc).toMatch(/priority above 14/);
    expect(nc).toContain(`route ${pay.id} has its own opentelemetry plugin`);
    // a 401 the global plugin exported (sampled globally) reaches the session by its rule
    expect((await exportAsOssKong(global.config, { status: 401 })).status).toBe(200);
    await until('caught', async () => (await s.sessions.get(wide.id)).traceCount === 1);
  });

  it('DB-less Kong: the session starts unmanaged, says why and gives the YAML to add', async () => {
    kong = await new KongAdminStandIn({ database: 'off' }).start();
    const { checkout } = shop(kong);
    const s = await start();
    expect((await getJson(`${s.apiUrl}/api/v1/health`)).body.kong[0].readOnlyReason).toMatch(/DB-less/);
    expect((await getJson(`${s.apiUrl}/api/v1/entities`)).body.routes.map((r: { name?: string }) => r.name)).toEqual(['browse', 'checkout', undefined]);
    const session = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] } });
    expect(session.status).toBe('in_progress');
    expect(session.tracing).toMatchObject({ mode: 'unmanaged', message: expect.stringMatching(/DB-less \(database = off\).*405.*declarative configuration/) });
    expect(session.tracing!.manualConfig).toBe(
      [
        '# Kong 3.8+ declarative config (kong.yml); Kong 3.6/3.7: "endpoint" instead of traces_endpoint, no logs_endpoint',
        'plugins:',
        '- name: opentelemetry',
        '  route: checkout',
        `  tags: [kong-debugger, "session:${session.id}"]`,
        '  config:',
        `    traces_endpoint: ${s.otlpUrl}/v1/traces`,
        '    sampling_rate: 1',
        '    resource_attributes:',
        `      proxy.kong.route.id: ${checkout.id}`,
        '',
      ].join('\n'),
    );
    expect(kong.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('Kong answering 405 to writes (declared postgres) and 401/403 tokens: unmanaged with the reason, nothing crashes', async () => {
    kong = await new KongAdminStandIn({ token: 'admin', readOnlyToken: 'reader' }).start();
    const { checkout } = shop(kong);
    let s = await start({ token: 'reader' });
    const ro = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] } });
    expect(ro.tracing).toMatchObject({ mode: 'unmanaged', message: expect.stringMatching(/may not manage plugins.*\(403\)/) });
    expect(ro.tracing!.manualConfig).toContain('route: checkout');
    await s.close();
    s = await start({ token: 'nope' });
    expect((await getJson(`${s.apiUrl}/api/v1/health`)).body.kong[0].error).toMatch(/401/);
    const unauth = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] } });
    expect(unauth.tracing).toMatchObject({ mode: 'unmanaged', message: expect.stringMatching(/401|Admin API token/) });
    expect(ours(kong)).toEqual([]);
  });

  it('a session that times out (10 s, the shortest) has its plugin removed at once', async () => {
    kong = await new KongAdminStandIn().start();
    const { checkout } = shop(kong);
    const before = snapshot(kong);
    const s = await start();
    const session = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] }, durationSeconds: 10 });
    expect(ours(kong)).toHaveLength(1);
    await until('timed out', async () => (await s.sessions.get(session.id)).status === 'timed_out', 15_000);
    await until('Kong restored', () => ours(kong).length === 0, 3000);
    expect(snapshot(kong)).toEqual(before);
  });

  it('a slow Admin API does not hold the session start: it answers at once and the set-up follows', async () => {
    kong = await new KongAdminStandIn().start();
    const { checkout } = shop(kong);
    const s = await start({ startWaitMs: 200 });
    kong.delayMs = 400;
    const session = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] } });
    expect(ours(kong)).toEqual([]); // answered before Kong had the plugin
    expect(session.tracing).toMatchObject({ mode: 'unmanaged', message: expect.stringMatching(/slow to answer.*background/) });
    await until('set up', async () => (await s.sessions.get(session.id)).tracing?.mode === 'route-scoped', 15_000);
    expect(ours(kong)).toHaveLength(1);
  });

  it('Kong down then back: the session starts unmanaged and is set up when Kong answers; a stop while down is undone later', async () => {
    kong = await new KongAdminStandIn().start();
    const { checkout } = shop(kong);
    const before = snapshot(kong);
    const s = await start();
    await kong.down();
    const session = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] } });
    expect(session.tracing).toMatchObject({ mode: 'unmanaged', message: expect.stringMatching(/unreachable.*retrying/) });
    await kong.up();
    await s.kong!.reconcileNow();
    expect((await s.sessions.get(session.id)).tracing!.mode).toBe('route-scoped');
    expect(ours(kong)).toHaveLength(1);
    await kong.down();
    await s.sessions.stop(session.id);
    await s.kong!.reconcileNow();
    await kong.up();
    expect(ours(kong)).toHaveLength(1); // still there: Kong was down
    await s.kong!.reconcileNow();
    expect(ours(kong)).toEqual([]);
    expect(snapshot(kong)).toEqual(before);
  });

  it('older Kong gets the fields it knows: 3.7 the `endpoint` field, 3.5 no sampling_rate (and the session says so)', async () => {
    kong = await new KongAdminStandIn({ version: '3.7.1', tracingSamplingRate: 0.01 }).start();
    let { checkout } = shop(kong);
    let s = await start();
    const a = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] }, captureLogs: true });
    expect(a.tracing!.mode).toBe('route-scoped');
    expect(ours(kong)[0].config).toMatchObject({ endpoint: `${s.otlpUrl}/v1/traces`, sampling_rate: 1 });
    expect(ours(kong)[0].config).not.toHaveProperty('traces_endpoint');
    await s.close();
    server = undefined;
    await kong.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });

    kong = await new KongAdminStandIn({ version: '3.5.0', tracingSamplingRate: 0.01 }).start();
    ({ checkout } = shop(kong));
    s = await start();
    const b = await createSession(s, { rule: { type: 'basic', routeIds: [checkout.id] } });
    expect(b.tracing!.mode).toBe('route-scoped');
    expect(ours(kong)[0].config).not.toHaveProperty('sampling_rate');
    expect(b.tracing!.notCaptured.join('\n')).toMatch(/3\.5\.0 has no per-plugin sampling_rate \(3\.6\+\).*tracing_sampling_rate \(0\.01\)/);
  });
});
