import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../app';
import { decodeStatusProtobuf } from '../otlp/responses';
import { encodeTracesProtobuf } from '../otlp/testing';
import { kongRequest, tracesPayload } from '../testing/otlp-builders';
import { SqliteTokenStore } from './tokens-sqlite';

let dir: string;
let server: RunningServer;
const tok: Record<string, string> = {};

async function call(method: string, url: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const api = (p: string) => `${server.apiUrl}/api/v1${p}`;
const rule = { type: 'advanced', expression: 'http.response.status_code >= 100' };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-auth-'));
  // Tokens are made offline, as `kong-debugger token create --data-dir` does.
  const tokens = new SqliteTokenStore(dir);
  for (const [key, role, tenant] of [
    ['admin', 'admin', 'team-a'],
    ['debugger', 'debugger', 'team-a'],
    ['viewer', 'viewer', 'team-a'],
    ['ingest', 'ingest', 'team-a'],
    ['debuggerB', 'debugger', 'team-b'],
    ['ingestB', 'ingest', 'team-b'],
  ] as const) {
    tok[key] = (await tokens.create(key, role, tenant)).token;
  }
  await tokens.close();
  server = await startServer({ dataDir: dir, port: 0, otlpPort: 0, auth: 'tokens', apiToken: 'bootstrap-admin-secret', ingestToken: 'bootstrap-ingest-secret' });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function ingest(token: string | undefined, spans: unknown[]): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers, body: JSON.stringify(tracesPayload(spans)) });
  return res.status;
}

describe('server-wide stats', () => {
  it("are the server operator's (an admin of the default tenant), not another tenant's admin's", async () => {
    expect(await ingest(tok.ingest, kongRequest().spans)).toBe(200);
    const operator = await call('GET', api('/stats'), 'bootstrap-admin-secret');
    expect(operator.status).toBe(200);
    expect(operator.body.ingest.spansReceived).toBeGreaterThan(0);
    expect(operator.body.receiver).toMatchObject({ refusedBusy: expect.any(Number) });
    const tenantAdmin = await call('GET', api('/stats'), tok.admin);
    expect(tenantAdmin).toEqual({
      status: 403,
      body: { statusCode: 403, error: 'Forbidden', message: 'stats count the traffic of every tenant: only an admin of the "default" tenant (the server\'s operator) may read them' },
    });
    expect(JSON.stringify(tenantAdmin.body)).not.toMatch(/spans/);
    expect((await call('GET', api('/stats'), tok.debugger)).status).toBe(403);
  });
});

describe('access control', () => {
  it('answers 401 without a valid token and 403 for the wrong role, on every kind of endpoint', async () => {
    expect((await call('GET', api('/health'))).status).toBe(200);
    const none = await call('GET', api('/sessions'));
    expect(none).toMatchObject({ status: 401, body: { message: 'an API token is required: send Authorization: Bearer <token>' } });
    expect((await call('GET', api('/sessions'), 'kdbg_000000000000_' + 'x'.repeat(43))).status).toBe(401);
    expect((await call('GET', api('/sessions'), tok.admin.slice(0, -1) + (tok.admin.endsWith('A') ? 'B' : 'A'))).status).toBe(401);

    const viewerCreates = await call('POST', api('/sessions'), tok.viewer, { rule, durationSeconds: 60 });
    expect(viewerCreates).toEqual({ status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'a token with role "viewer" may not create, stop or delete sessions' } });
    expect((await call('GET', api('/sessions'), tok.ingest)).status).toBe(403);
    expect((await call('GET', api('/tokens'), tok.debugger)).status).toBe(403);
    expect((await call('GET', api('/sessions'), tok.viewer)).status).toBe(200);

    expect(await ingest(undefined, kongRequest().spans)).toBe(401);
    // Kong sends protobuf: the refusal is a google.rpc.Status in protobuf too.
    const pb = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(encodeTracesProtobuf(tracesPayload(kongRequest().spans))) });
    expect(pb.status).toBe(401);
    expect(pb.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    expect(decodeStatusProtobuf(new Uint8Array(await pb.arrayBuffer()))).toEqual({ code: 16, message: 'an API token is required: send Authorization: Bearer <token>' });
    expect(await ingest(tok.viewer, kongRequest().spans)).toBe(403);
    expect(await ingest(tok.admin, kongRequest().spans)).toBe(403);
    expect(await ingest(tok.ingest, kongRequest().spans)).toBe(200);

    // The bootstrap tokens: admin on the REST API only, ingest on OTLP only.
    expect((await call('GET', api('/tokens'), 'bootstrap-admin-secret')).status).toBe(200);
    expect(await ingest('bootstrap-admin-secret', kongRequest().spans)).toBe(403);
    expect(await ingest('bootstrap-ingest-secret', kongRequest().spans)).toBe(200);
    expect((await call('GET', api('/sessions'), 'bootstrap-ingest-secret')).status).toBe(403);
  });

  it('keeps each tenant to its own sessions, traces, logs, entities and audit', async () => {
    const a = await call('POST', api('/sessions'), tok.debugger, { name: 'a', rule, durationSeconds: 60 });
    expect(a.status).toBe(201);
    expect(a.body.tenant).toBe('team-a');
    const b = await call('POST', api('/sessions'), tok.debuggerB, { name: 'b', rule, durationSeconds: 60 });

    const fromA = kongRequest({ routeId: 'route-of-a' });
    const fromB = kongRequest({ routeId: 'route-of-b' });
    expect(await ingest(tok.ingest, fromA.spans)).toBe(200);
    expect(await ingest(tok.ingestB, fromB.spans)).toBe(200);

    const tracesA = await call('GET', api(`/sessions/${a.body.id}/traces`), tok.viewer);
    expect(tracesA.body.traces.map((t: any) => t.traceId)).toEqual([fromA.traceId]);
    const tracesB = await call('GET', api(`/sessions/${b.body.id}/traces`), tok.debuggerB);
    expect(tracesB.body.traces.map((t: any) => t.traceId)).toEqual([fromB.traceId]);

    // The other tenant's things do not exist, as far as a token can tell.
    const listB = await call('GET', api('/sessions'), tok.debuggerB);
    expect(listB.body.sessions.map((s: any) => s.id)).toEqual([b.body.id]);
    for (const p of [`/sessions/${a.body.id}`, `/sessions/${a.body.id}/traces`, `/sessions/${a.body.id}/logs`, `/sessions/${a.body.id}/summary`, `/traces/${fromA.traceId}`, `/traces/${fromA.traceId}/summary`]) {
      const r = await call('GET', api(p), tok.debuggerB);
      expect([p, r.status]).toEqual([p, 404]);
      expect(JSON.stringify(r.body)).not.toContain('team-a');
    }
    expect((await call('POST', api(`/sessions/${a.body.id}/stop`), tok.debuggerB)).status).toBe(404);
    expect((await call('DELETE', api(`/sessions/${a.body.id}`), tok.debuggerB)).status).toBe(404);
    expect((await call('GET', api(`/traces/${fromA.traceId}`), tok.viewer)).status).toBe(200);
    expect((await call('GET', api('/entities'), tok.debuggerB)).body.routes.map((r: any) => r.id)).toEqual(['route-of-b']);

    expect((await call('POST', api(`/sessions/${a.body.id}/stop`), tok.debugger)).status).toBe(200);
    expect((await call('DELETE', api(`/sessions/${a.body.id}`), tok.admin)).status).toBe(204);
    const audit = await call('GET', api(`/audit?target=${a.body.id}`), tok.viewer);
    expect(audit.body.entries.map((e: any) => [e.action, e.actor.name, e.tenant])).toEqual([
      ['session.delete', 'admin', 'team-a'],
      ['session.stop', 'debugger', 'team-a'],
      ['session.create', 'debugger', 'team-a'],
    ]);
    expect(audit.body.entries[2].details).toMatchObject({ name: 'a', rule, durationSeconds: 60 });
    expect((await call('GET', api(`/audit?target=${a.body.id}`), tok.debuggerB)).body.entries).toEqual([]);
  });

  it('creates, lists and revokes tokens through the API, stores them hashed, and revocation is immediate', async () => {
    const created = await call('POST', api('/tokens'), tok.admin, { name: 'grafana', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'grafana', role: 'viewer', tenant: 'team-a' });
    const token: string = created.body.token;
    expect((await call('GET', api('/sessions'), token)).status).toBe(200);

    const list = await call('GET', api('/tokens'), tok.admin);
    expect(list.body.tokens.find((t: any) => t.id === created.body.id)).toEqual({ id: created.body.id, name: 'grafana', role: 'viewer', tenant: 'team-a', createdAt: created.body.createdAt });
    expect(JSON.stringify(list.body)).not.toContain(token.slice('kdbg_'.length + 12 + 1));
    expect(list.body.tokens.every((t: any) => t.tenant === 'team-a')).toBe(true);

    // Unknown fields are refused with their name, never ignored; nothing is created.
    const before = (await call('GET', api('/tokens'), tok.admin)).body.tokens.length;
    const typo = await call('POST', api('/tokens'), tok.admin, { name: 'x', role: 'viewer', expires: '2030-01-01' });
    expect(typo).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'unknown field "expires"; accepted: name, role' } });
    const otherTenant = await call('POST', api('/tokens'), tok.admin, { name: 'x', role: 'admin', tenant: 'team-b' });
    expect(otherTenant.status).toBe(400);
    expect(otherTenant.body.message).toBe('unknown field "tenant": a token belongs to its creator\'s tenant ("team-a"); tokens of other tenants are made with `kong-debugger token create --tenant` on the server');
    expect((await call('POST', api('/tokens'), tok.admin, ['name', 'role'])).status).toBe(400);
    expect((await call('GET', api('/tokens'), tok.admin)).body.tokens.length).toBe(before);

    const bad = await call('POST', api('/tokens'), tok.admin, { name: 'x', role: 'root' });
    expect(bad).toMatchObject({ status: 400 });
    expect(bad.body.message).toMatch(/"role": "admin" \| "debugger" \| "viewer" \| "ingest"/);

    expect((await call('DELETE', api(`/tokens/${created.body.id}`), tok.admin)).status).toBe(204);
    expect((await call('GET', api('/sessions'), token)).status).toBe(401);
    expect((await call('DELETE', api(`/tokens/${created.body.id}`), tok.admin)).status).toBe(404);

    // Only hashes are on disk.
    const secret = token.slice('kdbg_'.length + 12 + 1);
    for (const f of fs.readdirSync(dir)) {
      expect([f, fs.readFileSync(path.join(dir, f)).includes(secret)]).toEqual([f, false]);
    }
  });
});
