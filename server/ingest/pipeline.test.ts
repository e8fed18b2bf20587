import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeLogsJson, decodeTracesJson } from '../otlp/decode-json';
import { BackpressureError } from './contract';
import { SessionManager } from '../sessions/manager';
import { SqliteStore } from '../store/sqlite';
import { attr, kongRequest, logsPayload, tracesPayload } from '../testing/otlp-builders';
import { requestContext } from '../auth/context';
import { groupByTrace, IngestPipeline } from './pipeline';
import { redactionPolicy } from './redact';

let dir: string;
let store: SqliteStore;
let sessions: SessionManager;
let now: number;
const clock = () => now;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-pipe-'));
  now = Date.now();
  store = new SqliteStore(dir, clock);
  sessions = new SessionManager(store, clock);
  await sessions.init();
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const traces = (spans: unknown[]) => decodeTracesJson(tracesPayload(spans));
const everything = { type: 'advanced' as const, expression: 'http.response.status_code >= 100' };

describe('IngestPipeline', () => {
  it('keeps nothing and groups nothing when no session runs', async () => {
    const p = new IngestPipeline(store, sessions, { now: clock });
    const t = kongRequest();
    await p.ingestTraces(traces(t.spans));
    expect(p.stats).toMatchObject({ spansReceived: 3, spansDropped: 3, spansStored: 0, waitingSpans: 0 });
    expect(store.getSpans('default', t.traceId)).toEqual([]);
  });

  it('drops spans whose root never came, once they waited long enough', async () => {
    await sessions.create({ rule: everything, durationSeconds: 60 });
    const p = new IngestPipeline(store, sessions, { now: clock, waitTtlMs: 1000 });
    const t = kongRequest();
    await p.ingestTraces(traces(t.spans.slice(1)));
    p.sweep();
    expect(p.stats.waitingSpans).toBe(2);
    expect(store.loadWaiting().map((r) => [r.traceId, r.kind])).toEqual([[t.traceId, 'spans']]);
    now += 1000;
    p.sweep();
    expect(p.stats).toMatchObject({ waitingSpans: 0, spansDropped: 2 });
    expect(store.loadWaiting()).toEqual([]);
    // The root alone now makes a one-span trace: the others are gone, and said so in the stats.
    await p.ingestTraces(traces(t.spans.slice(0, 1)));
    expect(store.getSpans('default', t.traceId)).toHaveLength(1);
  });

  it('drops a trace no session wants at once, with what waited for its root; its late spans follow', async () => {
    await sessions.create({ rule: { type: 'advanced', expression: 'http.path ^= "/wanted"' }, durationSeconds: 60 });
    const p = new IngestPipeline(store, sessions, { now: clock });
    const t = kongRequest({ path: '/other' });
    await p.ingestTraces(traces(t.spans.slice(2)));
    expect(p.stats.waitingSpans).toBe(1);
    await p.ingestTraces(traces(t.spans.slice(0, 1)));
    expect(p.stats).toMatchObject({ waitingSpans: 0, spansDropped: 2, spansStored: 0, tracesMatched: 0 });
    expect(store.loadWaiting()).toEqual([]);
    await p.ingestTraces(traces(t.spans.slice(1, 2)));
    expect(p.stats).toMatchObject({ waitingSpans: 0, spansDropped: 3, spansStored: 0 });
    expect(store.getSpans('default', t.traceId)).toEqual([]);
  });

  it('groups a batch by trace in order of first appearance, interleaved or not', () => {
    const [a, b] = [kongRequest(), kongRequest()];
    const spans = traces([a.spans[0], a.spans[1], b.spans[0], a.spans[2], b.spans[1]]).spans;
    const groups = groupByTrace(spans);
    expect([...groups.keys()]).toEqual([a.traceId, b.traceId]);
    expect(groups.get(a.traceId)!.map((s) => s.spanId)).toEqual([0, 1, 3].map((i) => spans[i].spanId));
    expect(groups.get(b.traceId)!.map((s) => s.spanId)).toEqual([2, 4].map((i) => spans[i].spanId));
  });

  it('never makes a request of a log-phase trace sent on its own (Enterprise 3.13+), session id or not', async () => {
    const session = await sessions.create({ rule: everything, durationSeconds: 60 });
    const p = new IngestPipeline(store, sessions, { now: clock, waitTtlMs: 1000 });
    const traceId = 'ab'.repeat(16);
    const ns = String(BigInt(now) * BigInt(1_000_000));
    const log = { traceId, spanId: 'cd'.repeat(8), name: 'kong.phase.log', kind: 1, startTimeUnixNano: ns, endTimeUnixNano: ns };
    const plugin = { ...log, spanId: 'ef'.repeat(8), parentSpanId: log.spanId, name: 'kong.log.plugin.http-log' };
    await p.ingestTraces(decodeTracesJson(tracesPayload([log, plugin], { attributes: [attr('service.name', 'kong'), attr('session.id', session.id)] })));
    now += 1000;
    p.sweep();
    expect(p.stats).toMatchObject({ spansStored: 0, spansDropped: 2 });
    expect(store.listTraces(session.id, {}).traces).toEqual([]);
  });

  it('answers with backpressure when too many spans wait for their root', async () => {
    await sessions.create({ rule: everything, durationSeconds: 60 });
    const p = new IngestPipeline(store, sessions, { now: clock, maxWaitingSpans: 4 });
    await p.ingestTraces(traces([...kongRequest().spans.slice(1), ...kongRequest().spans.slice(1)]));
    await expect(p.ingestTraces(traces(kongRequest().spans))).rejects.toBeInstanceOf(BackpressureError);
  });

  it('stores late spans of a kept trace after its session completed at the cap', async () => {
    const s = await sessions.create({ rule: everything, durationSeconds: 60, maxTraces: 1 });
    const p = new IngestPipeline(store, sessions, { now: clock });
    const t = kongRequest();
    await p.ingestTraces(traces(t.spans.slice(0, 2)));
    expect((await sessions.get(s.id)).status).toBe('completed');
    expect(sessions.active).toBe(false);
    await p.ingestTraces(traces([...t.spans.slice(2), ...kongRequest().spans]));
    expect(store.getSpans('default', t.traceId)).toHaveLength(3);
    expect(store.getTraceRow('default', t.traceId)?.spanCount).toBe(3);
    expect(store.listTraces(s.id, {}).traces).toHaveLength(1);
  });

  it('drops logs that waited for a trace that never matched', async () => {
    const s = await sessions.create({ rule: { type: 'advanced', expression: 'http.response.status_code >= 500' }, durationSeconds: 60, captureLogs: true });
    const p = new IngestPipeline(store, sessions, { now: clock, waitLogTtlMs: 1000 });
    const never = kongRequest({ status: 500 });
    const ok = kongRequest({ status: 200 });
    await p.ingestLogs(decodeLogsJson(logsPayload([{ traceId: never.traceId, body: 'orphan' }, { traceId: ok.traceId, body: 'not matched' }])));
    expect(p.stats.waitingLogs).toBe(2);
    await p.ingestTraces(traces(ok.spans));
    expect(p.stats.waitingLogs).toBe(1);
    now += 1000;
    p.sweep();
    expect(p.stats).toMatchObject({ waitingLogs: 0, logsDropped: 2, logsStored: 0 });
    expect((await store.listLogs(s.id, {})).logs).toEqual([]);
  });

  it("never lets another tenant's spans or logs with the same trace id into a tenant's kept trace", async () => {
    const s = await sessions.create({ rule: everything, durationSeconds: 60, captureLogs: true }, 'team-a');
    const p = new IngestPipeline(store, sessions, { now: clock });
    const as = <T>(tenant: string, fn: () => Promise<T>) => requestContext.run({ principal: { tokenId: tenant, name: tenant, role: 'ingest', tenant } }, fn);
    const t = kongRequest();
    await as('team-a', () => p.ingestTraces(traces(t.spans)));
    // Team B's gateway carries the same trace id (propagated context) and has no session of its own.
    await as('team-b', () => p.ingestTraces(traces(kongRequest({ traceId: t.traceId }).spans.slice(1))));
    await as('team-b', () => p.ingestLogs(decodeLogsJson(logsPayload([{ traceId: t.traceId, body: 'team b' }]))));
    expect(store.getSpans('team-a', t.traceId).map((sp) => sp.spanId).sort()).toEqual(t.spans.map((sp) => sp.spanId).sort());
    expect((await store.listLogs(s.id, {})).logs).toEqual([]);
    // They wait for team B's own decision instead.
    expect(p.stats).toMatchObject({ tracesMatched: 1, waitingSpans: 2, waitingLogs: 1 });
  });

  it("keeps each tenant's waiting spans and logs apart under one trace id, across a restart and when they expire", async () => {
    const as = <T>(tenant: string, fn: () => Promise<T>) => requestContext.run({ principal: { tokenId: tenant, name: tenant, role: 'ingest', tenant } }, fn);
    const a = await sessions.create({ rule: everything, durationSeconds: 60, captureLogs: true }, 'team-a');
    const b = await sessions.create({ rule: everything, durationSeconds: 60, captureLogs: true }, 'team-b');
    const p = new IngestPipeline(store, sessions, { now: clock, waitTtlMs: 1000, waitLogTtlMs: 1000 });
    const traceId = kongRequest().traceId;
    const fromA = kongRequest({ traceId });
    const fromB = kongRequest({ traceId });
    await as('team-b', () => p.ingestTraces(traces(fromB.spans.slice(1))));
    await as('team-b', () => p.ingestLogs(decodeLogsJson(logsPayload([{ traceId, body: 'of b' }]))));
    expect(store.loadWaiting().map((r) => [r.tenant, r.traceId, r.kind])).toEqual([['team-b', traceId, 'spans'], ['team-b', traceId, 'logs']]);
    // A judges the same trace id: B's waiting spans and logs stay B's.
    await as('team-a', () => p.ingestTraces(traces(fromA.spans)));
    expect(store.getSpans('team-a', traceId).map((s) => s.spanId).sort()).toEqual(fromA.spans.map((s) => s.spanId).sort());
    expect((await store.listLogs(a.id, {})).logs).toEqual([]);
    expect(store.loadWaiting()).toHaveLength(2);

    // After a restart B's rows wait again as B's, and B's root releases them into B's session.
    const q = new IngestPipeline(store, sessions, { now: clock, waitTtlMs: 1000, waitLogTtlMs: 1000 });
    await q.restore();
    await as('team-b', () => q.ingestTraces(traces(fromB.spans.slice(0, 1))));
    expect(store.getSpans('team-b', traceId).map((s) => s.spanId).sort()).toEqual(fromB.spans.map((s) => s.spanId).sort());
    expect((await store.listLogs(b.id, {})).logs.map((l) => l.body)).toEqual(['of b']);
    expect(store.loadWaiting()).toEqual([]);

    // Expiry deletes the expired tenant's waiting rows only.
    const other = kongRequest();
    await as('team-a', () => q.ingestTraces(traces(other.spans.slice(1))));
    now += 500;
    await as('team-b', () => q.ingestTraces(traces(kongRequest({ traceId: other.traceId }).spans.slice(1))));
    now += 600;
    q.sweep();
    await new Promise((r) => setImmediate(r));
    expect(store.loadWaiting().map((r) => [r.tenant, r.traceId])).toEqual([['team-b', other.traceId]]);
  });

  it('redacts what it keeps or holds: spans, resources, logs, waiting rows', async () => {
    const redact = redactionPolicy();
    const p = new IngestPipeline(store, sessions, { now: clock, redact });
    await sessions.create({ rule: everything, durationSeconds: 60, captureLogs: true });

    const secretSpans = (t: ReturnType<typeof kongRequest>) => {
      t.spans[0].attributes = t.spans[0].attributes.filter((a: any) => a.key !== 'http.url');
      t.spans[0].attributes.push(attr('http.url', 'https://api.example.com/p?apikey=sekrit-1'));
      t.spans[1].attributes = [attr('db.statement', "SELECT 1 FROM t WHERE key = 'sekrit-2'")];
      return t.spans;
    };
    const withResource = (doc: any) => {
      doc.resourceSpans[0].resource.attributes.push(attr('deployment.password', 'sekrit-3'));
      return decodeTracesJson(doc);
    };
    // kept at once
    const kept = kongRequest({ oss: true });
    await p.ingestTraces(withResource(tracesPayload(secretSpans(kept))));
    // its root comes later: the others wait, persisted
    const late = kongRequest({ oss: true });
    const lateSpans = secretSpans(late);
    await p.ingestTraces(withResource(tracesPayload(lateSpans.slice(1))));
    expect(JSON.stringify(store.loadWaiting())).not.toContain('sekrit');
    // a log that waits for its trace, and one for a kept trace
    const waitingLog = kongRequest({ oss: true });
    await p.ingestLogs(decodeLogsJson(logsPayload([{ traceId: waitingLog.traceId, spanId: waitingLog.pluginSpanId, body: 'GET /p?apikey=sekrit-4' }])));
    expect(JSON.stringify(store.loadWaiting())).not.toContain('sekrit');
    await p.ingestLogs(decodeLogsJson(logsPayload([{ traceId: kept.traceId, spanId: kept.pluginSpanId, body: 'GET /p?apikey=sekrit-5' }])));
    await p.ingestTraces(withResource(tracesPayload(lateSpans.slice(0, 1))));

    for (const t of [kept, late]) {
      const detail = await store.getTraceDetail('default', t.traceId);
      expect(detail?.spans).toHaveLength(3);
      expect(JSON.stringify(detail)).not.toContain('sekrit');
      expect(JSON.stringify(detail)).toContain('apikey=[REDACTED]');
    }
    const sessionIds = (await store.listSessions()).map((x) => x.id);
    const logs = JSON.stringify(await Promise.all(sessionIds.map((id) => store.listLogs(id, {}))));
    expect(logs).toContain('apikey=[REDACTED]');
    expect(logs).not.toContain('sekrit');
  });

  it("judges a root on its values as redaction leaves them (a rule never matches a redacted value's secret)", async () => {
    const p = new IngestPipeline(store, sessions, { now: clock, redact: redactionPolicy(['http.route']) });
    await sessions.create({ rule: { type: 'advanced', expression: 'http.route == "/orders"' }, durationSeconds: 60 });
    const hidden = kongRequest({ oss: true });
    await p.ingestTraces(traces(hidden.spans));
    expect(store.getSpans('default', hidden.traceId)).toEqual([]);
    await sessions.create({ rule: { type: 'advanced', expression: 'http.route == "[REDACTED]"' }, durationSeconds: 60 });
    const seen = kongRequest({ oss: true });
    await p.ingestTraces(traces(seen.spans));
    expect(store.getSpans('default', seen.traceId).find((s) => s.name === 'kong')?.attributes['http.route']).toBe('[REDACTED]');
  });
});
