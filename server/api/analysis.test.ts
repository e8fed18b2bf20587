import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { ENTERPRISE_TRACE_ID, enterpriseTraceFixture } from '../../common/spans/testing';
import { startServer, type RunningServer } from '../app';
import { SqliteTokenStore } from '../auth/tokens-sqlite';
import { createTestDatabase } from '../testing/pg';
import { encodeTraceJson } from '../otlp/encode-json';
import { kongRequest, loadFixture, tracesPayload } from '../testing/otlp-builders';

const OSS_TRACE_ID = 'fe42545217a406e81da675f9d52a2532';
const rule = { type: 'advanced', expression: 'http.response.status_code >= 100' };
const dirs: string[] = [];
const servers: RunningServer[] = [];
const tok: Record<string, string> = {};
let server: RunningServer;

async function call(srv: RunningServer, method: string, p: string, token?: string, body?: unknown, contentType = 'application/json') {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const payload = body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body);
  const res = await fetch(`${srv.apiUrl}/api/v1${p}`, { method, headers, body: payload });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, bytes, body: type.includes('json') && bytes.length ? JSON.parse(Buffer.from(bytes).toString('utf8')) : undefined };
}
const get = (p: string, token = tok.viewer, srv = server) => call(srv, 'GET', p, token);
const upload = (bytes: Uint8Array, token = tok.viewer, srv = server, contentType = 'application/octet-stream') => call(srv, 'POST', '/uploads', token, bytes, contentType);

async function otlp(srv: RunningServer, signal: 'traces' | 'logs', doc: unknown, token?: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return (await fetch(`${srv.otlpUrl}/v1/${signal}`, { method: 'POST', headers, body: JSON.stringify(doc) })).status;
}

async function freshServer(databaseUrl?: string): Promise<RunningServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-analysis-'));
  dirs.push(dir);
  const s = await startServer({ dataDir: dir, port: 0, otlpPort: 0, databaseUrl });
  servers.push(s);
  return s;
}

/** 25 requests on route r1: key-auth takes (i+1)·0.1 ms except the last (10 ms); totals 10+i ms */
const routeTraces = Array.from({ length: 25 }, (_, i) => {
  const t = kongRequest({ routeId: 'r1', durationMs: 10 + i, startMs: 1_764_000_000_000 + i * 1000 });
  const plugin = t.spans[1];
  const keyAuthNs = i === 24 ? 10_000_000 : (i + 1) * 100_000;
  plugin.endTimeUnixNano = (BigInt(plugin.startTimeUnixNano) + BigInt(keyAuthNs)).toString();
  return t;
});

let s1: string;
let s2: string;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-analysis-'));
  dirs.push(dir);
  const tokens = new SqliteTokenStore(dir);
  for (const [key, role, tenant] of [
    ['debugger', 'debugger', 'team-a'],
    ['viewer', 'viewer', 'team-a'],
    ['ingest', 'ingest', 'team-a'],
    ['viewerB', 'viewer', 'team-b'],
    ['viewerC', 'viewer', 'team-c'],
  ] as const) {
    tok[key] = (await tokens.create(key, role, tenant)).token;
  }
  await tokens.close();
  server = await startServer({ dataDir: dir, port: 0, otlpPort: 0, auth: 'tokens' });
  servers.push(server);

  // Session 1: the shared OSS fixture with its logs, and 25 requests on route r1. Session 2: the enterprise fixture.
  s1 = (await call(server, 'POST', '/sessions', tok.debugger, { name: 'one', rule, durationSeconds: 600, captureLogs: true })).body.id;
  expect(await otlp(server, 'traces', loadFixture('kong-trace.otlp.json'), tok.ingest)).toBe(200);
  expect(await otlp(server, 'logs', loadFixture('kong-logs.otlp.json'), tok.ingest)).toBe(200);
  for (const t of routeTraces) expect(await otlp(server, 'traces', tracesPayload(t.spans, t.resource), tok.ingest)).toBe(200);
  await call(server, 'POST', `/sessions/${s1}/stop`, tok.debugger, {});
  s2 = (await call(server, 'POST', '/sessions', tok.debugger, { name: 'two', rule, durationSeconds: 600 })).body.id;
  expect(await otlp(server, 'traces', encodeTraceJson(enterpriseTraceFixture()), tok.ingest)).toBe(200);
  await call(server, 'POST', `/sessions/${s2}/stop`, tok.debugger, {});
});

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('download and upload', () => {
  it('a trace exported and sent to a fresh server (OTLP receiver or upload) gives the identical Summary', async () => {
    for (const traceId of [OSS_TRACE_ID, ENTERPRISE_TRACE_ID]) {
      const original = await get(`/traces/${traceId}/summary`);
      expect(original.status).toBe(200);
      const exported = await get(`/traces/${traceId}/export`);
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-disposition')).toBe(`attachment; filename="trace-${traceId}.json"`);

      // any OTLP receiver: this server's /v1/traces, with a session capturing everything
      const viaOtlp = await freshServer();
      expect((await call(viaOtlp, 'POST', '/sessions', undefined, { rule, durationSeconds: 60 })).status).toBe(201);
      expect(await otlp(viaOtlp, 'traces', exported.body)).toBe(200);
      expect((await get(`/traces/${traceId}/summary`, undefined, viaOtlp)).body).toEqual(original.body);

      const viaUpload = await freshServer();
      const up = await upload(exported.bytes, undefined, viaUpload);
      expect(up).toMatchObject({ status: 201, body: { sessionId: 'uploads-default', traceIds: [traceId] } });
      expect((await get(`/traces/${traceId}/summary`, undefined, viaUpload)).body).toEqual(original.body);
      const detail = (await get(`/traces/${traceId}`, undefined, viaUpload)).body;
      expect(detail.resource).toEqual((await get(`/traces/${traceId}`)).body.resource);
    }
  });

  it('uploads to a server on PostgreSQL give the identical Summary too, logs included', async () => {
    const db = await createTestDatabase();
    try {
      const pg = await freshServer(db.url);
      for (const traceId of [OSS_TRACE_ID, ENTERPRISE_TRACE_ID]) {
        const zip = await get(`/traces/${traceId}/export?format=zip`);
        expect((await upload(zip.bytes, undefined, pg)).body).toMatchObject({ sessionId: 'uploads-default', traceIds: [traceId] });
        expect((await get(`/traces/${traceId}/summary`, undefined, pg)).body).toEqual((await get(`/traces/${traceId}/summary`)).body);
      }
      expect((await get('/sessions/uploads-default', undefined, pg)).body).toMatchObject({ name: 'Uploads', traceCount: 2 });
      expect((await get(`/sessions/uploads-default/logs?traceId=${OSS_TRACE_ID}`, undefined, pg)).body.logs.length).toBeGreaterThanOrEqual(2);
      await pg.close();
      servers.splice(servers.indexOf(pg), 1);
    } finally {
      await db.drop();
    }
  });

  it('?format=zip holds the trace and its logs; uploading the zip stores both', async () => {
    const zip = await get(`/traces/${OSS_TRACE_ID}/export?format=zip`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(zip.bytes);
    expect(Object.keys(files).sort()).toEqual(['logs.json', 'trace.json']);
    const logs = JSON.parse(strFromU8(files['logs.json']));
    const records = logs.resourceLogs[0].scopeLogs[0].logRecords;
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records.every((r: any) => r.traceId === OSS_TRACE_ID)).toBe(true);

    const fresh = await freshServer();
    const up = await upload(zip.bytes, undefined, fresh);
    expect(up).toMatchObject({ status: 201, body: { sessionId: 'uploads-default', traceIds: [OSS_TRACE_ID], logs: records.length } });
    const stored = await get(`/sessions/uploads-default/logs?traceId=${OSS_TRACE_ID}`, undefined, fresh);
    expect(stored.body.logs.map((l: any) => l.timeUnixNano).sort()).toEqual(records.map((r: any) => r.timeUnixNano).sort());
    expect(stored.body.logs.map((l: any) => l.spanId).sort()).toEqual(records.map((r: any) => r.spanId).sort());
    expect((await get(`/sessions/uploads-default`, undefined, fresh)).body).toMatchObject({ name: 'Uploads', status: 'completed', traceCount: 1 });
  });

  it("a Konnect export uploaded by a viewer gives the Summary Konnect's rules give", async () => {
    const file = fs.readFileSync(path.join(__dirname, '..', 'uploads', 'fixtures', 'konnect-enterprise-trace.json'));
    const up = await upload(new Uint8Array(file), tok.viewer, server, 'application/json');
    expect(up).toMatchObject({ status: 201, body: { sessionId: 'uploads-team-a', traceIds: [ENTERPRISE_TRACE_ID] } });
    const summary = (await get(`/traces/${ENTERPRISE_TRACE_ID}/summary`)).body;
    // konnect-debugger.md §2.4 on the fixture's spans (µs offsets in common/spans/testing.ts)
    expect(summary.latency).toEqual({ totalMs: 40, internalMs: 6.5, upstreamMs: 25, thirdParty: { totalMs: 2.3, dnsMs: 0.3, redisMs: 2 }, clientMs: 6.2 });
    const m = summary.lifecycle;
    expect([m.clientOut.durationNs, m.upstreamIn.durationNs, m.upstreamOut.durationNs, m.clientIn.durationNs]).toEqual([1_200_000, 1_800_000, 23_000_000, 3_000_000]);
    expect(m.requestPlugins.map((p: any) => [p.key, p.durationNs])).toEqual([
      ['certificate.tls-handshake-modifier', 100_000],
      ['rewrite.pre-function', 100_000],
      ['access.correlation-id', 50_000],
      ['access.key-auth', 1_000_000],
      ['access.request-transformer', 2_200_000],
      ['access.rate-limiting-advanced', 2_300_000],
    ]);
    expect(m.responsePlugins.map((p: any) => [p.key, p.durationNs])).toEqual([
      ['header_filter.correlation-id', 100_000],
      ['header_filter.rate-limiting-advanced', 150_000],
      ['body_filter.response-transformer', 600_000],
    ]);
    const sessions = (await get('/sessions')).body.sessions;
    expect(sessions.find((s: any) => s.id === 'uploads-team-a')).toMatchObject({ name: 'Uploads', traceCount: 1, tenant: 'team-a' });
    // uploading it again adds nothing
    expect((await upload(new Uint8Array(file))).status).toBe(201);
    expect((await get('/sessions/uploads-team-a')).body.traceCount).toBe(1);
    const audit = (await get('/audit?target=uploads-team-a')).body.entries;
    expect(audit[0]).toMatchObject({ action: 'trace.upload', actor: { name: 'viewer' }, details: { format: 'konnect-json', traceIds: [ENTERPRISE_TRACE_ID], spans: 30 } });
    // another tenant uploading a trace with the same id gets its own copy (traces are keyed by tenant and id);
    // team-a's is untouched
    const b = await upload(new Uint8Array(file), tok.viewerB);
    expect(b).toMatchObject({ status: 201, body: { sessionId: 'uploads-team-b', traceIds: [ENTERPRISE_TRACE_ID] } });
    expect((await get('/sessions/uploads-team-a')).body.traceCount).toBe(1);
    expect((await get(`/traces/${ENTERPRISE_TRACE_ID}`, tok.viewerB)).status).toBe(200);
  });

  it('malformed, empty, too large and unauthorised uploads are refused with the reason', async () => {
    const bad = await upload(new TextEncoder().encode('{"resourceSpans": [ { "scopeSpans": [ { "spans": [ {"traceId": "zz"} ] } ] } ]}'));
    expect(bad).toMatchObject({ status: 400, body: { message: 'cannot read the uploaded file: 1 item(s) cannot be read: resourceSpans[0].scopeSpans[0].spans[0]: traceId must be 16 bytes as 32 hex or 24 base64 chars, got "zz"' } });
    expect((await upload(new TextEncoder().encode('{"a":'))).body.message).toBe('cannot read the uploaded file: invalid JSON at line 1, column 6: Unexpected end of JSON input');
    expect((await upload(new Uint8Array())).status).toBe(400);
    expect((await upload(new Uint8Array(17 * 1024 * 1024))).body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'the file is larger than the 16777216 bytes an upload may have' });
    expect((await upload(new TextEncoder().encode('{}'), tok.ingest)).status).toBe(403);
    expect((await upload(new TextEncoder().encode('{}'), '')).status).toBe(401);
  });
});

describe('compare, typical, abnormal, statistics', () => {
  it('compares two traces across dialects and sessions of one tenant; other tenants get 404', async () => {
    const c = await get(`/traces/${ENTERPRISE_TRACE_ID}/compare/${OSS_TRACE_ID}`);
    expect(c.status).toBe(200);
    expect(c.body.a).toMatchObject({ traceId: ENTERPRISE_TRACE_ID, dialect: 'enterprise' });
    expect(c.body.a.sessionIds).toContain(s2);
    expect(c.body.b).toMatchObject({ traceId: OSS_TRACE_ID, dialect: 'oss', sessionIds: [s1] });
    expect(c.body.latency[0]).toEqual({ metric: 'totalMs', label: 'Total', aMs: 40, bMs: 50.713402, diffMs: -10.713402 });
    expect(c.body.nodes.find((n: any) => n.key === 'access.key-auth')).toMatchObject({ presence: 'both', aNs: 1_000_000, bNs: 4_125_324, diffNs: -3_125_324 });
    expect(c.body.nodes.find((n: any) => n.key === 'clientOut').presence).toBe('onlyA');
    expect(c.body.spans[0]).toMatchObject({ name: 'kong.balancer', occurrence: 2, diffNs: -35_115_288 });

    expect((await get(`/traces/${ENTERPRISE_TRACE_ID}/compare/${OSS_TRACE_ID}`, tok.viewerC)).status).toBe(404);
    expect((await get(`/traces/${ENTERPRISE_TRACE_ID}/abnormal`, tok.viewerC)).status).toBe(404);
    expect((await get(`/traces/${ENTERPRISE_TRACE_ID}/statistics`, tok.viewerC)).status).toBe(404);
    expect((await get(`/traces/${ENTERPRISE_TRACE_ID}/export`, tok.viewerC)).status).toBe(404);
    expect((await get(`/traces/${'1'.repeat(32)}/compare/${OSS_TRACE_ID}`)).body).toMatchObject({ statusCode: 404, message: `no stored trace with id ${'1'.repeat(32)}` });
    expect((await get(`/traces/nope/compare/${OSS_TRACE_ID}`)).status).toBe(400);
  });

  it('compares with the typical trace: the median of the same route in the session', async () => {
    const slow = routeTraces[24].traceId;
    const c = await get(`/traces/${slow}/compare/typical?sessionId=${s1}`);
    expect(c.status).toBe(200);
    // the other 24 traces of r1 have totals 10..33 ms: the lower median is the 12th, 21 ms (i = 11)
    expect(c.body.typical).toEqual({ traceId: routeTraces[11].traceId, sessionId: s1, basis: 'route', routeId: 'r1' });
    expect(c.body.latency[0]).toMatchObject({ aMs: 34, bMs: 21, diffMs: 13 });
    expect(c.body.nodes.find((n: any) => n.key === 'access.key-auth')).toMatchObject({ aNs: 10_000_000, bNs: 1_200_000, diffNs: 8_800_000 });
    // the OSS fixture has no route id: the session's median
    expect((await get(`/traces/${OSS_TRACE_ID}/compare/typical`)).body.typical).toMatchObject({ sessionId: s1, basis: 'session' });
  });

  it('flags the node above the session p95, with p50/p95 and the percentile', async () => {
    const a = await get(`/traces/${routeTraces[24].traceId}/abnormal?sessionId=${s1}`);
    expect(a.status).toBe(200);
    expect(a.body.abnormalKeys).toEqual(['access.key-auth']);
    const keyAuth = a.body.nodes.find((n: any) => n.key === 'access.key-auth');
    // session s1: the 25 route traces (0.1..2.4 ms and 10 ms) plus the OSS fixture's key-auth (4_125_324 ns): 26 values;
    // p50 = #13 = 1.3 ms, p95 = #25 (ceil 24.7) = 4_125_324 ns
    expect(keyAuth).toMatchObject({ abnormal: true, durationNs: 10_000_000, session: { count: 26, p50Ns: 1_300_000, p95Ns: 4_125_324, percentile: 100 } });
    // route r1 alone: 25 values, p50 #13 = 1.3 ms, p95 #24 = 2.4 ms
    expect(keyAuth.route).toEqual({ count: 25, p50Ns: 1_300_000, p95Ns: 2_400_000, percentile: 100 });
    const ordinary = await get(`/traces/${routeTraces[3].traceId}/abnormal`);
    expect(ordinary.body.abnormalKeys).toEqual([]);
    expect(ordinary.body.nodes.find((n: any) => n.key === 'access.key-auth').session.percentile).toBe(Math.round((1000 * 4) / 26) / 10);
  });

  it('per-trace statistics sorted by self time, grouped by name or plugin', async () => {
    const s = await get(`/traces/${ENTERPRISE_TRACE_ID}/statistics`);
    expect(s.status).toBe(200);
    expect(s.body.rows[0]).toMatchObject({ group: 'kong.read_headers_from_upstream', count: 1, selfNs: 20_000_000 });
    expect(s.body.rows.find((r: any) => r.group === 'kong')).toMatchObject({ selfNs: 600_000 });
    const p = await get(`/traces/${ENTERPRISE_TRACE_ID}/statistics?groupBy=plugin`);
    expect(p.body.rows.find((r: any) => r.group === 'plugin rate-limiting-advanced')).toMatchObject({ count: 2, selfNs: 450_000 });
    expect((await get(`/traces/${ENTERPRISE_TRACE_ID}/statistics?groupBy=phase`)).body.message).toBe('query parameter "groupBy" must be "name" or "plugin"; got "phase"');
  });
});
