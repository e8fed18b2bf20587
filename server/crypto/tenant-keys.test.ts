// Customer-managed keys per tenant: a tenant's sessions get their data keys wrapped by that tenant's own key;
// losing that key makes only that tenant's logs unreadable, with a clear error, while its traces stay readable.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../app';
import { SqliteTokenStore } from '../auth/tokens-sqlite';
import { kongRequest, logsPayload, tracesPayload } from '../testing/otlp-builders';
import { tenantKeyResolver } from './config';
import { LocalKeyProvider } from './local';

let dir: string;
let server: RunningServer | undefined;
const tok: Record<string, string> = {};

async function call(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function writeTenantKeys(kekBase64: string): string {
  const file = path.join(dir, 'tenant-keys.json');
  fs.writeFileSync(file, JSON.stringify({ 'team-a': { kekBase64 } }));
  return file;
}

async function start(kekBase64: string): Promise<RunningServer> {
  const resolver = tenantKeyResolver(writeTenantKeys(kekBase64), LocalKeyProvider.open(dir), dir);
  server = await startServer({ dataDir: dir, port: 0, otlpPort: 0, auth: 'tokens', keyProvider: resolver });
  return server;
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-tenant-keys-'));
  const tokens = new SqliteTokenStore(dir);
  for (const t of ['team-a', 'team-b']) {
    tok[`${t}:debugger`] = (await tokens.create(`${t} debugger`, 'debugger', t)).token;
    tok[`${t}:ingest`] = (await tokens.create(`${t} kong`, 'ingest', t)).token;
  }
  await tokens.close();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function capture(tenant: string): Promise<{ sessionId: string; traceId: string }> {
  const s = await call('POST', `${server!.apiUrl}/api/v1/sessions`, tok[`${tenant}:debugger`], {
    rule: { type: 'advanced', expression: 'http.response.status_code >= 100' },
    durationSeconds: 60,
    captureLogs: true,
  });
  expect(s.status).toBe(201);
  const t = kongRequest();
  expect((await call('POST', `${server!.otlpUrl}/v1/traces`, tok[`${tenant}:ingest`], tracesPayload(t.spans))).status).toBe(200);
  expect((await call('POST', `${server!.otlpUrl}/v1/logs`, tok[`${tenant}:ingest`], logsPayload([{ traceId: t.traceId, body: `log of ${tenant}` }]))).status).toBe(200);
  return { sessionId: s.body.id, traceId: t.traceId };
}

it("wraps a tenant's data keys with its own key, and only its logs go dark when that key is gone", async () => {
  const keyA = randomBytes(32).toString('base64');
  await start(keyA);
  const a = await capture('team-a');
  const b = await capture('team-b');
  await server!.close();
  server = undefined;

  const db = new Database(path.join(dir, 'kong-debugger.sqlite'), { readonly: true });
  const kekOf = (id: string) => (db.prepare('SELECT kek_id FROM session_keys WHERE session_id = ?').get(id) as { kek_id: string }).kek_id;
  expect(kekOf(a.sessionId)).toMatch(/^static:/);
  expect(kekOf(b.sessionId)).not.toMatch(/^static:/);
  db.close();

  // Same key again: both tenants read their logs.
  await start(keyA);
  expect((await call('GET', `${server!.apiUrl}/api/v1/sessions/${a.sessionId}/logs`, tok['team-a:debugger'])).body.logs[0].body).toBe('log of team-a');
  await server!.close();
  server = undefined;

  // Team A's key is replaced (revoked or lost): its logs cannot be decrypted, the rest works.
  await start(randomBytes(32).toString('base64'));
  const logsA = await call('GET', `${server!.apiUrl}/api/v1/sessions/${a.sessionId}/logs`, tok['team-a:debugger']);
  expect(logsA.status).toBe(503);
  expect(logsA.body.message).toMatch(new RegExp(`logs of session ${a.sessionId} cannot be decrypted`));
  expect((await call('GET', `${server!.apiUrl}/api/v1/traces/${a.traceId}`, tok['team-a:debugger'])).status).toBe(200);
  expect((await call('GET', `${server!.apiUrl}/api/v1/sessions/${b.sessionId}/logs`, tok['team-b:debugger'])).body.logs[0].body).toBe('log of team-b');
});

it('refuses a tenant-keys file that names no key or has a typo', () => {
  const file = path.join(dir, 'bad.json');
  fs.writeFileSync(file, JSON.stringify({ 'team-a': { kekfile: '/x' } }));
  expect(() => tenantKeyResolver(file, LocalKeyProvider.open(dir), dir)).toThrow(/tenant "team-a": unknown setting "kekfile"/);
  fs.writeFileSync(file, JSON.stringify({ 'team-a': {} }));
  expect(() => tenantKeyResolver(file, LocalKeyProvider.open(dir), dir)).toThrow(/names no key/);
});
