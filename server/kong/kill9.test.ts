import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Session } from '../../common/api';
import { startServer, type RunningServer } from '../app';
import { KongAdminStandIn } from '../testing/kong-admin';
import { getJson, postJson } from '../testing/otlp-builders';
import { createTestDatabase } from '../testing/pg';
import { until } from './testing';

/*
 * A real `kill -9` of a server process in the middle of a session (PostgreSQL shared with a second replica in
 * this process): Kong keeps the set-up while the session runs, and the survivor undoes it when the session ends.
 */

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'kong-debugger.js');
jest.setTimeout(90_000);

let db: { url: string; drop(): Promise<void> };
let kong: KongAdminStandIn;
let child: ChildProcess | undefined;
let survivor: RunningServer | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  kong = await new KongAdminStandIn({ tracingSamplingRate: 0 }).start();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await survivor?.close();
  await kong.stop();
  await db.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const ours = () => kong.plugins().filter((p) => (p.tags ?? []).includes('kong-debugger'));

it('kill -9 mid-session: the plugin stays while the session runs, and another replica removes it when it ends', async () => {
  const svc = kong.addService({ name: 'orders' });
  const route = kong.addRoute({ name: 'checkout', paths: ['/checkout'], service: svc.id });
  const before = kong.plugins();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-kill9-'));
  dirs.push(dir);
  const env = { KONG_DEBUGGER_KONG_ADMIN_URL: `prod=${kong.url}`, KONG_DEBUGGER_KONG_OTLP_URL: 'http://lb:4318', DATABASE_URL: db.url, KONG_DEBUGGER_KEK: Buffer.alloc(32, 7).toString('base64') };
  child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--otlp-port', '0', '--data-dir', dir, '--auth', 'none', '--replica-id', 'doomed'], { env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const apiUrl = await until('the child server', () => /REST API\s+(\S+)\/api\/v1/.exec(out)?.[1], 60_000);
  const created = await postJson(`${apiUrl}/api/v1/sessions`, { rule: { type: 'basic', routeIds: [route.id] }, durationSeconds: 300 });
  expect(created.status).toBe(201);
  const session: Session = created.body;
  expect(session.tracing!.mode).toBe('route-scoped');
  expect(ours()).toHaveLength(1);

  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  child = undefined;

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-kill9-b-'));
  dirs.push(dataDir);
  survivor = await startServer({
    dataDir,
    databaseUrl: db.url,
    replicaId: 'survivor',
    port: 0,
    otlpPort: 0,
    keyProvider: false,
    kong: { gateways: [{ name: 'prod', url: kong.url }], otlpUrl: 'http://lb:4318', attempts: 2, backoffMs: 5 },
  });
  // its start-up pass keeps the running session's plugin (and takes the reconciler lock the dead process held)
  expect(ours()).toHaveLength(1);
  expect((await getJson(`${survivor.apiUrl}/api/v1/sessions/${session.id}`)).body.tracing.mode).toBe('route-scoped');
  await postJson(`${survivor.apiUrl}/api/v1/sessions/${session.id}/stop`, {});
  await until('Kong restored', () => ours().length === 0, 20_000);
  expect(kong.plugins()).toEqual(before);
});
