import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Session } from '../common/api';
import { startServer, type RunningServer } from './app';
import { decodeStatusProtobuf } from './otlp/responses';
import { encodeTracesProtobuf } from './otlp/testing';
import { createTestDatabase, PG_ADMIN_URL } from './testing/pg';
import { getJson, kongRequest, postJson, tracesPayload } from './testing/otlp-builders';

/*
 * The shared database goes away (restart, network) while Kong keeps sending: the server must answer what
 * OTLP exporters retry (503 + Retry-After), acknowledge nothing it did not store, and take the retries once
 * the database is back. The outage is real: the database stops accepting connections and its sessions are killed.
 */

let db: { url: string; drop(): Promise<void> };
let server: RunningServer;
let dataDir: string;

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const dbName = () => new URL(db.url).pathname.slice(1);

async function outage(): Promise<void> {
  await admin(`ALTER DATABASE ${dbName()} ALLOW_CONNECTIONS false`);
  await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName()}'`);
}

beforeEach(async () => {
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-outage-'));
  server = await startServer({ dataDir, databaseUrl: db.url, port: 0, otlpPort: 0, keyProvider: false });
});

afterEach(async () => {
  await admin(`ALTER DATABASE ${dbName()} ALLOW_CONNECTIONS true`).catch(() => undefined);
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  await db.drop();
});

function send(spans: unknown[]): Promise<Response> {
  return fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTracesProtobuf(tracesPayload(spans)) });
}

it('answers 503 with Retry-After while PostgreSQL is down, loses nothing acknowledged, and takes the retry once it is back', async () => {
  const created = await postJson(`${server.apiUrl}/api/v1/sessions`, { rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 300 });
  expect(created.status).toBe(201);
  const s = created.body as Session;
  const before = kongRequest();
  expect((await send(before.spans)).status).toBe(200);
  // Acknowledged before the outage: two spans of a trace whose root comes during it.
  const during = kongRequest();
  expect((await send(during.spans.slice(1))).status).toBe(200);

  await outage();
  const refused = await send(during.spans.slice(0, 1));
  expect(refused.status).toBe(503);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const status = decodeStatusProtobuf(new Uint8Array(await refused.arrayBuffer()));
  expect(status.code).toBe(14); // UNAVAILABLE
  expect(status.message).toMatch(/PostgreSQL/);
  // The REST API and the health check say so too, instead of a 500.
  const health = await getJson(`${server.apiUrl}/api/v1/health`);
  expect(health.status).toBe(503);
  expect((await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}`)).status).toBe(503);

  await admin(`ALTER DATABASE ${dbName()} ALLOW_CONNECTIONS true`);
  // Kong's exporter retries the refused batch after Retry-After; the spans that waited for it are still there.
  expect((await send(during.spans.slice(0, 1))).status).toBe(200);
  expect((await getJson(`${server.apiUrl}/api/v1/health`)).status).toBe(200);
  const list = (await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/traces`)).body;
  expect(list.traces.map((t: { traceId: string }) => t.traceId).sort()).toEqual([before.traceId, during.traceId].sort());
  expect((await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}`)).body.traceCount).toBe(2);
  expect((await getJson(`${server.apiUrl}/api/v1/traces/${during.traceId}`)).body.spans).toHaveLength(3);
});
