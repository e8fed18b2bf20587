import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Session } from '../common/api';
import { startServer, type RunningServer } from './app';
import { StaticKeyProvider } from './crypto/static';
import { encodeTracesProtobuf } from './otlp/testing';
import { createTestDatabase } from './testing/pg';
import { getJson, kongRequest, logsPayload, postJson, tracesPayload } from './testing/otlp-builders';

/*
 * Three server replicas on loopback ports, one PostgreSQL database (the machine's): they must behave as
 * one server. Each replica has its own data dir; the log key is a customer key all three are given.
 */

const everything = { type: 'advanced' as const, expression: 'http.response.status_code >= 100' };

let db: { url: string; drop(): Promise<void> };
let replicas: RunningServer[] = [];
const dirs: string[] = [];

beforeEach(async () => {
  db = await createTestDatabase();
  const key = new StaticKeyProvider(randomBytes(32), 'test key');
  // Started together, as an orchestrator would: migrations and partitions must not race.
  replicas = await Promise.all(
    [0, 1, 2].map((i) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kdbg-replica${i}-`));
      dirs.push(dataDir);
      return startServer({ dataDir, databaseUrl: db.url, replicaId: `replica-${i}`, port: 0, otlpPort: 0, keyProvider: key });
    }),
  );
});

afterEach(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  replicas = [];
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  await db.drop();
});

async function sendTraces(r: RunningServer, spans: unknown[]): Promise<number> {
  const res = await fetch(`${r.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: encodeTracesProtobuf(tracesPayload(spans)),
  });
  return res.status;
}

async function createSession(r: RunningServer, body: unknown): Promise<Session> {
  const res = await postJson(`${r.apiUrl}/api/v1/sessions`, body);
  expect(res.status).toBe(201);
  return res.body;
}

/** what replica `r` reports about the session */
async function sessionOn(r: RunningServer, id: string): Promise<Session> {
  return (await getJson(`${r.apiUrl}/api/v1/sessions/${id}`)).body;
}

/** waits until every replica runs the session (they reload the running set every 250 ms) */
async function runningEverywhere(id: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!replicas.every((r) => r.sessions.isRunning(id))) {
    if (Date.now() > deadline) throw new Error(`session ${id} is not running on every replica`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe('three replicas on one PostgreSQL', () => {
  it('capture traffic that arrives at any replica for a session started on another, and every replica sees all of it', async () => {
    const s = await createSession(replicas[0], { rule: everything, durationSeconds: 60, captureLogs: true });
    await runningEverywhere(s.id);
    const sent = [0, 1, 2].map(() => kongRequest());
    for (const [i, t] of sent.entries()) expect(await sendTraces(replicas[i], t.spans)).toBe(200);
    // A log arrives at a replica that never saw its trace: it follows the trace's decision from the database.
    const logged = await postJson(`${replicas[0].otlpUrl}/v1/logs`, logsPayload([{ traceId: sent[2].traceId, spanId: sent[2].rootSpanId, body: 'upstream slow' }]));
    expect(logged.status).toBe(200);
    // So do spans that reach one replica while their root went to another.
    const split = kongRequest();
    expect(await sendTraces(replicas[1], split.spans.slice(1))).toBe(200);
    expect(await sendTraces(replicas[2], split.spans.slice(0, 1))).toBe(200);
    sent.push(split);
    const deadline = Date.now() + 3000;
    while (replicas[0].pipeline.stats.waitingLogs + replicas[1].pipeline.stats.waitingSpans > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));

    for (const r of replicas) {
      expect((await sessionOn(r, s.id)).traceCount).toBe(4);
      const list = (await getJson(`${r.apiUrl}/api/v1/sessions/${s.id}/traces`)).body;
      expect(list.traces.map((t: { traceId: string }) => t.traceId).sort()).toEqual(sent.map((t) => t.traceId).sort());
      for (const t of [sent[1], split]) expect((await getJson(`${r.apiUrl}/api/v1/traces/${t.traceId}`)).body.spans).toHaveLength(3);
      // Logs were sealed by replica 2 and are read by every replica with the shared key.
      const logs = (await getJson(`${r.apiUrl}/api/v1/sessions/${s.id}/logs`)).body;
      expect(logs.logs.map((l: { body: unknown }) => l.body)).toEqual(['upstream slow']);
      expect((await getJson(`${r.apiUrl}/api/v1/sessions/${s.id}/summary`)).body.traceCount).toBe(4);
    }
  });

  it('never overshoots the trace cap, whichever replicas the traces race through', async () => {
    const s = await createSession(replicas[1], { rule: everything, durationSeconds: 60, maxTraces: 25 });
    await runningEverywhere(s.id);
    // 60 matching traces, 4 to a request, sent to the three replicas at once.
    const batches = Array.from({ length: 15 }, () => [kongRequest(), kongRequest(), kongRequest(), kongRequest()]);
    const statuses = await Promise.all(batches.map((b, i) => sendTraces(replicas[i % 3], b.flatMap((t) => t.spans))));
    expect(statuses.every((st) => st === 200)).toBe(true);

    for (const r of replicas) {
      const got = await sessionOn(r, s.id);
      expect(got).toMatchObject({ status: 'completed', traceCount: 25 });
      const list = (await getJson(`${r.apiUrl}/api/v1/sessions/${s.id}/traces?limit=100`)).body;
      expect(list.traces).toHaveLength(25);
    }
  });

  it('stops a session everywhere within a second of a stop on one replica', async () => {
    const s = await createSession(replicas[0], { rule: everything, durationSeconds: 60 });
    await runningEverywhere(s.id);
    const before = kongRequest();
    expect(await sendTraces(replicas[2], before.spans)).toBe(200);

    const stopped = await postJson(`${replicas[1].apiUrl}/api/v1/sessions/${s.id}/stop`, {});
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('cancelled');
    // A second stop, on another replica, is a conflict: the session ended once.
    expect((await postJson(`${replicas[2].apiUrl}/api/v1/sessions/${s.id}/stop`, {})).status).toBe(409);

    await new Promise((res) => setTimeout(res, 1000));
    for (const r of replicas) expect((await getJson(`${r.apiUrl}/api/v1/health`)).body.runningSessions).toBe(0);
    const after = [kongRequest(), kongRequest(), kongRequest()];
    for (const [i, t] of after.entries()) expect(await sendTraces(replicas[i], t.spans)).toBe(200);

    for (const r of replicas) {
      expect(await sessionOn(r, s.id)).toMatchObject({ status: 'cancelled', traceCount: 1 });
      const list = (await getJson(`${r.apiUrl}/api/v1/sessions/${s.id}/traces`)).body;
      expect(list.traces.map((t: { traceId: string }) => t.traceId)).toEqual([before.traceId]);
    }
  });

  it('times a session out once, on every replica', async () => {
    const s = await createSession(replicas[0], { rule: everything, durationSeconds: 10 });
    await runningEverywhere(s.id);
    // Pull the end forward in the shared database, as if the ten seconds had passed.
    const { Client } = await import('pg');
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query(`UPDATE sessions SET ends_ms = $2 WHERE id = $1`, [s.id, Date.now() - 1]);
    await c.end();
    const deadline = Date.now() + 2000;
    while (replicas.some((r) => r.sessions.isRunning(s.id)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    for (const r of replicas) expect(await sessionOn(r, s.id)).toMatchObject({ status: 'timed_out' });
  });

  it('deletes a session everywhere', async () => {
    const s = await createSession(replicas[0], { rule: everything, durationSeconds: 60 });
    await runningEverywhere(s.id);
    const t = kongRequest();
    expect(await sendTraces(replicas[1], t.spans)).toBe(200);
    const del = await fetch(`${replicas[2].apiUrl}/api/v1/sessions/${s.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    for (const r of replicas) {
      expect((await getJson(`${r.apiUrl}/api/v1/sessions/${s.id}`)).status).toBe(404);
      expect((await getJson(`${r.apiUrl}/api/v1/traces/${t.traceId}`)).status).toBe(404);
    }
  });

  it('share API tokens and the audit log: a token made on one replica works on the others, a revoke stops it everywhere', async () => {
    await Promise.all(replicas.map((r) => r.close()));
    const key = new StaticKeyProvider(randomBytes(32), 'test key');
    replicas = await Promise.all(
      [0, 1, 2].map((i) => startServer({ dataDir: dirs[i], databaseUrl: db.url, replicaId: `replica-${i}`, port: 0, otlpPort: 0, keyProvider: key, auth: 'tokens', apiToken: 'bootstrap-secret' })),
    );
    const boot = { authorization: 'Bearer bootstrap-secret' };
    const made = await fetch(`${replicas[0].apiUrl}/api/v1/tokens`, { method: 'POST', headers: { ...boot, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'alice', role: 'debugger' }) });
    expect(made.status).toBe(201);
    const { token, id } = (await made.json()) as { token: string; id: string };
    const alice = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${replicas[1].apiUrl}/api/v1/sessions`, { method: 'POST', headers: alice, body: JSON.stringify({ rule: everything, durationSeconds: 60 }) });
    expect(created.status).toBe(201);
    const s = (await created.json()) as Session;
    // Every replica's audit log shows both acts, newest first.
    for (const r of replicas) {
      const audit = (await getJson(`${r.apiUrl}/api/v1/audit`, boot)).body.entries as Array<{ action: string; actor: { name: string } }>;
      expect(audit.map((e) => [e.action, e.actor.name])).toEqual([
        ['session.create', 'alice'],
        ['token.create', expect.any(String)],
      ]);
    }
    expect((await fetch(`${replicas[2].apiUrl}/api/v1/tokens/${id}`, { method: 'DELETE', headers: boot })).status).toBe(204);
    for (const r of replicas) expect((await getJson(`${r.apiUrl}/api/v1/sessions/${s.id}`, { authorization: alice.authorization })).status).toBe(401);
  });
});
