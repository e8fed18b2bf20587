import { KongAdminStandIn } from '../testing/kong-admin';
import { KongAdminClient, KongAdminError } from './admin-client';
import { parseGatewaySpecs, statusFromInfo } from './gateways';

let kong: KongAdminStandIn;
afterEach(async () => kong?.stop());

const fast = { attempts: 3, backoffMs: 5, timeoutMs: 2000 };

async function failure(p: Promise<unknown>): Promise<KongAdminError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KongAdminError);
    return e as KongAdminError;
  }
  throw new Error('expected a failure');
}

describe('KongAdminClient', () => {
  it('follows `next` through every page, in a workspace, and the pages are what Kong would send', async () => {
    kong = await new KongAdminStandIn({ workspaces: ['team-a'] }).start();
    for (let i = 0; i < 7; i++) kong.addRoute({ name: `r${i}`, paths: [`/r${i}`] }, 'team-a');
    kong.addRoute({ name: 'in-default' });
    const c = new KongAdminClient({ url: kong.url, workspace: 'team-a', ...fast });
    const all = await c.list<{ name: string }>('/routes', 3);
    expect(all.map((r) => r.name)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    const gets = kong.requests.map((r) => r.path);
    expect(gets[0]).toBe('/team-a/routes?size=3');
    expect(gets[1]).toMatch(/^\/team-a\/routes\?offset=[^&]+&size=3$/);
    expect(gets).toHaveLength(3);
    // the raw page: data, next (no workspace prefix, as Kong builds it), offset
    const page: any = await (await fetch(`${kong.url}/team-a/routes?size=3`)).json();
    expect(page.next).toMatch(/^\/routes\?offset=.+&size=3$/);
    expect(typeof page.offset).toBe('string');
    const last: any = await (await fetch(`${kong.url}/team-a/routes?size=100`)).json();
    expect(last.next).toBeNull();
    // nested lists carry no size in next (endpoints.lua), so the client keeps following
    const r = kong.addRoute({ name: 'with-plugins' });
    for (let i = 0; i < 3; i++) kong.addPlugin({ name: i === 0 ? 'opentelemetry' : i === 1 ? 'key-auth' : 'rate-limiting', route: r.id, config: i === 0 ? { traces_endpoint: 'http://x/v1/traces' } : {} });
    const dc = new KongAdminClient({ url: kong.url, ...fast });
    expect((await dc.list(`/routes/${r.id}/plugins`, 1)).length).toBe(3);
    expect(((await (await fetch(`${kong.url}/routes/${r.id}/plugins?size=1`)).json()) as any).next).toMatch(new RegExp(`^/routes/${r.id}/plugins\\?offset=[^&]+$`));
  });

  it("classifies Kong's error answers: 400 schema, 404, 409 unique, 405 DB-less, 401, 403", async () => {
    kong = await new KongAdminStandIn().start();
    const c = new KongAdminClient({ url: kong.url, ...fast });
    const route = kong.addRoute({ name: 'checkout', paths: ['/checkout'] });
    const bad = await failure(c.post(`/routes/${route.id}/plugins`, { name: 'opentelemetry', config: { sampling_rate: 2 } }));
    expect(bad.kind).toBe('invalid');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      code: 2,
      name: 'schema violation',
      message: "2 schema violations (at least one of these fields must be non-empty: 'config.traces_endpoint', 'config.logs_endpoint'; config.sampling_rate: value should be between 0 and 1)",
      fields: { '@entity': ["at least one of these fields must be non-empty: 'config.traces_endpoint', 'config.logs_endpoint'"], config: { sampling_rate: 'value should be between 0 and 1' } },
    });
    expect((await failure(c.get('/routes/nope'))).body).toEqual({ message: 'Not found' });
    expect((await failure(c.post('/routes/nope/plugins', { name: 'opentelemetry' }))).kind).toBe('not_found');
    await c.post(`/routes/${route.id}/plugins`, { name: 'opentelemetry', config: { traces_endpoint: 'http://d:4318/v1/traces' } });
    const dup = await failure(c.post('/routes/checkout/plugins', { name: 'opentelemetry', config: { traces_endpoint: 'http://d:4318/v1/traces' } }));
    expect(dup.kind).toBe('conflict');
    expect(dup.body).toMatchObject({ code: 5, name: 'unique constraint violation', message: expect.stringContaining(`route={id="${route.id}"}`) });
    const fk = await failure(c.post('/plugins', { name: 'opentelemetry', route: { id: '5f1b7a10-0000-4000-8000-000000000000' }, config: { traces_endpoint: 'http://d/v1/traces' } }));
    expect(fk.body).toMatchObject({ code: 4, name: 'foreign key violation' });
    await kong.stop();

    kong = await new KongAdminStandIn({ database: 'off' }).start();
    const off = new KongAdminClient({ url: kong.url, ...fast });
    const ro = await failure(off.post('/plugins', { name: 'opentelemetry', config: { traces_endpoint: 'http://d/v1/traces' } }));
    expect(ro.kind).toBe('read_only');
    expect(ro.body).toEqual({ code: 12, name: 'operation unsupported', message: "cannot create 'plugins' entities when not using a database" });
    expect((await off.info()).configuration?.database).toBe('off');
    await kong.stop();

    kong = await new KongAdminStandIn({ token: 'admin-secret', readOnlyToken: 'reader' }).start();
    expect((await failure(new KongAdminClient({ url: kong.url, ...fast }).info())).kind).toBe('unauthorized');
    expect((await failure(new KongAdminClient({ url: kong.url, token: 'wrong', ...fast }).list('/routes'))).status).toBe(401);
    const reader = new KongAdminClient({ url: kong.url, token: 'reader', ...fast });
    expect(await reader.list('/routes')).toEqual([]);
    expect((await failure(reader.post('/plugins', { name: 'opentelemetry' }))).kind).toBe('forbidden');
    expect((await new KongAdminClient({ url: kong.url, token: 'admin-secret', ...fast }).info()).version).toBe('3.9.1');
  });

  it('retries 5xx and refused connections with backoff, and gives up with a clear message', async () => {
    kong = await new KongAdminStandIn().start();
    const c = new KongAdminClient({ url: kong.url, ...fast });
    kong.failNext = { count: 2, status: 503 };
    expect((await c.info()).version).toBe('3.9.1');
    expect(kong.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    kong.failNext = { count: 5, status: 500 };
    const e = await failure(c.info());
    expect(e.kind).toBe('server');
    expect(e.transient).toBe(true);
    await kong.down();
    const down = await failure(c.info());
    expect(down.kind).toBe('unreachable');
    expect(down.message).toMatch(/unreachable \(ECONNREFUSED\)/);
    await kong.up();
    expect((await c.info()).version).toBe('3.9.1');
  });
});

describe('gateways', () => {
  it('parses NAME=URL and bare URLs, refusing bad ones', () => {
    expect(parseGatewaySpecs(['http://kong:8001/', 'prod=https://kong-admin:8001'])).toEqual([
      { name: 'default', url: 'http://kong:8001' },
      { name: 'prod', url: 'https://kong-admin:8001' },
    ]);
    expect(() => parseGatewaySpecs(['kong:8001'])).toThrow(/only http and https/);
    expect(() => parseGatewaySpecs(['not a url'])).toThrow(/not a URL/);
    expect(() => parseGatewaySpecs(['a=http://x', 'a=http://y'])).toThrow(/given twice/);
  });

  it('reads DB-less, data planes and old Kong from GET / as read-only, with the reason', () => {
    const spec = { name: 'k', url: 'http://k' };
    const info = (conf: Record<string, unknown>, version = '3.9.1') => ({ version, configuration: conf, plugins: { available_on_server: { opentelemetry: {} } } });
    expect(statusFromInfo(spec, undefined, info({ database: 'postgres', tracing_instrumentations: ['all'], tracing_sampling_rate: 0 }), 0)).toMatchObject({
      reachable: true,
      database: 'postgres',
      tracingInstrumentations: 'all',
      tracingSamplingRate: 0,
      readOnlyReason: undefined,
    });
    expect(statusFromInfo(spec, undefined, info({ database: 'off' }), 0).readOnlyReason).toMatch(/DB-less \(database = off\)/);
    expect(statusFromInfo(spec, undefined, info({ database: 'off', role: 'data_plane' }), 0).readOnlyReason).toMatch(/data plane/);
    expect(statusFromInfo(spec, undefined, info({ database: 'postgres' }, '2.8.4'), 0).readOnlyReason).toMatch(/needs Kong 3.0/);
    expect(statusFromInfo(spec, undefined, { version: '3.9.1', configuration: { database: 'postgres' }, plugins: { available_on_server: { 'key-auth': {} } } }, 0).readOnlyReason).toMatch(
      /does not load the opentelemetry plugin/,
    );
  });
});
