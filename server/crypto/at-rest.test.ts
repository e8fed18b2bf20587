// Logs encrypted at rest, end to end through the real server: no plaintext on disk, rotation without
// touching rows, revocation with a clear error while traces stay readable, upgrade of a schema-1 database.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../app';
import { SCHEMA_VERSION, type SqliteStore } from '../store/sqlite';
import { attr, getJson, kongRequest, logsPayload, postJson, tracesPayload } from '../testing/otlp-builders';
import { FakeVault } from './fake-vault';
import { VaultTransitProvider } from './vault';

let dataDir: string;
let server: RunningServer | undefined;
let vault: FakeVault | undefined;
const MARKER = `SECRET-${randomBytes(8).toString('hex')}`;
const DB = () => path.join(dataDir, 'kong-debugger.sqlite');

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-rest-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await vault?.stop();
  vault = undefined;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(extra: Partial<ServerOptions> = {}) {
  server = await startServer({ dataDir, port: 0, otlpPort: 0, ...extra });
  return server;
}

/** a session capturing logs, one captured trace, and two logs carrying MARKER in body and attribute value */
async function captureLogs(): Promise<{ sessionId: string; traceId: string }> {
  const s = await postJson(`${server!.apiUrl}/api/v1/sessions`, { rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60, captureLogs: true });
  expect(s.status).toBe(201);
  const t = kongRequest({ status: 500 });
  expect((await postJson(`${server!.otlpUrl}/v1/traces`, tracesPayload(t.spans))).status).toBe(200);
  const payload = logsPayload([
    { traceId: t.traceId, spanId: t.pluginSpanId, body: `upstream said ${MARKER}` },
    { traceId: t.traceId, body: 'plain body' },
  ]);
  payload.resourceLogs[0].scopeLogs[0].logRecords[1].attributes.push(attr('request.header.x-secret', MARKER));
  expect((await postJson(`${server!.otlpUrl}/v1/logs`, payload)).status).toBe(200);
  return { sessionId: s.body.id, traceId: t.traceId };
}

async function logsOf(sessionId: string) {
  return getJson(`${server!.apiUrl}/api/v1/sessions/${sessionId}/logs`);
}

/** every file of the data dir (db, -wal, -shm, key file) that holds the marker's bytes */
function filesWithMarker(): string[] {
  const needle = Buffer.from(MARKER, 'utf8');
  return fs.readdirSync(dataDir).filter((f) => fs.statSync(path.join(dataDir, f)).isFile() && fs.readFileSync(path.join(dataDir, f)).includes(needle));
}

function sealedRows(): Array<{ id: number; sealed: Buffer }> {
  const db = new Database(DB(), { readonly: true });
  try {
    return db.prepare(`SELECT id, sealed FROM logs ORDER BY id`).all() as Array<{ id: number; sealed: Buffer }>;
  } finally {
    db.close();
  }
}

describe('logs at rest', () => {
  it('never writes a log body or attribute value in plaintext (db, WAL, shm), yet serves them', async () => {
    await start();
    const { sessionId } = await captureLogs();
    const r = await logsOf(sessionId);
    expect(r.status).toBe(200);
    expect(r.body.logs.map((l: any) => l.body).sort()).toEqual(['plain body', `upstream said ${MARKER}`]);
    expect(r.body.logs.find((l: any) => l.body === 'plain body').attributes['request.header.x-secret']).toBe(MARKER);
    const live = fs.readdirSync(dataDir);
    expect(live).toEqual(expect.arrayContaining(['kong-debugger.sqlite', 'kong-debugger.sqlite-wal', 'kong-debugger.sqlite-shm']));
    expect(filesWithMarker()).toEqual([]); // while running: the WAL holds the fresh pages
    await server!.close();
    server = undefined;
    expect(filesWithMarker()).toEqual([]); // after the close-time checkpoint
  });

  it('control: with encryption off the same search finds the marker, so the search works', async () => {
    await start({ keyProvider: false });
    await captureLogs();
    await server!.close();
    server = undefined;
    expect(filesWithMarker()).toContain('kong-debugger.sqlite');
  });

  it('upgrades a schema-1 database and encrypts the logs it already held', async () => {
    await start({ keyProvider: false });
    const { sessionId } = await captureLogs();
    await server!.close();
    server = undefined;
    // Turn it back into exactly what schema 1 looked like.
    const db = new Database(DB());
    db.exec(`DROP TABLE session_keys; ALTER TABLE logs DROP COLUMN sealed; UPDATE meta SET value = '1' WHERE key = 'schema_version';`);
    db.close();
    expect(filesWithMarker()).toContain('kong-debugger.sqlite');

    await start();
    const r = await logsOf(sessionId);
    expect(r.status).toBe(200);
    expect(r.body.logs.map((l: any) => l.body).sort()).toEqual(['plain body', `upstream said ${MARKER}`]);
    await server!.close();
    server = undefined;
    const check = new Database(DB(), { readonly: true });
    expect(check.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get()).toEqual({ value: String(SCHEMA_VERSION) });
    expect(check.prepare(`SELECT count(*) AS n FROM logs WHERE sealed IS NULL`).get()).toEqual({ n: 0 });
    check.close();
    expect(filesWithMarker()).toEqual([]);
  });
});

describe('with HashiCorp Vault transit as KEK', () => {
  const vaultProvider = () => new VaultTransitProvider({ addr: vault!.addr, token: vault!.token, key: 'kong-debugger' });

  it('rotation re-wraps every DEK under the new key version; log rows are byte-for-byte unchanged and still readable', async () => {
    vault = await new FakeVault().start();
    await start({ keyProvider: vaultProvider() });
    const { sessionId } = await captureLogs();
    const before = sealedRows();
    expect(before).toHaveLength(2);
    const store = server!.store as SqliteStore;
    const result = await store.keyring!.rotate();
    expect(result).toEqual({ rewrapped: 1, failed: [] });
    expect(vault.calls.filter((c) => c.startsWith('rotate') || c.startsWith('rewrap'))).toEqual(['rotate/kong-debugger', 'rewrap/kong-debugger']);
    expect(sealedRows()).toEqual(before);
    await server!.close();
    server = undefined;
    const db = new Database(DB(), { readonly: true });
    expect((db.prepare(`SELECT kek_id, wrapped_dek FROM session_keys`).get() as any).wrapped_dek).toMatch(/^vault:v2:/);
    db.close();
    // Old key versions retired in Vault: the logs open only through the re-wrapped DEK.
    vault.setMinDecryptionVersion('kong-debugger', 2);
    await start({ keyProvider: vaultProvider() });
    const r = await logsOf(sessionId);
    expect(r.status).toBe(200);
    expect(r.body.logs).toHaveLength(2);
    // One unwrap for the whole page and the next query: the DEK is cached.
    await logsOf(sessionId);
    expect(vault.calls.filter((c) => c.startsWith('decrypt'))).toHaveLength(1);
  });

  it('a deleted Vault key makes the logs unreadable with a clear 503 while traces stay readable', async () => {
    vault = await new FakeVault().start();
    await start({ keyProvider: vaultProvider() });
    const { sessionId, traceId } = await captureLogs();
    await server!.close();
    vault.deleteKey('kong-debugger');
    await start({ keyProvider: vaultProvider() });
    const r = await logsOf(sessionId);
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: `logs of session ${sessionId} cannot be decrypted: key vault:transit/kong-debugger is unavailable: Vault answered 400 to decrypt: encryption key not found`,
    });
    expect((await getJson(`${server!.apiUrl}/api/v1/sessions/${sessionId}/traces`)).body.traces).toHaveLength(1);
    expect((await getJson(`${server!.apiUrl}/api/v1/traces/${traceId}`)).status).toBe(200);
  });
});

describe('logs waiting for their trace', () => {
  it('are sealed in the waiting table too, survive a restart, and are stored once the trace is decided', async () => {
    await start();
    const s = await postJson(`${server!.apiUrl}/api/v1/sessions`, { rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60, captureLogs: true });
    const t = kongRequest({ status: 500 });
    const payload = logsPayload([{ traceId: t.traceId, spanId: t.pluginSpanId, body: `early ${MARKER}` }]);
    payload.resourceLogs[0].scopeLogs[0].logRecords[0].attributes.push(attr('x', MARKER));
    expect((await postJson(`${server!.otlpUrl}/v1/logs`, payload)).status).toBe(200);
    const db = new Database(DB(), { readonly: true });
    const waiting = db.prepare(`SELECT kind, payload FROM waiting`).all() as Array<{ kind: string; payload: string }>;
    db.close();
    expect(waiting.map((p) => p.kind)).toEqual(['logs']);
    expect(waiting[0].payload).toMatch(/^sealed:v1:/);
    expect(filesWithMarker()).toEqual([]);
    await server!.close();
    await start();
    expect((await postJson(`${server!.otlpUrl}/v1/traces`, tracesPayload(t.spans))).status).toBe(200);
    const r = await logsOf(s.body.id);
    expect(r.body.logs.map((l: any) => [l.body, l.attributes.x])).toEqual([[`early ${MARKER}`, MARKER]]);
    await server!.close();
    server = undefined;
    expect(filesWithMarker()).toEqual([]);
  });
});

describe('ingest while the KEK is revoked', () => {
  it('keeps storing traces; the logs it cannot encrypt are refused, never stored in plaintext', async () => {
    vault = await new FakeVault().start();
    const provider = new VaultTransitProvider({ addr: vault.addr, token: vault.token, key: 'kong-debugger' });
    await start({ keyProvider: provider });
    vault.revokeToken();
    const warn = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { sessionId } = await captureLogs();
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      new RegExp(`^warning: logs of session ${sessionId} cannot be encrypted: key vault:transit/kong-debugger is unavailable: Vault answered 403 to encrypt: 1 error occurred: \\* permission denied; the logs`),
    );
    warn.mockRestore();
    expect((await getJson(`${server!.apiUrl}/api/v1/sessions/${sessionId}/traces`)).body.traces).toHaveLength(1);
    expect((await logsOf(sessionId)).body.logs).toEqual([]);
    expect(filesWithMarker()).toEqual([]);
  });
});
