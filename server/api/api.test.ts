import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Session, TraceList } from '../../common/api';
import { traceSummary } from '../../common/lifecycle';
import { spansFromOtlpJson } from '../../common/spans/testing';
import { startServer, type RunningServer } from '../app';
import { encodeLogsProtobuf, encodeTracesProtobuf } from '../otlp/testing';
import { createTestDatabase } from '../testing/pg';
import { openTokenStore } from '../auth/open-token-store';
import { attr, getJson, hexId, kongRequest, loadFixture, logsPayload, postJson, tracesPayload } from '../testing/otlp-builders';

let dataDir: string;
let server: RunningServer;
/** the server to close after the test (tests that restart close the first one themselves) */
let running: RunningServer | undefined;
/** set while the suite runs on PostgreSQL: a fresh database per test */
let databaseUrl: string | undefined;

async function start(extra: Partial<Parameters<typeof startServer>[0]> = {}) {
  server = await startServer({ dataDir, port: 0, otlpPort: 0, databaseUrl, ...extra });
  running = server;
  return server;
}

async function createSession(body: unknown): Promise<Session> {
  const r = await postJson(`${server.apiUrl}/api/v1/sessions`, body);
  expect(r.status).toBe(201);
  return r.body;
}

async function postProtobuf(url: string, bytes: Uint8Array) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: bytes });
  return res.status;
}

async function sendTraces(spans: any[], resource?: any, as: 'json' | 'protobuf' = 'protobuf') {
  const payload = tracesPayload(spans, resource);
  const status =
    as === 'json' ? (await postJson(`${server.otlpUrl}/v1/traces`, payload)).status : await postProtobuf(`${server.otlpUrl}/v1/traces`, encodeTracesProtobuf(payload));
  expect(status).toBe(200);
}

async function traces(sessionId: string, query = ''): Promise<TraceList> {
  const r = await getJson(`${server.apiUrl}/api/v1/sessions/${sessionId}/traces${query}`);
  expect(r.status).toBe(200);
  return r.body;
}

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-api-'));
});

afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// The whole suite runs on both stores: the embedded SQLite and PostgreSQL (the machine's, trust auth).
describe.each(['sqlite', 'postgres'] as const)('on %s', (kind) => {
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    if (kind !== 'postgres') return;
    const db = await createTestDatabase();
    databaseUrl = db.url;
    drop = db.drop;
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await drop?.();
    drop = undefined;
    databaseUrl = undefined;
  });

  describe('sessions', () => {
    beforeEach(() => start());

    it('answers health', async () => {
      const r = await getJson(`${server.apiUrl}/api/v1/health`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'ok', store: kind, runningSessions: 0 });
    });

    it('creates a session with defaults, lists, gets, stops and deletes it', async () => {
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60 });
      expect(s).toMatchObject({ status: 'in_progress', maxTraces: 200, captureLogs: false, traceCount: 0, durationSeconds: 60 });
      expect(Date.parse(s.endsAt!) - Date.parse(s.startedAt!)).toBe(60_000);

      expect((await getJson(`${server.apiUrl}/api/v1/sessions`)).body.sessions.map((x: Session) => x.id)).toEqual([s.id]);
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}`)).body.id).toBe(s.id);

      const stopped = await postJson(`${server.apiUrl}/api/v1/sessions/${s.id}/stop`, {});
      expect(stopped.status).toBe(200);
      expect(stopped.body.status).toBe('cancelled');
      const again = await postJson(`${server.apiUrl}/api/v1/sessions/${s.id}/stop`, {});
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/already ended \(status cancelled\)/);

      const del = await fetch(`${server.apiUrl}/api/v1/sessions/${s.id}`, { method: 'DELETE' });
      expect(del.status).toBe(204);
      const gone = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.message).toBe(`no debug session with id "${s.id}"`);
    });

    it.each([
      [{ rule: { type: 'advanced', expression: 'http.path == "/x"' }, durationSeconds: 9 }, /durationSeconds must be from 10/],
      [{ rule: { type: 'advanced', expression: 'http.path == "/x"' }, durationSeconds: 1801 }, /durationSeconds must be from 10/],
      [{ rule: { type: 'advanced', expression: 'http.path == "/x"' } }, /durationSeconds is required/],
      [{ rule: { type: 'advanced', expression: 'http.path == "/x"' }, durationSeconds: 60, maxTraces: 0 }, /maxTraces must be/],
      [{ rule: { type: 'fancy' }, durationSeconds: 60 }, /rule.type must be "basic" or "advanced"/],
      [{ rule: { type: 'basic', routeIds: [1] }, durationSeconds: 60 }, /rule.routeIds must be an array of non-empty strings/],
      [{ rule: { type: 'advanced', expression: 'a == 1' }, durationSeconds: 60, colour: 'red' }, /unknown field "colour"/],
      ['nope', /body must be a JSON object/],
    ])('rejects %j with a 400', async (body, message) => {
      const r = await postJson(`${server.apiUrl}/api/v1/sessions`, body);
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(message);
    });

    it('rejects a rule with a typo with the position of the fault, like validate does', async () => {
      const expression = 'http.response.status_cod >= 500';
      const r = await postJson(`${server.apiUrl}/api/v1/sessions`, { rule: { type: 'advanced', expression }, durationSeconds: 60 });
      expect(r.status).toBe(400);
      expect(r.body.errors[0]).toMatchObject({ start: 0, end: 'http.response.status_cod'.length });
      expect(r.body.errors[0].message).toMatch(/http\.response\.status_code/);
      const v = await postJson(`${server.apiUrl}/api/v1/expressions/validate`, { expression });
      expect(v.status).toBe(200);
      expect(v.body.valid).toBe(false);
      expect(v.body.errors).toEqual(r.body.errors);
      const ok = await postJson(`${server.apiUrl}/api/v1/expressions/validate`, { expression: 'http.response.status_code >= 500' });
      expect(ok.body).toEqual({ valid: true, errors: [] });
    });

    it('gives JSON 404s for unknown sessions and endpoints, and 400 for malformed JSON', async () => {
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/nope/traces`)).status).toBe(404);
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/nope/logs`)).status).toBe(404);
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/nope/summary`)).status).toBe(404);
      const r = await getJson(`${server.apiUrl}/api/v1/nothing`);
      expect(r.status).toBe(404);
      expect(r.body.message).toBe('no such endpoint: GET /api/v1/nothing');
      const bad = await fetch(`${server.apiUrl}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rule":' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/JSON/i);
    });
  });

  describe('capture', () => {
    beforeEach(() => start());

    it('keeps only the traces a running session matches, in every session they match', async () => {
      const errors = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60 });
      const route = await createSession({ rule: { type: 'basic', routeIds: ['route-a'] }, durationSeconds: 60 });
      const ok = kongRequest({ status: 200, routeId: 'route-b' });
      const fail = kongRequest({ status: 503, routeId: 'route-a' });
      const okA = kongRequest({ status: 201, routeId: 'route-a' });
      const oss = kongRequest({ status: 502, oss: true });
      await sendTraces([...ok.spans, ...fail.spans, ...okA.spans]);
      await sendTraces(oss.spans, oss.resource, 'json');

      expect((await traces(errors.id)).traces.map((t) => t.traceId).sort()).toEqual([fail.traceId, oss.traceId].sort());
      expect((await traces(route.id)).traces.map((t) => t.traceId).sort()).toEqual([fail.traceId, okA.traceId].sort());
      expect((await getJson(`${server.apiUrl}/api/v1/traces/${ok.traceId}`)).status).toBe(404);

      const detail = await getJson(`${server.apiUrl}/api/v1/traces/${fail.traceId}`);
      expect(detail.status).toBe(200);
      expect(detail.body.spans).toHaveLength(3);
      expect(detail.body.spans.every((s: any) => /^[0-9a-f]{32}$/.test(s.traceId) && /^[0-9a-f]{16}$/.test(s.spanId))).toBe(true);
      expect(detail.body.scope).toEqual({ name: 'kong-internal', version: '0.1.0' });
      // The same trace addressed by the base64 form Kong Enterprise writes.
      const b64 = Buffer.from(fail.traceId, 'hex').toString('base64');
      expect((await getJson(`${server.apiUrl}/api/v1/traces/${encodeURIComponent(b64)}`)).body.traceId).toBe(fail.traceId);
      expect((await getJson(`${server.apiUrl}/api/v1/traces/xyz`)).status).toBe(400);

      const s = (await getJson(`${server.apiUrl}/api/v1/sessions/${errors.id}`)).body;
      expect(s.traceCount).toBe(2);
    });

    it.each([
      ['?status=6xx', /query parameter "status": invalid status filter "6xx"/],
      ['?upstreamStatus=abc', /query parameter "upstreamStatus": invalid status filter "abc"/],
      ['?traceId=xyz', /invalid trace id "xyz": expected 32 hex characters/],
      ['?minDurationMs=-1', /"minDurationMs" must be a number from 0/],
      ['?limit=0', /"limit" must be a whole number from 1 to 1000/],
      ['?cursor=nope', /invalid cursor/],
      ['?from=yesterday', /"from" must be Unix milliseconds or an ISO 8601 time/],
      ['?from=2000&to=1000', /"from" \(2000\) is after "to" \(1000\)/],
      ['?errorsOnly=maybe', /"errorsOnly" must be true or false/],
      ['?colour=red', /unknown query parameter "colour"; accepted: .*requestId.*attr\.<key>/],
      ['?attr.=x', /needs an attribute key/],
      ['?attr.http.route=', /needs a value/],
      ['?requestId=a&requestId=b', /"requestId" must be given once/],
      ['?requestId=<600 chars>', /at most 512 printable characters/],
      ['?attr.k0=v&…&attr.k8=v', /at most 8 attr.<key> parameters/],
    ])('answers 400 to a trace search with %s', async (label, message) => {
      const q = label
        .replace('<600 chars>', 'x'.repeat(600))
        .replace('attr.k0=v&…&attr.k8=v', Array.from({ length: 9 }, (_, i) => `attr.k${i}=v`).join('&'));
      const r = await getJson(`${server.apiUrl}/api/v1/traces${q}`);
      expect([r.status, r.body.message]).toEqual([400, expect.stringMatching(message)]);
    });

    it('judges a trace split over two requests when its root arrives last', async () => {
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.path ^= "/v1"' }, durationSeconds: 60 });
      const t = kongRequest({ path: '/v1/users' });
      const [root, ...rest] = t.spans;
      await sendTraces(rest);
      expect((await traces(s.id)).traces).toHaveLength(0);
      await sendTraces([root]);
      const list = await traces(s.id);
      expect(list.traces).toHaveLength(1);
      expect(list.traces[0]).toMatchObject({ traceId: t.traceId, spanCount: 3, path: '/v1/users', method: 'GET' });
      // A late duplicate of a span (Kong retries non-200 answers) is an upsert, not a new span.
      await sendTraces([rest[0]]);
      expect((await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}`)).body.spans).toHaveLength(3);
    });

    it('puts a trace whose resource names a session into it directly', async () => {
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code == 999' }, durationSeconds: 60 });
      const t = kongRequest({ sessionId: s.id });
      await sendTraces(t.spans, t.resource);
      expect((await traces(s.id)).traces.map((x) => x.traceId)).toEqual([t.traceId]);
      // A session.id that names no session of ours is ignored: the rule decides.
      const other = kongRequest({ sessionId: '01890000-0000-7000-8000-000000000000' });
      await sendTraces(other.spans, other.resource);
      expect((await traces(s.id)).traces).toHaveLength(1);
    });

    it('completes a session at its trace cap without overshooting', async () => {
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 200' }, durationSeconds: 60, maxTraces: 3 });
      const reqs = Array.from({ length: 5 }, () => kongRequest());
      await sendTraces(reqs.flatMap((r) => r.spans));
      const after = (await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}`)).body;
      expect(after.status).toBe('completed');
      expect(after.traceCount).toBe(3);
      expect(after.endedAt).toBeDefined();
      expect((await traces(s.id)).traces).toHaveLength(3);
    });

    it('filters and pages the trace list, newest first', async () => {
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 60 });
      const t0 = Date.now() - 60_000;
      const specs = [
        { status: 200, method: 'GET', path: '/a/1', durationMs: 5, routeId: 'r1', serviceId: 's1' },
        { status: 404, method: 'GET', path: '/a/2', durationMs: 50, routeId: 'r1', serviceId: 's1' },
        { status: 500, method: 'POST', path: '/b/1', durationMs: 500, routeId: 'r2', serviceId: 's1' },
        { status: 503, method: 'PUT', path: '/b/2', durationMs: 80, routeId: 'r2', serviceId: 's2' },
        { status: 201, method: 'POST', path: '/a/3', durationMs: 10, routeId: 'r3', serviceId: 's2' },
      ];
      const built = specs.map((sp, i) => kongRequest({ ...sp, startMs: t0 + i * 1000 }));
      await sendTraces(built.flatMap((b) => b.spans));
      const ids = (l: TraceList) => l.traces.map((t) => built.findIndex((b) => b.traceId === t.traceId));

      expect(ids(await traces(s.id))).toEqual([4, 3, 2, 1, 0]);
      expect(ids(await traces(s.id, '?status=5xx'))).toEqual([3, 2]);
      expect(ids(await traces(s.id, '?status=404'))).toEqual([1]);
      expect(ids(await traces(s.id, '?status=200-404'))).toEqual([4, 1, 0]);
      expect(ids(await traces(s.id, '?method=post'))).toEqual([4, 2]);
      expect(ids(await traces(s.id, '?path=/a'))).toEqual([4, 1, 0]);
      expect(ids(await traces(s.id, '?minDurationMs=50'))).toEqual([3, 2, 1]);
      expect(ids(await traces(s.id, '?errorsOnly=true'))).toEqual([3, 2]);
      expect(ids(await traces(s.id, '?routeId=r2'))).toEqual([3, 2]);
      expect(ids(await traces(s.id, '?serviceId=s2'))).toEqual([4, 3]);
      expect(ids(await traces(s.id, `?from=${t0 + 1000}&to=${t0 + 3000}`))).toEqual([3, 2, 1]);

      const p1 = await traces(s.id, '?limit=2');
      expect(ids(p1)).toEqual([4, 3]);
      const p2 = await traces(s.id, `?limit=2&cursor=${p1.nextCursor}`);
      expect(ids(p2)).toEqual([2, 1]);
      const p3 = await traces(s.id, `?limit=2&cursor=${p2.nextCursor}`);
      expect(ids(p3)).toEqual([0]);
      expect(p3.nextCursor).toBeUndefined();

      for (const [q, msg] of [
        ['?status=6xx', /invalid status filter/],
        ['?limit=0', /"limit" must be a whole number from 1 to 1000/],
        ['?cursor=garbage', /invalid cursor/],
        ['?sort=asc', /unknown query parameter "sort"/],
        ['?errorsOnly=maybe', /must be true or false/],
      ] as const) {
        const r = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/traces${q}`);
        expect(r.status).toBe(400);
        expect(r.body.message).toMatch(msg);
      }
    });

    it('serves the trace summary and the session summary for Kong\'s fixture', async () => {
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code == 200' }, durationSeconds: 60 });
      const fixture = loadFixture('kong-trace.otlp.json');
      expect(await postProtobuf(`${server.otlpUrl}/v1/traces`, encodeTracesProtobuf(fixture))).toBe(200);
      const spans = spansFromOtlpJson(fixture);
      const traceId = spans[0].traceId;
      const r = await getJson(`${server.apiUrl}/api/v1/traces/${traceId}/summary`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(JSON.parse(JSON.stringify(traceSummary(traceId, spans))));
      expect(r.body.lifecycle.requestPlugins.map((n: any) => n.plugin)).toEqual(
        expect.arrayContaining(['pre-function', 'correlation-id', 'key-auth', 'ext-authz', 'rate-limiting', 'opentelemetry']),
      );

      const sum = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/summary`);
      expect(sum.status).toBe(200);
      expect(sum.body.traceCount).toBe(1);
      const node = sum.body.nodes['access.key-auth'];
      const own = r.body.lifecycle.requestPlugins.find((n: any) => n.key === 'access.key-auth');
      expect(node).toMatchObject({ count: 1, p50Ns: own.durationNs, p99Ns: own.durationNs, maxNs: own.durationNs });
    });
  });

  describe('logs', () => {
    beforeEach(() => start());

    it('keeps the logs of captured traces whatever the order, drops the others, and never twice', async () => {
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60, captureLogs: true });
      const kept = kongRequest({ status: 500 });
      const dropped = kongRequest({ status: 200 });
      const now = Date.now();
      const early = logsPayload([
        { traceId: kept.traceId, spanId: kept.pluginSpanId, body: 'before the trace', severityText: 'ERR', severityNumber: 17, timeMs: now - 3 },
        { traceId: dropped.traceId, spanId: dropped.pluginSpanId, body: 'not captured', timeMs: now - 2 },
      ]);
      expect(await postProtobuf(`${server.otlpUrl}/v1/logs`, encodeLogsProtobuf(early))).toBe(200);
      await sendTraces([...kept.spans, ...dropped.spans]);
      const late = logsPayload([
        { traceId: kept.traceId, body: 'after the trace, log phase', severityText: 'NOTICE', severityNumber: 11, timeMs: now - 1 },
        { body: 'worker: queue flushed', severityText: 'WARN', severityNumber: 13, timeMs: now },
      ]);
      expect((await postJson(`${server.otlpUrl}/v1/logs`, late)).status).toBe(200);
      // Kong retries a batch it did not see answered 200: the copy must not be stored twice.
      expect((await postJson(`${server.otlpUrl}/v1/logs`, late)).status).toBe(200);

      const all = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs`);
      expect(all.status).toBe(200);
      expect(all.body.logs.map((l: any) => l.body)).toEqual(['worker: queue flushed', 'after the trace, log phase', 'before the trace']);
      const first = all.body.logs[2];
      expect(first).toMatchObject({ level: 'error', severityText: 'ERR', traceId: kept.traceId, spanId: kept.pluginSpanId, spanName: 'kong.access.plugin.key-auth' });
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}`)).body.logCount).toBe(3);

      const bySpan = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs?spanId=${kept.pluginSpanId}`);
      expect(bySpan.body.logs.map((l: any) => l.body)).toEqual(['before the trace']);
      const byTrace = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs?traceId=${kept.traceId}`);
      expect(byTrace.body.logs).toHaveLength(2);
      const byLevel = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs?level=warn,notice`);
      expect(byLevel.body.logs.map((l: any) => l.level)).toEqual(['warn', 'notice']);
      const page = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs?limit=2`);
      const next = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs?limit=2&cursor=${page.body.nextCursor}`);
      expect([...page.body.logs, ...next.body.logs].map((l: any) => l.id)).toEqual(all.body.logs.map((l: any) => l.id));
      const bad = await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs?level=loud`);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/unknown log level "loud"/);
    });

    it("answers a trace's (and span's) logs without the session, paging in the session that holds them", async () => {
      const noLogs = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 60 });
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60, captureLogs: true });
      const t = kongRequest({ status: 500 });
      await sendTraces(t.spans);
      const now = Date.now();
      await postJson(
        `${server.otlpUrl}/v1/logs`,
        logsPayload([
          { traceId: t.traceId, spanId: t.pluginSpanId, body: 'one', timeMs: now - 3 },
          { traceId: t.traceId, body: 'two', timeMs: now - 2 },
          { traceId: t.traceId, body: 'three', timeMs: now - 1 },
        ])
      );
      const all = await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}/logs`);
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ sessionId: s.id });
      expect(all.body.logs.map((l: any) => l.body)).toEqual(['three', 'two', 'one']);
      expect(noLogs.id).not.toBe(s.id);

      const span = await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}/logs?spanId=${t.pluginSpanId}`);
      expect(span.body.logs.map((l: any) => l.body)).toEqual(['one']);

      const page = await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}/logs?limit=2`);
      expect(page.body.logs.map((l: any) => l.body)).toEqual(['three', 'two']);
      const next = await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}/logs?limit=2&cursor=${page.body.nextCursor}`);
      expect(next.body.logs.map((l: any) => l.body)).toEqual(['one']);
      expect(next.body.nextCursor).toBeUndefined();

      expect((await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}/logs?cursor=garbage`)).status).toBe(400);
      expect((await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}/logs?traceId=${t.traceId}`)).status).toBe(400);
      expect((await getJson(`${server.apiUrl}/api/v1/traces/${hexId(16)}/logs`)).status).toBe(404);
    });

    it('keeps no logs for a session that does not capture them', async () => {
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 60 });
      const t = kongRequest();
      await sendTraces(t.spans);
      await postJson(`${server.otlpUrl}/v1/logs`, logsPayload([{ traceId: t.traceId, body: 'x' }]));
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs`)).body.logs).toEqual([]);
    });
  });

  describe('secrets', () => {
    it('redacts credentials at ingest, so no answer carries them; --redact adds names and turns defaults off', async () => {
      await start({ redact: ['x-tenant-secret', '-cookie'] });
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 60, captureLogs: true });
      const t = kongRequest({ oss: true });
      const root = t.spans[0];
      root.attributes = root.attributes.filter((a: any) => a.key !== 'http.url');
      root.attributes.push(
        attr('http.url', 'https://api.example.com/orders/42?apikey=sekrit-1&page=2'),
        attr('http.request.header.authorization', 'Basic c2Vrcml0LTI='),
        attr('http.request.header.x-tenant-secret', 'sekrit-3'),
        attr('http.request.header.cookie', 'theme=dark'),
      );
      const query = {
        traceId: t.traceId,
        spanId: hexId(8),
        parentSpanId: t.pluginSpanId,
        name: 'kong.database.query',
        kind: 1,
        startTimeUnixNano: t.spans[1].startTimeUnixNano,
        endTimeUnixNano: t.spans[1].endTimeUnixNano,
        attributes: [attr('db.system', 'postgres'), attr('db.statement', `SELECT "id" FROM "keyauth_credentials" WHERE "key" = 'sekrit-4' LIMIT 1;`)],
      };
      await sendTraces([...t.spans, query], { attributes: [attr('service.name', 'kong'), attr('deployment.password', 'sekrit-5')] });
      const logs = logsPayload([{ traceId: t.traceId, spanId: t.pluginSpanId, body: 'GET /orders/42?apikey=sekrit-6 HTTP/1.1' }]);
      expect(await postProtobuf(`${server.otlpUrl}/v1/logs`, encodeLogsProtobuf(logs))).toBe(200);

      const detail = await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}`);
      expect(detail.status).toBe(200);
      const served = JSON.stringify([detail.body, (await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs`)).body, await traces(s.id)]);
      expect(served).not.toMatch(/sekrit|c2Vrcml0/);
      const spans = new Map<string, any>(detail.body.spans.map((sp: any) => [sp.name, sp]));
      expect(spans.get('kong').attributes).toMatchObject({
        'http.url': 'https://api.example.com/orders/42?apikey=[REDACTED]&page=2',
        'http.request.header.authorization': '[REDACTED]',
        'http.request.header.x-tenant-secret': '[REDACTED]',
        'http.request.header.cookie': 'theme=dark',
      });
      expect(spans.get('kong.database.query').attributes['db.statement']).toBe('SELECT "id" FROM "keyauth_credentials" WHERE "key" = ? LIMIT ?;');
      expect(detail.body.resource).toMatchObject({ 'deployment.password': '[REDACTED]' });
      expect(served).toContain('GET /orders/42?apikey=[REDACTED] HTTP/1.1');
    });
  });

  describe('tenants', () => {
    // Two teams' Kongs behind one debugger: W3C trace context propagated from one team's gateway to a service
    // behind the other's gives both the same trace id. Each tenant's data stays its own.
    const tok: Record<string, string> = {};
    const api = (p: string) => `${server.apiUrl}/api/v1${p}`;
    const as = (who: string) => ({ authorization: `Bearer ${tok[who]}` });
    async function call(method: string, url: string, who: string, body?: unknown) {
      const res = await fetch(url, { method, headers: { ...as(who), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    }
    async function ingestTraces(who: string, spans: any[]) {
      const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { ...as(who), 'content-type': 'application/x-protobuf' }, body: encodeTracesProtobuf(tracesPayload(spans)) });
      expect(res.status).toBe(200);
    }
    async function ingestLogs(who: string, records: Parameters<typeof logsPayload>[0]) {
      const res = await fetch(`${server.otlpUrl}/v1/logs`, { method: 'POST', headers: { ...as(who), 'content-type': 'application/x-protobuf' }, body: encodeLogsProtobuf(logsPayload(records)) });
      expect(res.status).toBe(200);
    }
    const spanIds = (spans: any[]) => spans.map((x) => x.spanId).sort();

    beforeEach(async () => {
      await start({ auth: 'tokens', apiToken: 'bootstrap-admin-secret-0123456789' });
      const tokens = await openTokenStore(dataDir, server.store.sharedPool);
      for (const [key, role, tenant] of [
        ['debuggerA', 'debugger', 'team-a'],
        ['ingestA', 'ingest', 'team-a'],
        ['debuggerB', 'debugger', 'team-b'],
        ['ingestB', 'ingest', 'team-b'],
      ] as const) {
        tok[key] = (await tokens.create(key, role, tenant)).token;
      }
      await tokens.close();
    });

    it('lets two tenants capture the same trace id, each its own spans and logs', async () => {
      const rule = { type: 'advanced', expression: 'http.response.status_code >= 100' };
      const a = (await call('POST', api('/sessions'), 'debuggerA', { rule, durationSeconds: 60, captureLogs: true })).body;
      const b = (await call('POST', api('/sessions'), 'debuggerB', { rule, durationSeconds: 60, captureLogs: true })).body;
      const traceId = hexId(16);
      const fromA = kongRequest({ traceId, routeId: 'route-of-a', status: 200 });
      const fromB = kongRequest({ traceId, routeId: 'route-of-b', status: 503 });
      const [rootB, ...restB] = fromB.spans;
      // B's logs and child spans wait for B's root; A judges the same trace id meanwhile.
      await ingestLogs('ingestB', [{ traceId, spanId: fromB.pluginSpanId, body: 'log of b' }]);
      await ingestTraces('ingestB', restB);
      await ingestLogs('ingestA', [{ traceId, spanId: fromA.pluginSpanId, body: 'log of a' }]);
      await ingestTraces('ingestA', fromA.spans);
      await ingestTraces('ingestB', [rootB]);
      await ingestLogs('ingestA', [{ traceId, body: 'late log of a' }]);
      await ingestLogs('ingestB', [{ traceId, body: 'late log of b' }]);

      const detailA = await call('GET', api(`/traces/${traceId}`), 'debuggerA');
      const detailB = await call('GET', api(`/traces/${traceId}`), 'debuggerB');
      expect([detailA.status, detailB.status]).toEqual([200, 200]);
      expect(spanIds(detailA.body.spans)).toEqual(spanIds(fromA.spans));
      expect(spanIds(detailB.body.spans)).toEqual(spanIds(fromB.spans));
      const listA = (await call('GET', api(`/sessions/${a.id}/traces`), 'debuggerA')).body.traces;
      const listB = (await call('GET', api(`/sessions/${b.id}/traces`), 'debuggerB')).body.traces;
      expect(listA.map((t: any) => [t.traceId, t.routeId, t.statusCode, t.spanCount])).toEqual([[traceId, 'route-of-a', 200, 3]]);
      expect(listB.map((t: any) => [t.traceId, t.routeId, t.statusCode, t.spanCount])).toEqual([[traceId, 'route-of-b', 503, 3]]);
      const summaryB = await call('GET', api(`/traces/${traceId}/summary`), 'debuggerB');
      expect(summaryB.status).toBe(200);
      const logsA = (await call('GET', api(`/sessions/${a.id}/logs`), 'debuggerA')).body.logs;
      const logsB = (await call('GET', api(`/sessions/${b.id}/logs`), 'debuggerB')).body.logs;
      expect(logsA.map((l: any) => l.body).sort()).toEqual(['late log of a', 'log of a']);
      expect(logsB.map((l: any) => l.body).sort()).toEqual(['late log of b', 'log of b']);
      // The span name of a log comes from its own tenant's trace.
      expect(logsB.find((l: any) => l.body === 'log of b').spanName).toBe('kong.access.plugin.key-auth');
      expect((await call('GET', api(`/sessions/${a.id}`), 'debuggerA')).body).toMatchObject({ traceCount: 1, logCount: 2 });
      expect((await call('GET', api(`/sessions/${b.id}`), 'debuggerB')).body).toMatchObject({ traceCount: 1, logCount: 2 });
    });

    it("never lets one tenant's ingest token overwrite or add to another tenant's trace or session", async () => {
      const rule = { type: 'advanced', expression: 'http.response.status_code >= 100' };
      const a = (await call('POST', api('/sessions'), 'debuggerA', { rule, durationSeconds: 60, captureLogs: true })).body;
      const capturedByA = async () => {
        const t = kongRequest({ routeId: 'route-of-a', status: 200 });
        await ingestTraces('ingestA', t.spans);
        await ingestLogs('ingestA', [{ traceId: t.traceId, spanId: t.pluginSpanId, body: `log of a ${t.traceId}` }]);
        return { t, before: (await call('GET', api(`/traces/${t.traceId}`), 'debuggerA')).body };
      };
      // Tenant B sends A's trace id: an overwrite of A's spans, a new span and logs.
      const forge = async (t: { traceId: string; spans: any[]; pluginSpanId: string }) => {
        const forged = t.spans.map((x: any) => ({ ...x, name: 'forged' }));
        const extra = { ...t.spans[1], spanId: hexId(8), name: 'forged.extra' };
        await ingestTraces('ingestB', [...forged, extra]);
        await ingestLogs('ingestB', [{ traceId: t.traceId, spanId: t.pluginSpanId, body: 'forged log' }, { body: 'forged worker log' }]);
      };
      const unchanged = async ({ t, before }: Awaited<ReturnType<typeof capturedByA>>) => {
        const after = await call('GET', api(`/traces/${t.traceId}`), 'debuggerA');
        expect(after.body).toEqual(before);
        expect(after.body.spans.map((x: any) => x.name)).not.toContain('forged');
      };

      // With no session of B running ...
      const first = await capturedByA();
      await forge(first.t);
      await unchanged(first);
      expect((await call('GET', api(`/traces/${first.t.traceId}`), 'debuggerB')).status).toBe(404);

      // ... and with one that takes everything B sends: B captures its own copy, never A's.
      const b = (await call('POST', api('/sessions'), 'debuggerB', { rule, durationSeconds: 60, captureLogs: true })).body;
      const second = await capturedByA();
      await forge(second.t);
      await unchanged(second);
      const mine = await call('GET', api(`/traces/${second.t.traceId}`), 'debuggerB');
      expect(mine.status).toBe(200);
      expect(mine.body.spans.map((x: any) => x.name).sort()).toEqual(['forged', 'forged', 'forged', 'forged.extra']);
      expect((await call('GET', api(`/sessions/${b.id}/logs`), 'debuggerB')).body.logs.map((l: any) => l.body).sort()).toEqual(['forged log', 'forged worker log']);

      const logsA = (await call('GET', api(`/sessions/${a.id}/logs`), 'debuggerA')).body.logs;
      expect(logsA.map((l: any) => l.body).sort()).toEqual([`log of a ${first.t.traceId}`, `log of a ${second.t.traceId}`].sort());
      expect((await call('GET', api(`/sessions/${a.id}`), 'debuggerA')).body).toMatchObject({ traceCount: 2, logCount: 2 });
      const listA = (await call('GET', api(`/sessions/${a.id}/traces`), 'debuggerA')).body.traces;
      expect(listA.map((x: any) => [x.routeId, x.spanCount])).toEqual([['route-of-a', 3], ['route-of-a', 3]]);
      for (const p of [`/sessions/${a.id}/traces`, `/sessions/${a.id}/logs`]) expect((await call('GET', api(p), 'debuggerB')).status).toBe(404);
    });

    it("finds a trace across the tenant's sessions by what a user knows of it, never another tenant's", async () => {
      const rule = { type: 'advanced', expression: 'http.response.status_code >= 100' };
      const a1 = (await call('POST', api('/sessions'), 'debuggerA', { rule, durationSeconds: 60 })).body;
      const a2 = (await call('POST', api('/sessions'), 'debuggerA', { rule: { type: 'basic', routeIds: ['route-x'] }, durationSeconds: 60 })).body;
      await call('POST', api('/sessions'), 'debuggerB', { rule, durationSeconds: 60 });
      const ent = kongRequest({ routeId: 'route-x', status: 503, path: '/cart', requestId: '8f3b2c1d0e9a4b5c6d7e8f9a0b1c2d3e' });
      const oss = kongRequest({ oss: true, status: 200, requestId: '0123456789abcdef0123456789abcdef', path: '/orders/7' });
      await ingestTraces('ingestA', [...ent.spans, ...oss.spans]);
      // the same trace id and request id from B's gateway: B's own copy
      const fromB = kongRequest({ traceId: ent.traceId, status: 200, requestId: '8f3b2c1d0e9a4b5c6d7e8f9a0b1c2d3e' });
      await ingestTraces('ingestB', fromB.spans);

      const search = async (q: string, who = 'debuggerA') => {
        const r = await call('GET', api(`/traces${q}`), who);
        expect([q, r.status]).toEqual([q, 200]);
        return r.body.traces.map((t: any) => t.traceId);
      };
      const byRequest = await call('GET', api('/traces?requestId=8f3b2c1d0e9a4b5c6d7e8f9a0b1c2d3e'), 'debuggerA');
      expect(byRequest.body.traces).toEqual([expect.objectContaining({ traceId: ent.traceId, statusCode: 503, routeId: 'route-x', requestId: '8f3b2c1d0e9a4b5c6d7e8f9a0b1c2d3e' })]);
      expect(byRequest.body.traces[0].sessionIds.sort()).toEqual([a1.id, a2.id].sort());
      expect(await search('?requestId=0123456789abcdef0123456789abcdef')).toEqual([oss.traceId]);
      expect(await search(`?traceId=${encodeURIComponent(Buffer.from(oss.traceId, 'hex').toString('base64'))}`)).toEqual([oss.traceId]);
      expect(await search('?status=5xx&routeId=route-x')).toEqual([ent.traceId]);
      expect(await search('?path=/orders&method=get')).toEqual([oss.traceId]);
      expect(await search(`?attr.http.route=/orders&from=${Date.now() - 3_600_000}`)).toEqual([oss.traceId]);
      expect((await search('')).sort()).toEqual([ent.traceId, oss.traceId].sort());
      // tenant B sees only its own copy, whatever it asks
      const b = await call('GET', api('/traces?requestId=8f3b2c1d0e9a4b5c6d7e8f9a0b1c2d3e'), 'debuggerB');
      expect(b.body.traces.map((t: any) => [t.traceId, t.statusCode])).toEqual([[ent.traceId, 200]]);
      expect(await search('', 'debuggerB')).toEqual([ent.traceId]);
      expect(await search('?requestId=0123456789abcdef0123456789abcdef', 'debuggerB')).toEqual([]);
      expect(await search('?status=5xx', 'debuggerB')).toEqual([]);
      expect((await call('GET', api('/traces'), 'ingestA')).status).toBe(403);
    });

    it("answers 404 for another tenant's trace", async () => {
      const rule = { type: 'advanced', expression: 'http.response.status_code >= 100' };
      await call('POST', api('/sessions'), 'debuggerA', { rule, durationSeconds: 60 });
      const t = kongRequest();
      await ingestTraces('ingestA', t.spans);
      expect((await call('GET', api(`/traces/${t.traceId}`), 'debuggerA')).status).toBe(200);
      for (const p of [`/traces/${t.traceId}`, `/traces/${t.traceId}/summary`]) {
        const r = await call('GET', api(p), 'debuggerB');
        expect([p, r.status, r.body.message]).toEqual([p, 404, `no stored trace with id ${t.traceId}`]);
      }
    });
  });

  describe('durability and retention', () => {
    it('keeps sessions, traces and logs across a restart, and running sessions keep capturing', async () => {
      await start();
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 600, captureLogs: true });
      const t = kongRequest();
      await sendTraces(t.spans);
      await postJson(`${server.otlpUrl}/v1/logs`, logsPayload([{ traceId: t.traceId, spanId: t.pluginSpanId, body: 'persisted' }]));
      await server.close();

      await start();
      const again = (await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}`)).body;
      expect(again).toMatchObject({ status: 'in_progress', traceCount: 1, logCount: 1 });
      expect((await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}`)).body.spans).toHaveLength(3);
      const t2 = kongRequest();
      await sendTraces(t2.spans);
      expect((await traces(s.id)).traces).toHaveLength(2);
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs`)).body.logs[0].body).toBe('persisted');
    });

    it('keeps what waited for its root across a restart: spans and logs acknowledged before it are not lost', async () => {
      await start();
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 600, captureLogs: true });
      const t = kongRequest();
      const [root, ...rest] = t.spans;
      await sendTraces(rest);
      await postJson(`${server.otlpUrl}/v1/logs`, logsPayload([{ traceId: t.traceId, spanId: t.pluginSpanId, body: 'waiting' }]));
      expect(server.pipeline.stats).toMatchObject({ waitingSpans: 2, waitingLogs: 1 });
      await server.close();

      await start();
      expect(server.pipeline.stats).toMatchObject({ waitingSpans: 2, waitingLogs: 1 });
      await sendTraces([root]);
      expect((await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}`)).body.spans).toHaveLength(3);
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}/logs`)).body.logs.map((l: any) => l.body)).toEqual(['waiting']);
      await server.close();
      // Settled: nothing waits any more after the next restart.
      await start();
      expect(server.pipeline.stats).toMatchObject({ waitingSpans: 0, waitingLogs: 0 });
    });

    it('purges what is older than the retention, and only that', async () => {
      await start();
      const s = await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 60, captureLogs: true });
      const t = kongRequest();
      await sendTraces(t.spans);
      await postJson(`${server.otlpUrl}/v1/logs`, logsPayload([{ traceId: t.traceId, body: 'old' }]));
      expect(await server.purge()).toEqual({ traces: 0, logs: 0, sessions: 0 });
      await postJson(`${server.apiUrl}/api/v1/sessions/${s.id}/stop`, {});
      const removed = await server.store.purge(Date.now() + 2 * 86_400_000);
      expect(removed).toEqual({ traces: 1, logs: 1, sessions: 1 });
      expect((await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}`)).status).toBe(404);
      expect((await getJson(`${server.apiUrl}/api/v1/sessions/${s.id}`)).status).toBe(404);
    });

    // PostgreSQL keeps whole days (partitions), so a retention of one millisecond purges nothing there.
    (kind === 'sqlite' ? it : it.skip)('runs the purge on its own', async () => {
      await start({ retentionDays: 1 / 86_400_000, purgeIntervalMs: 50 });
      await createSession({ rule: { type: 'advanced', expression: 'http.response.status_code >= 100' }, durationSeconds: 60 });
      const t = kongRequest();
      await sendTraces(t.spans);
      const deadline = Date.now() + 5000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await getJson(`${server.apiUrl}/api/v1/traces/${t.traceId}`)).status;
      }
      expect(status).toBe(404);
    });
  });

  describe('api token', () => {
    it('requires the bearer token on everything but health', async () => {
      await start({ apiToken: 's3cret' });
      expect((await getJson(`${server.apiUrl}/api/v1/health`)).status).toBe(200);
      const none = await getJson(`${server.apiUrl}/api/v1/sessions`);
      expect(none.status).toBe(401);
      expect(none.body.message).toMatch(/API token is required/);
      expect((await getJson(`${server.apiUrl}/api/v1/sessions`, { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await getJson(`${server.apiUrl}/api/v1/sessions`, { authorization: 'Bearer s3cret' })).status).toBe(200);
    });

    it('records the Grafana user (X-Grafana-User) of calls made with a debugger token, as createdBy and in the audit log', async () => {
      await start({ apiToken: 'admin-secret', debuggerToken: 'grafana-secret' });
      const call = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
        const res = await fetch(`${server.apiUrl}${url}`, {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      };
      const rule = { rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60 };
      const grafana = { authorization: 'Bearer grafana-secret' };

      // Grafana's data source proxy with send_user_header: the user acted, through the debugger token
      const byAlice = await call('POST', '/api/v1/sessions', { ...grafana, 'x-grafana-user': 'alice@example.com' }, rule);
      expect(byAlice.status).toBe(201);
      expect(byAlice.body.createdBy).toBe('alice@example.com');
      // stored with the session (read back from the store)
      expect((await call('GET', `/api/v1/sessions/${byAlice.body.id}`, grafana)).body.createdBy).toBe('alice@example.com');
      expect((await call('POST', `/api/v1/sessions/${byAlice.body.id}/stop`, { ...grafana, 'x-grafana-user': 'bob' })).status).toBe(200);

      // no header: the token's name
      const byToken = await call('POST', '/api/v1/sessions', grafana, rule);
      expect(byToken.body.createdBy).toBe('bootstrap debugger token');
      // any client can send the header: from another token (here the admin's) it is ignored
      const forged = await call('POST', '/api/v1/sessions', { authorization: 'Bearer admin-secret', 'x-grafana-user': 'alice@example.com' }, rule);
      expect(forged.body.createdBy).toBe('bootstrap token');
      // a header that is no Grafana login is refused with a reason, and nothing is created
      const before = (await call('GET', '/api/v1/sessions', grafana)).body.sessions.length;
      const bad = await call('POST', '/api/v1/sessions', { ...grafana, 'x-grafana-user': 'x'.repeat(300) }, rule);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/X-Grafana-User is longer than 256 characters/);
      expect((await call('GET', '/api/v1/sessions', grafana)).body.sessions.length).toBe(before);

      const audit = (await call('GET', '/api/v1/audit', { authorization: 'Bearer admin-secret' })).body.entries;
      const ofAlice = audit.filter((e: any) => e.target === byAlice.body.id).map((e: any) => [e.action, e.actor]);
      expect(ofAlice).toEqual([
        ['session.stop', { tokenId: 'bootstrap-debugger', name: 'bootstrap debugger token', grafanaUser: 'bob' }],
        ['session.create', { tokenId: 'bootstrap-debugger', name: 'bootstrap debugger token', grafanaUser: 'alice@example.com' }],
      ]);
      expect(audit.find((e: any) => e.target === forged.body.id).actor).toEqual({ tokenId: 'bootstrap', name: 'bootstrap token' });
    });
  });
});
