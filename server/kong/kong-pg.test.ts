import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityList, Session } from '../../common/api';
import { startServer, type RunningServer } from '../app';
import { openPool } from '../store/pg-pool';
import { KongAdminStandIn } from '../testing/kong-admin';
import { getJson, postJson } from '../testing/otlp-builders';
import { createTestDatabase } from '../testing/pg';
import { TracingController } from './controller';
import { GatewayRegistry } from './gateways';
import { PgKongStore } from './kong-store-pg';
import { exportAsOssKong, until } from './testing';

/*
 * Replicas on one PostgreSQL database (the machine's, 127.0.0.1) and one stand-in Kong: the entity list and
 * the change journal are shared, and any replica finishes what a dead one started.
 */

let db: { url: string; drop(): Promise<void> };
let kong: KongAdminStandIn;
const servers: RunningServer[] = [];
const dirs: string[] = [];

beforeEach(async () => {
  db = await createTestDatabase();
  kong = await new KongAdminStandIn({ tracingSamplingRate: 0 }).start();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => undefined)));
  await kong.stop();
  await db.drop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function replica(name: string, kongExtra: object = {}): Promise<RunningServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kdbg-kong-${name}-`));
  dirs.push(dataDir);
  const s = await startServer({
    dataDir,
    databaseUrl: db.url,
    replicaId: name,
    port: 0,
    otlpPort: 0,
    keyProvider: false,
    // replicas share one address Kong exports to (a load balancer); each its own would make them rewrite the plugin
    kong: { gateways: [{ name: 'prod', url: kong.url }], otlpUrl: 'http://kong-debugger-lb:4318', attempts: 2, backoffMs: 5, timeoutMs: 2000, reconcileIntervalMs: 60_000, ...kongExtra },
  });
  servers.push(s);
  return s;
}

const ours = () => kong.plugins().filter((p) => (p.tags ?? []).includes('kong-debugger'));
const snapshot = () => kong.plugins().map(({ updated_at: _u, ...p }) => p);

function shop() {
  const svc = kong.addService({ name: 'orders-svc' });
  const checkout = kong.addRoute({ name: 'checkout', paths: ['/checkout'], service: svc.id });
  kong.addRoute({ name: 'browse', paths: ['/browse'], service: svc.id });
  kong.addPlugin({ name: 'rate-limiting', service: svc.id });
  return { svc, checkout };
}

describe('Kong in the loop on replicas (PostgreSQL)', () => {
  it('every replica lists the same names, also right after a restart, and one replica reads Kong for all', async () => {
    const { checkout } = shop();
    const a = await replica('a');
    const b = await replica('b');
    const listOf = async (s: RunningServer): Promise<EntityList> => (await getJson(`${s.apiUrl}/api/v1/entities`)).body;
    const fromA = await listOf(a);
    expect(fromA.routes.map((r) => r.name)).toEqual(['browse', 'checkout']);
    expect(await listOf(b)).toEqual(fromA);
    // a route added in Kong, refreshed on demand on A, shows on B from the database
    kong.addRoute({ name: 'admin', paths: ['/admin'] });
    await postJson(`${a.apiUrl}/api/v1/entities/refresh`, {});
    expect((await listOf(b)).routes.map((r) => r.name)).toEqual(['admin', 'browse', 'checkout']);
    await b.close();
    servers.splice(servers.indexOf(b), 1);
    await kong.down();
    const b2 = await replica('b');
    expect((await listOf(b2)).routes.find((r) => r.name === 'checkout')).toEqual({ id: checkout.id, name: 'checkout', gateway: 'prod', paths: ['/checkout'], serviceId: checkout.service.id });
    expect(await listOf(b2)).toEqual(await listOf(a));
  });

  it('a session started on one replica is set up once, its traces reach any replica, and a stop on another puts Kong back', async () => {
    const { checkout } = shop();
    const before = snapshot();
    const a = await replica('a');
    const b = await replica('b');
    const created = await postJson(`${a.apiUrl}/api/v1/sessions`, { rule: { type: 'basic', routeIds: [checkout.id] }, durationSeconds: 300 });
    const session: Session = created.body;
    expect(session.tracing!.mode).toBe('route-scoped');
    // B's periodic pass changes nothing: one plugin, no write
    const writes = kong.requests.filter((r) => r.method !== 'GET').length;
    await b.kong!.reconcileNow();
    expect(ours()).toHaveLength(1);
    expect(kong.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
    expect((await getJson(`${b.apiUrl}/api/v1/sessions/${session.id}`)).body.tracing.mode).toBe('route-scoped');
    // Kong exports to B's receiver (a load balancer would pick either); the session catches it
    const config = { ...ours()[0].config, traces_endpoint: `${b.otlpUrl}/v1/traces` };
    expect((await exportAsOssKong(config)).status).toBe(200);
    await until('captured', async () => (await getJson(`${a.apiUrl}/api/v1/sessions/${session.id}`)).body.traceCount === 1);
    // the ids the plugin put in the resource make the route filter work on OSS traces
    const listed = (await getJson(`${b.apiUrl}/api/v1/sessions/${session.id}/traces?routeId=${checkout.id}`)).body.traces;
    expect(listed.map((t: { routeId?: string; serviceId?: string; dialect: string }) => [t.routeId, t.serviceId, t.dialect])).toEqual([[checkout.id, checkout.service.id, 'oss']]);
    await postJson(`${b.apiUrl}/api/v1/sessions/${session.id}/stop`, {});
    await until('restored', () => ours().length === 0);
    expect(snapshot()).toEqual(before);
  });

  it('a replica dying in the middle of a change (the answer lost) leaves a journal another replica finishes and undoes', async () => {
    const { checkout } = shop();
    const before = snapshot();
    const b = await replica('b');
    const a = await replica('a', { attempts: 1 }); // no retry: the lost answer is the last thing A sees
    kong.loseAnswers = 1;
    const created = await postJson(`${a.apiUrl}/api/v1/sessions`, { rule: { type: 'basic', routeIds: [checkout.id] }, durationSeconds: 300 });
    const session: Session = created.body;
    expect(created.status).toBe(201);
    // Kong made the change but A never heard: A reports it as not (yet) applied
    expect(session.tracing).toMatchObject({ mode: 'unmanaged', message: expect.stringMatching(/retrying/) });
    expect(ours()).toHaveLength(1);
    // A dies (close() does nothing to Kong or the journal, as kill -9; PostgreSQL drops its lock with its connections)
    await a.close();
    servers.splice(servers.indexOf(a), 1);
    // B's pass adopts the change (the plugin id was journalled before the call) ...
    await b.kong!.reconcileNow();
    expect(ours()).toHaveLength(1);
    expect((await getJson(`${b.apiUrl}/api/v1/sessions/${session.id}`)).body.tracing.mode).toBe('route-scoped');
    // ... and undoes it when the session ends
    await postJson(`${b.apiUrl}/api/v1/sessions/${session.id}/stop`, {});
    await until('restored', () => ours().length === 0);
    expect(snapshot()).toEqual(before);
  });

  it('nobody left running: a session whose time is over is undone by the next pass of any replica (start-up included)', async () => {
    const { checkout } = shop();
    const before = snapshot();
    const pool = openPool(db.url, 2);
    try {
      const store = await PgKongStore.open(pool);
      await store.replaceEntities('prod', [{ gateway: 'prod', kind: 'route', id: checkout.id, name: 'checkout' }], Date.now());
      const t0 = Date.UTC(2026, 0, 1);
      const session: Session = {
        id: 's-1',
        name: 's',
        rule: { type: 'basic', routeIds: [checkout.id] },
        status: 'in_progress', // as a crashed server left it: nobody marked it timed out
        durationSeconds: 60,
        maxTraces: 10,
        captureLogs: false,
        traceCount: 0,
        logCount: 0,
        createdAt: new Date(t0).toISOString(),
        endsAt: new Date(t0 + 60_000).toISOString(),
      };
      let now = t0 + 1000;
      const controller = (clock: () => number) =>
        new TracingController({ store, gateways: new GatewayRegistry({ specs: [{ name: 'prod', url: kong.url }], attempts: 1 }), target: { otlpUrl: 'http://debugger:4318' }, listSessions: async () => [session], now: clock });
      await controller(() => now).reconcile();
      expect(ours()).toHaveLength(1);
      expect((await store.openChanges()).map((c) => [c.state, c.sessions])).toEqual([['applied', ['s-1']]]);
      now = t0 + 61_000; // its end passed while every replica was down
      await controller(() => now).reconcile();
      expect(ours()).toEqual([]);
      expect(await store.openChanges()).toEqual([]);
      expect(snapshot()).toEqual(before);
    } finally {
      await pool.end();
    }
  });
});
