import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LiveEvents, Session, TraceListItem } from '../../common/api';
import type { SseEvent } from '../../common/live/sse';
import { startServer, type RunningServer, type ServerOptions } from '../app';
import { encodeTracesProtobuf } from '../otlp/testing';
import { createTestDatabase } from '../testing/pg';
import { kongRequest, logsPayload, postJson, tracesPayload } from '../testing/otlp-builders';
import { openSse, type SseConnection } from '../testing/sse';

// Real sockets on 127.0.0.1: the server's listener and fetch's streaming body, as a browser or Grafana's proxy reads it.
jest.setTimeout(20_000);

let dataDir: string;
let server: RunningServer | undefined;
let databaseUrl: string | undefined;
const open: SseConnection[] = [];

async function start(extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  server = await startServer({ dataDir, port: 0, otlpPort: 0, databaseUrl, keyProvider: false, ...extra });
  return server;
}

async function createSession(body: Record<string, unknown> = {}): Promise<Session> {
  const r = await postJson(`${server!.apiUrl}/api/v1/sessions`, {
    rule: { type: 'advanced', expression: 'http.response.status_code >= 200' },
    durationSeconds: 60,
    ...body,
  });
  expect(r.status).toBe(201);
  return r.body;
}

async function sendTrace(spec: Parameters<typeof kongRequest>[0] = {}): Promise<string> {
  const t = kongRequest(spec);
  const res = await fetch(`${server!.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: encodeTracesProtobuf(tracesPayload(t.spans, t.resource)),
  });
  expect(res.status).toBe(200);
  return t.traceId;
}

async function stream(
  sessionId: string,
  opts: { lastEventId?: string; query?: string; headers?: Record<string, string> } = {}
): Promise<SseConnection> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  const c = await openSse(`${server!.apiUrl}/api/v1/sessions/${sessionId}/stream${opts.query ?? ''}`, headers);
  open.push(c);
  return c;
}

const data = <N extends keyof LiveEvents>(e: SseEvent) => JSON.parse(e.data) as LiveEvents[N];
const tracesIn = (events: SseEvent[]): string[] =>
  events
    .filter((e) => e.event === 'traces')
    .flatMap((e) => data<'traces'>(e).traces.map((t: TraceListItem) => t.traceId));
const has = (ids: string[]) => (events: SseEvent[]) => ids.every((id) => tracesIn(events).includes(id));

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-live-'));
});

afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await server?.close();
  server = undefined;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.each(['sqlite', 'postgres'] as const)('live stream on %s', (kind) => {
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    if (kind !== 'postgres') return;
    const db = await createTestDatabase('kdbg_live13');
    databaseUrl = db.url;
    drop = db.drop;
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await drop?.();
    drop = undefined;
    databaseUrl = undefined;
  });

  it('answers an unknown session 404 and a bad position 400, as JSON', async () => {
    await start();
    const s = await createSession();
    const unknown = await stream('no-such-session');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body!).message).toMatch(/no debug session with id "no-such-session"/);
    const bad = await stream(s.id, { lastEventId: 'garbage' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body!).message).toMatch(/invalid stream position "garbage"/);
    const param = await stream(s.id, { query: '?from=1' });
    expect(param.status).toBe(400);
    expect(JSON.parse(param.body!).message).toMatch(/unknown query parameter "from"; accepted: since/);
  });

  it('sends the status, then each stored trace as it arrives, then the final status when the session ends', async () => {
    await start();
    const s = await createSession();
    const c = await stream(s.id);
    expect(c.status).toBe(200);
    expect(c.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await c.until((ev) => ev.some((e) => e.event === 'status'));
    expect(data<'status'>(c.events[0])).toMatchObject({ id: s.id, status: 'in_progress' });
    expect(c.events[0].id).toMatch(/^\d+\.\.\d+\.\d+\.\d+$/);

    const a = await sendTrace({ status: 502, path: '/a' });
    await c.until(has([a]));
    const row = c.events.filter((e) => e.event === 'traces').flatMap((e) => data<'traces'>(e).traces)[0];
    // the trace list's row shape
    expect(row).toMatchObject({ traceId: a, statusCode: 502, path: '/a', method: 'GET', spanCount: 3, error: true });

    expect((await postJson(`${server!.apiUrl}/api/v1/sessions/${s.id}/stop`, {})).status).toBe(200);
    await c.ended;
    const last = c.events[c.events.length - 1];
    expect(last.event).toBe('status');
    expect(data<'status'>(last)).toMatchObject({ id: s.id, status: 'cancelled' });
    expect(server!.pipeline).toBeDefined();
  });

  it('ends with "completed" when the trace cap is reached, after the capped traces', async () => {
    await start();
    const s = await createSession({ maxTraces: 2 });
    const c = await stream(s.id);
    const a = await sendTrace();
    const b = await sendTrace();
    await c.ended;
    expect(tracesIn(c.events).sort()).toEqual([a, b].sort());
    const statuses = c.events.filter((e) => e.event === 'status').map((e) => data<'status'>(e).status);
    expect(statuses).toEqual(['in_progress', 'completed']);
    expect(c.events[c.events.length - 1].event).toBe('status');
  });

  it('resumes after the last event id without gaps or duplicates, on a server restarted in between', async () => {
    // PostgreSQL: a short settle time, and heartbeats that carry the position on once it has settled (feed.ts)
    const live = { settleMs: 100, pollMs: 50, heartbeatMs: 100 };
    await start({ live });
    const s = await createSession();
    const c1 = await stream(s.id);
    const a = await sendTrace();
    const b = await sendTrace();
    await c1.until(has([a, b]));
    await new Promise((r) => setTimeout(r, 400));
    const lastId = c1.lastEventId()!;
    c1.close();

    // Written while nobody listens, then a restart: the position is read back from the store, not memory.
    const c = await sendTrace();
    const d = await sendTrace();
    await server!.close();
    server = undefined;
    await start({ live });
    const c2 = await stream(s.id, { lastEventId: lastId });
    const e = await sendTrace({ sessionId: s.id });
    await c2.until(has([c, d, e]));
    expect(tracesIn(c2.events).sort()).toEqual([c, d, e].sort());

    // `?since=` takes the same id
    const c3 = await stream(s.id, { query: `?since=${encodeURIComponent(lastId)}` });
    await c3.until(has([c, d, e]));
    expect(tracesIn(c3.events).sort()).toEqual([c, d, e].sort());
  });

  it('resumed before the settle time passed, sends again at most the unsettled rows, never fewer', async () => {
    await start({ live: { settleMs: 60_000 } });
    const s = await createSession();
    const c1 = await stream(s.id);
    const a = await sendTrace();
    await c1.until(has([a]));
    const lastId = c1.lastEventId()!;
    c1.close();
    const b = await sendTrace();
    const c2 = await stream(s.id, { lastEventId: lastId });
    await c2.until(has([b]));
    // SQLite: exactly after the position; PostgreSQL: `a` was received within the settle time and comes again
    expect(tracesIn(c2.events).sort()).toEqual((kind === 'sqlite' ? [b] : [a, b]).sort());
  });

  it('starts at the server\'s "now" when asked (open the stream, then list what came before)', async () => {
    await start();
    const s = await createSession();
    const before = await sendTrace();
    const c = await stream(s.id, { query: '?since=now' });
    await c.until((ev) => ev.some((e) => e.event === 'status'));
    const after = await sendTrace();
    await c.until(has([after]));
    expect(tracesIn(c.events)).toEqual([after]);
    expect(tracesIn(c.events)).not.toContain(before);
  });

  it('sends every trace once on one connection while many arrive in separate writes', async () => {
    await start();
    const s = await createSession({ maxTraces: 1000 });
    const c = await stream(s.id);
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) sent.push(await sendTrace());
    await c.until(has(sent));
    const got = tracesIn(c.events);
    expect(got.length).toBe(new Set(got).size);
    expect(new Set(got)).toEqual(new Set(sent));
    // ids only go forward
    const ids = c.events.map((e) => e.id!.split('.'));
    for (let i = 1; i < ids.length; i++) expect(Number(ids[i][0])).toBeGreaterThanOrEqual(Number(ids[i - 1][0]));
  });

  it('streams captured logs', async () => {
    await start();
    const s = await createSession({ captureLogs: true });
    const c = await stream(s.id);
    const traceId = await sendTrace();
    expect(
      (await postJson(`${server!.otlpUrl}/v1/logs`, logsPayload([{ traceId, body: 'upstream slow' }]))).status
    ).toBe(200);
    await c.until((ev) => ev.some((e) => e.event === 'logs'));
    const logs = c.events.filter((e) => e.event === 'logs').flatMap((e) => data<'logs'>(e).logs);
    expect(logs).toEqual([expect.objectContaining({ sessionId: s.id, traceId, body: 'upstream slow' })]);
  });

  it('caps open streams per tenant (429) and frees the slot when the client goes', async () => {
    await start({ live: { maxStreamsPerTenant: 1 } });
    const s = await createSession();
    const c1 = await stream(s.id);
    await c1.until((ev) => ev.length > 0);
    const c2 = await stream(s.id);
    expect(c2.status).toBe(429);
    expect(JSON.parse(c2.body!).message).toMatch(/too many live streams open for this tenant \(1\)/);
    c1.close();
    // the server notices the closed socket
    for (let i = 0; i < 50; i++) {
      const c3 = await stream(s.id);
      if (c3.status === 200) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the slot was never freed');
  });

  it('ends with "deleted" when the session is deleted', async () => {
    await start();
    const s = await createSession();
    const c = await stream(s.id);
    await c.until((ev) => ev.length > 0);
    expect((await fetch(`${server!.apiUrl}/api/v1/sessions/${s.id}`, { method: 'DELETE' })).status).toBe(204);
    await c.ended;
    expect(c.events[c.events.length - 1]).toMatchObject({ event: 'deleted', data: JSON.stringify({ id: s.id }) });
  });
});

describe('live stream auth', () => {
  it('needs a token, and another tenant sees no session (404)', async () => {
    await start({ apiToken: 'admin-secret-token-1234567890' });
    const r = await postJson(`${server!.apiUrl}/api/v1/sessions`, {});
    expect(r.status).toBe(401);
    const res = await fetch(`${server!.apiUrl}/api/v1/sessions/x/stream`);
    expect(res.status).toBe(401);
  });
});
