import { Client } from 'pg';
import { analyzeTrace, digestTrace, summarizeSession } from '../../../common/lifecycle';
import { decodeTracesJson } from '../../otlp/decode-json';
import { toApiSpan } from '../../ingest/api-shapes';
import { createTestDatabase } from '../../testing/pg';
import { kongRequest, tracesPayload } from '../../testing/otlp-builders';
import { createPartitionSql, DAY_MS, dayOf, FUTURE_DAYS, partitionDay, partitionName, PARTITIONED_TABLES } from './partitions';
import { PG_MIGRATIONS } from './schema';
import { PgStore } from './store';
import type { Span } from '../../../common/api';
import { searchTraces } from '../trace-search';
import type { StoredSession, StoredTrace, WriteBatch } from '../types';

let db: { url: string; drop(): Promise<void> };
const open: PgStore[] = [];

beforeEach(async () => {
  db = await createTestDatabase();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await db.drop();
});

async function openStore(now: () => number = Date.now, replicaId = 'a'): Promise<PgStore> {
  const s = await PgStore.open(db.url, now, { replicaId });
  open.push(s);
  return s;
}

async function sql<T = Record<string, unknown>>(text: string, args: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(text, args)).rows as T[];
  } finally {
    await c.end();
  }
}

function session(id: string, nowMs: number, maxTraces = 100): StoredSession {
  return {
    id,
    name: id,
    tenant: 'default',
    rule: { type: 'advanced', expression: 'http.path ^= "/"' },
    status: 'in_progress',
    durationSeconds: 600,
    maxTraces,
    captureLogs: false,
    traceCount: 0,
    logCount: 0,
    createdAt: new Date(nowMs).toISOString(),
    startedAt: new Date(nowMs).toISOString(),
    endsAt: new Date(nowMs + 600_000).toISOString(),
  };
}

/** the rows the pipeline would write for one Kong request starting at `startMs`, member of `sessionId` */
function batchOf(startMs: number, sessionId: string): { batch: WriteBatch; traceId: string } {
  const t = kongRequest({ startMs });
  const spans = decodeTracesJson(tracesPayload(t.spans)).spans.map(toApiSpan);
  const { facts, summary } = analyzeTrace(t.traceId, spans);
  const row: StoredTrace = { traceId: t.traceId, ...facts, resource: {}, digest: digestTrace(summary) };
  return { traceId: t.traceId, batch: { tenant: 'default', spans, traces: [row], memberships: [[sessionId, t.traceId, row.startTimeMs]], sessions: [], logs: [] } };
}

/** the trace row the pipeline computes over `spans` (without its root: start and duration span what there is) */
function rowOf(traceId: string, spans: Span[]): StoredTrace {
  const { facts, summary } = analyzeTrace(traceId, spans);
  return { traceId, ...facts, resource: {}, digest: digestTrace(summary) };
}

/** where the rows of a trace are: each table's (day, session) pairs */
async function placesOf(traceId: string): Promise<Record<string, unknown[]>> {
  return {
    traces: await sql('SELECT day FROM traces WHERE trace_id = $1 ORDER BY day', [traceId]),
    session_traces: await sql('SELECT session_id, day FROM session_traces WHERE trace_id = $1 ORDER BY session_id, day', [traceId]),
    trace_spans: await sql('SELECT DISTINCT day FROM trace_spans WHERE trace_id = $1 ORDER BY day', [traceId]),
  };
}

describe('PgStore', () => {
  it('migrates once when replicas open an empty database at the same moment', async () => {
    await Promise.all([openStore(), openStore(), openStore()]);
    expect(await sql('SELECT version FROM schema_migrations ORDER BY version')).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version })));
    const today = dayOf(Date.now());
    const parts = (await sql<{ relname: string }>(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'trace_spans'`)).map((r) => r.relname);
    expect(parts.sort()).toEqual([today - 1, today, today + 1].map((d) => partitionName('trace_spans', d)));
  });

  it('puts rows in the partition of their trace start day, clamped to what retention keeps', async () => {
    const now = Date.UTC(2026, 10, 24, 12);
    const store = await openStore(() => now);
    await store.saveSession(session('s1', now));
    const threeDaysAgo = batchOf(now - 3 * DAY_MS, 's1');
    const epoch = batchOf(1000, 's1'); // a gateway with its clock at 1970
    const future = batchOf(now + 30 * DAY_MS, 's1');
    for (const b of [threeDaysAgo, epoch, future]) await store.write(b.batch);
    const days = await sql<{ trace_id: string; day: number }>('SELECT trace_id, day FROM traces');
    const dayOfTrace = new Map(days.map((r) => [r.trace_id, r.day]));
    expect(dayOfTrace.get(threeDaysAgo.traceId)).toBe(dayOf(now) - 3);
    expect(dayOfTrace.get(epoch.traceId)).toBe(dayOf(now) - 7);
    expect(dayOfTrace.get(future.traceId)).toBe(dayOf(now) + FUTURE_DAYS);
    // Spans and memberships follow their trace's day, so a whole day goes at once.
    const spanDays = await sql<{ day: number }>('SELECT DISTINCT day FROM trace_spans WHERE trace_id = $1', [threeDaysAgo.traceId]);
    expect(spanDays).toEqual([{ day: dayOf(now) - 3 }]);
    expect(partitionDay(Number.NaN, now, 7)).toBe(dayOf(now));
  });

  it('finds a trace by id in a day partition made, or dropped, after the statement was prepared', async () => {
    const now = Date.UTC(2026, 10, 24, 12);
    const store = await PgStore.open(db.url, () => now, { poolSize: 1 }); // one connection: the statement is prepared once
    open.push(store);
    await store.saveSession(session('s1', now));
    const today = batchOf(now, 's1');
    await store.write(today.batch);
    for (let i = 0; i < 7; i++) expect((await store.getTraceDetail('default', today.traceId))?.spans).toHaveLength(3); // past PostgreSQL's custom plans
    const later = batchOf(now + 2 * DAY_MS, 's1'); // a partition that did not exist
    await store.write(later.batch);
    expect((await store.getTraceDetail('default', later.traceId))?.spans).toHaveLength(3);
    await store.purge(now + DAY_MS); // today's partition goes, the later one stays
    expect(await store.getTraceDetail('default', today.traceId)).toBeUndefined();
    expect((await store.getTraceDetail('default', later.traceId))?.spans).toHaveLength(3);
  });

  it('purges by dropping whole day partitions, counting what they held', async () => {
    let now = Date.UTC(2026, 10, 24, 12);
    const store = await openStore(() => now);
    await store.saveSession(session('s1', now));
    const old = batchOf(now - 7 * DAY_MS, 's1');
    const recent = batchOf(now - DAY_MS, 's1');
    await store.write(old.batch);
    await store.write(recent.batch);
    // Seven days kept: today's purge keeps the oldest day whole, tomorrow's drops it.
    expect(await store.purge(now - 7 * DAY_MS)).toEqual({ traces: 0, logs: 0, sessions: 0 });
    now += DAY_MS;
    expect(await store.purge(now - 7 * DAY_MS)).toEqual({ traces: 1, logs: 0, sessions: 0 });
    expect(await store.getSpans('default', old.traceId)).toEqual([]);
    expect(await store.getSpans('default', recent.traceId)).toHaveLength(3);
    expect((await store.listTraces('s1', {})).traces.map((t) => t.traceId)).toEqual([recent.traceId]);
    const left = await sql<{ relname: string }>(`SELECT relname FROM pg_class WHERE relname = $1`, [partitionName('trace_spans', dayOf(now) - 8)]);
    expect(left).toEqual([]);
    // A gateway still sending that old day's traces: they land in the oldest kept day, not in the dropped one.
    const late = batchOf(now - 9 * DAY_MS, 's1');
    await store.write(late.batch);
    expect(await sql('SELECT day FROM traces WHERE trace_id = $1', [late.traceId])).toEqual([{ day: dayOf(now) - 7 }]);
  });

  it('filters on span errors kept in the digest (spanErrorsOnly), apart from the failed-request flag', async () => {
    const store = await openStore();
    await store.saveSession(session('s1', Date.now()));
    const a = batchOf(Date.now(), 's1');
    const b = batchOf(Date.now() + 1, 's1');
    const withErrors = { ...b.batch, traces: b.batch.traces.map((t) => ({ ...t, digest: { ...t.digest, spanErrors: 2 } })) };
    const without = { ...a.batch, traces: a.batch.traces.map((t) => ({ ...t, digest: { ...t.digest, spanErrors: 0 } })) };
    await store.write(without);
    await store.write(withErrors);
    expect((await store.listTraces('s1', { spanErrorsOnly: true })).traces.map((t) => [t.traceId, t.spanErrorCount])).toEqual([[b.traceId, 2]]);
    expect((await store.listTraces('s1', {})).traces.map((t) => t.spanErrorCount)).toEqual([2, 0]);
    // a digest stored as an object, before the compact form: still filtered on, counted and summarised
    const legacyDigest = { dialect: 'enterprise', latency: { totalMs: 7 }, nodes: { clientOut: 5 }, spanErrors: 4 };
    await sql(`UPDATE session_traces SET digest = $1 WHERE trace_id = $2`, [JSON.stringify(legacyDigest), a.traceId]);
    await sql(`UPDATE traces SET latency = $1 WHERE trace_id = $2`, [JSON.stringify({ totalMs: 7, thirdParty: { dnsMs: 1 } }), a.traceId]);
    expect((await store.listTraces('s1', { spanErrorsOnly: true })).traces.map((t) => [t.traceId, t.spanErrorCount])).toEqual([
      [b.traceId, 2],
      [a.traceId, 4],
    ]);
    expect((await store.digests('s1')).find((d) => d.traceId === a.traceId)).toMatchObject(legacyDigest);
    expect((await store.listTraces('s1', {})).traces.map((t) => t.latency)).toEqual([b.batch.traces[0].latency, { totalMs: 7, thirdParty: { dnsMs: 1 } }]);
  });

  it('summarises a session as summarizeSession over its digests, compact and stored as objects before', async () => {
    const store = await openStore();
    await store.saveSession(session('s1', Date.now()));
    await store.saveSession(session('s2', Date.now()));
    const batches = Array.from({ length: 40 }, (_, i) => batchOf(Date.now() - i * 3_600_000, i < 35 ? 's1' : 's2'));
    for (const [i, b] of batches.entries()) {
      const traces = b.batch.traces.map((t) => ({ ...t, digest: { ...t.digest, nodes: Object.fromEntries(Object.entries(t.digest.nodes).map(([k, v]) => [k, v + i * 1000])) } }));
      await store.write({ ...b.batch, traces });
    }
    const legacyDigest = { dialect: 'enterprise', latency: { totalMs: 7 }, nodes: { clientOut: 5 }, spanErrors: 4 };
    await sql(`UPDATE session_traces SET digest = $1 WHERE trace_id = $2`, [JSON.stringify(legacyDigest), batches[3].traceId]);
    const summary = await store.sessionSummary('s1');
    expect(summary).toStrictEqual(summarizeSession('s1', await store.digests('s1')));
    expect(summary.traceCount).toBe(35);
    expect(summary.nodes.clientOut.count).toBeGreaterThan(0);
    expect(await store.sessionSummary('none')).toStrictEqual({ sessionId: 'none', traceCount: 0, latency: {}, nodes: {} });
  });

  it('upserts a re-sent batch instead of storing it twice', async () => {
    const store = await openStore();
    await store.saveSession(session('s1', Date.now()));
    const b = batchOf(Date.now(), 's1');
    await store.write(b.batch);
    await store.write({ ...b.batch, spans: [...b.batch.spans, ...b.batch.spans] });
    expect(await store.getSpans('default', b.traceId)).toHaveLength(3);
    expect((await store.listTraces('s1', {})).traces).toHaveLength(1);
    expect(await store.digests('s1')).toHaveLength(1);
  });

  it('admits exactly up to the cap when three replicas race', async () => {
    const stores = await Promise.all([openStore(Date.now, 'a'), openStore(Date.now, 'b'), openStore(Date.now, 'c')]);
    await stores[0].saveSession(session('capped', Date.now(), 100));
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => stores[i % 3].admitTraces('capped', 3, Date.now())));
    expect(results.reduce((n, r) => n + r.admitted, 0)).toBe(100);
    const s = await stores[1].getSession('capped');
    expect(s).toMatchObject({ status: 'completed', traceCount: 100 });
    expect(await stores[2].admitTraces('capped', 1, Date.now())).toEqual({ admitted: 0 });
  });

  it('admits nothing into a session past its end, and ends a session once', async () => {
    const now = Date.now();
    const store = await openStore();
    await store.saveSession({ ...session('late', now - 700_000), endsAt: new Date(now - 1).toISOString() });
    expect(await store.admitTraces('late', 1, now)).toEqual({ admitted: 0 });
    expect(await store.endSession('late', 'timed_out', now - 1)).toMatchObject({ status: 'timed_out' });
    expect(await store.endSession('late', 'cancelled', now)).toBeUndefined();
    expect(await store.runningSessions()).toEqual([]);
  });

  it('restores waiting rows to the replica that acknowledged them only', async () => {
    const a = await openStore(Date.now, 'a');
    const b = await openStore(Date.now, 'b');
    await a.write({ tenant: 'default', spans: [], traces: [], memberships: [], sessions: [], logs: [], waitingAdd: [{ traceId: 't1', kind: 'spans', payload: '{}' }] });
    expect((await a.loadWaiting()).map((r) => r.traceId)).toEqual(['t1']);
    expect(await b.loadWaiting()).toEqual([]);
    await b.deleteWaiting('default', ['t1']);
    expect(await a.loadWaiting()).toHaveLength(1);
    await a.deleteWaiting('default', ['t1']);
    expect(await a.loadWaiting()).toEqual([]);
  });

  it('tells the other replicas at once when a session starts, ends or goes (LISTEN/NOTIFY)', async () => {
    const a = await openStore(Date.now, 'a');
    const b = await openStore(Date.now, 'b');
    let heard = 0;
    b.subscribe(() => heard++);
    const until = async (n: number) => {
      const deadline = Date.now() + 3000;
      while (heard < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(heard).toBeGreaterThanOrEqual(n);
    };
    await until(1); // on connecting: whatever changed before
    await a.saveSession(session('x', Date.now()));
    await until(2);
    await a.endSession('x', 'cancelled', Date.now());
    await until(3);
    await a.deleteSession('x');
    await until(4);
  });

  it('refuses a database whose schema is newer than this server', async () => {
    await openStore();
    await sql('INSERT INTO schema_migrations (version) VALUES (99)');
    await expect(PgStore.open(db.url)).rejects.toThrow(`schema version 99 is newer than this server understands (${PG_MIGRATIONS.length})`);
  });

  it('keeps two tenants apart under one trace id', async () => {
    const nowMs = Date.now();
    const store = await openStore();
    await store.saveSession({ ...session('a', nowMs), tenant: 'team-a' });
    await store.saveSession({ ...session('b', nowMs), tenant: 'team-b' });
    const one = batchOf(nowMs, 'a');
    const other = batchOf(nowMs, 'b');
    // the same trace id at both tenants, with different spans
    const id = one.traceId;
    const b = { ...other.batch, tenant: 'team-b', spans: other.batch.spans.map((s) => ({ ...s, traceId: id })), traces: [{ ...other.batch.traces[0], traceId: id, statusCode: 503 }], memberships: [['b', id, nowMs]] as Array<[string, string, number]> };
    await store.write({ ...one.batch, tenant: 'team-a' });
    await store.write(b);
    expect((await store.getSpans('team-a', id)).map((s) => s.spanId).sort()).toEqual(one.batch.spans.map((s) => s.spanId).sort());
    expect((await store.getSpans('team-b', id)).map((s) => s.spanId).sort()).toEqual(other.batch.spans.map((s) => s.spanId).sort());
    expect((await store.getTraceRow('team-b', id))?.statusCode).toBe(503);
    expect(await store.getTraceRow('default', id)).toBeUndefined();
    expect(await store.sessionsOfTrace('team-a', id)).toEqual(['a']);
    expect([...(await store.sessionsOfTraces('team-b', [id]))]).toEqual([[id, ['b']]]);
    expect((await store.listTraces('b', {})).traces.map((t) => t.statusCode)).toEqual([503]);
    await store.deleteSession('b');
    expect(await store.getSpans('team-b', id)).toEqual([]);
    expect(await store.getSpans('team-a', id)).toHaveLength(3);
  });

  it('upgrades a schema-1 database: rows get the tenant of their sessions, a trace two tenants hold is copied to both', async () => {
    const nowMs = Date.now();
    await sql(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    await sql(PG_MIGRATIONS[0].sql);
    await sql(`INSERT INTO schema_migrations (version) VALUES (1)`);
    const day = dayOf(nowMs);
    for (const t of ['spans', 'traces', 'session_traces', 'logs']) await sql(`CREATE TABLE ${partitionName(t, day)} PARTITION OF ${t} FOR VALUES FROM (${day}) TO (${day + 1})`);
    const sessionRow = (id: string, tenant: string) => sql(`INSERT INTO sessions (id, tenant, body, status, max_traces, created_ms, ends_ms) VALUES ($1, $2, $3, 'in_progress', 100, $4, $5)`, [id, tenant, JSON.stringify({ ...session(id, nowMs), tenant }), nowMs, nowMs + 600_000]);
    await sessionRow('a', 'team-a');
    await sessionRow('b', 'team-b');
    const onlyA = batchOf(nowMs, 'a');
    const shared = batchOf(nowMs, 'a');
    const orphan = batchOf(nowMs, 'a');
    for (const x of [onlyA, shared, orphan]) {
      const t = x.batch.traces[0];
      await sql(`INSERT INTO traces (day, trace_id, start_ns, start_ms, duration_ns, status_code, error, span_count, dialect, latency, digest, resource, received_ms)
        VALUES ($1, $2, $3, $4, $5, 200, false, 3, 'enterprise', '{}', $6, '{"service.name":"kong"}', $7)`, [day, t.traceId, t.startTimeUnixNano, t.startTimeMs, Math.round(t.durationNs), JSON.stringify(t.digest), nowMs]);
      for (const sp of x.batch.spans) {
        await sql(`INSERT INTO spans (day, trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, status_code, attributes, events)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, '{}', '[]')`, [day, sp.traceId, sp.spanId, sp.parentSpanId, sp.name, sp.kind, sp.startTimeUnixNano, sp.endTimeUnixNano]);
      }
    }
    for (const [s, x] of [['a', onlyA], ['a', shared], ['b', shared]] as const) {
      const t = x.batch.traces[0];
      await sql(`INSERT INTO session_traces (day, session_id, trace_id, start_ms, duration_ns, status_code, error, digest) VALUES ($1, $2, $3, $4, 1, 200, false, $5)`, [day, s, t.traceId, t.startTimeMs, JSON.stringify(t.digest)]);
    }
    await sql(`INSERT INTO pending (owner, trace_id, kind, payload, received_ms) VALUES ('a', 'w1', 'spans', '{}', 1)`);

    const store = await openStore();
    expect(await store.getSpans('team-a', onlyA.traceId)).toHaveLength(3);
    expect(await store.getSpans('team-b', onlyA.traceId)).toEqual([]);
    for (const t of ['team-a', 'team-b']) {
      expect(await store.getSpans(t, shared.traceId)).toHaveLength(3);
      expect((await store.getTraceRow(t, shared.traceId))?.traceId).toBe(shared.traceId);
    }
    expect(await store.sessionsOfTrace('team-b', shared.traceId)).toEqual(['b']);
    expect(await store.getSpans('default', orphan.traceId)).toHaveLength(3);
    expect(await store.getTraceRow('team-a', onlyA.traceId)).toMatchObject({ traceId: onlyA.traceId, statusCode: 200, resource: { 'service.name': 'kong' } });
    expect(await store.getTraceDetail('team-a', onlyA.traceId)).toMatchObject({ traceId: onlyA.traceId, resource: { 'service.name': 'kong' }, spans: await store.getSpans('team-a', onlyA.traceId) });
    expect((await store.listTraces('a', {})).traces.map((t) => t.traceId).sort()).toEqual([onlyA.traceId, shared.traceId].sort());
    expect((await store.listTraces('b', { status: '2xx' })).traces.map((t) => t.traceId)).toEqual([shared.traceId]);
    expect((await store.loadWaiting()).map((r) => [r.tenant, r.traceId])).toEqual([['default', 'w1']]);
    // migration 4: the waiting rows' table has one name
    expect(await sql(`SELECT relname FROM pg_class WHERE relname LIKE 'pending%' OR relname LIKE 'waiting%' ORDER BY relname`)).toEqual(
      ['waiting', 'waiting_id_seq', 'waiting_pkey', 'waiting_trace'].map((relname) => ({ relname })),
    );
    await store.deleteSession('b');
    expect(await store.getSpans('team-b', shared.traceId)).toEqual([]);
    expect(await store.getSpans('team-a', shared.traceId)).toHaveLength(3);
  });

  it('upgrades the indexes of a schema-8 database: rows written before are still found by request id and listed in order', async () => {
    const nowMs = Date.now();
    const store = await openStore();
    await store.saveSession(session('s', nowMs));
    const traces = [0, 1, 2].map((i) => batchOf(nowMs + i, 's'));
    traces.forEach((t, i) => Object.assign(t.batch.traces[0], { requestId: `req-${i}`, statusCode: i === 1 ? 503 : 200, routeId: 'r1', serviceId: `s${i % 2}` }));
    for (const t of traces) await store.write(t.batch);
    await store.close();
    open.splice(open.indexOf(store), 1);
    // the indexes as schemas 6 to 8 made them
    await sql(`DROP INDEX traces_request, traces_time, traces_route, traces_service, session_traces_list;
      CREATE INDEX traces_request ON traces (tenant, request_id, start_ms, trace_id) WHERE request_id IS NOT NULL;
      CREATE INDEX traces_time ON traces (tenant, start_ms, trace_id);
      CREATE INDEX traces_route ON traces (tenant, route_id, start_ms, trace_id) WHERE route_id IS NOT NULL;
      CREATE INDEX traces_service ON traces (tenant, service_id, start_ms, trace_id) WHERE service_id IS NOT NULL;
      CREATE INDEX session_traces_list ON session_traces (session_id, start_ms, trace_id)
        INCLUDE (status_code, method, duration_ns, error, route_id, service_id, path, tenant);
      DELETE FROM schema_migrations WHERE version = 9`);
    const again = await openStore();
    expect(await sql(`SELECT indexdef FROM pg_indexes WHERE tablename IN ('traces', 'session_traces') AND indexname NOT LIKE '%pkey' ORDER BY indexname`)).toEqual(
      [
        'session_traces_list ON ONLY public.session_traces USING btree (session_id, start_ms)',
        'traces_request ON ONLY public.traces USING hash (request_id) WHERE (request_id IS NOT NULL)',
        'traces_route ON ONLY public.traces USING btree (tenant, route_id, start_ms) WHERE (route_id IS NOT NULL)',
        'traces_service ON ONLY public.traces USING btree (tenant, service_id, start_ms) WHERE (service_id IS NOT NULL)',
        'traces_time ON ONLY public.traces USING btree (tenant, start_ms)',
      ].map((d) => ({ indexdef: `CREATE INDEX ${d}` })),
    );
    for (const [i, t] of traces.entries()) {
      expect((await searchTraces(again, 'default', { requestId: `req-${i}` })).traces.map((x) => x.traceId)).toEqual([t.traceId]);
      expect((await searchTraces(again, 'team-b', { requestId: `req-${i}` })).traces).toEqual([]);
    }
    expect((await again.listTraces('s', {})).traces.map((x) => x.traceId)).toEqual(traces.map((t) => t.traceId).reverse());
    expect((await again.listTraces('s', { status: '5xx' })).traces.map((x) => x.traceId)).toEqual([traces[1].traceId]);
    const newest = (f: Parameters<typeof searchTraces>[2]) => searchTraces(again, 'default', f).then((r) => r.traces.map((x) => x.traceId));
    expect(await newest({ routeId: 'r1' })).toEqual(traces.map((t) => t.traceId).reverse());
    expect(await newest({ serviceId: 's0' })).toEqual([traces[2].traceId, traces[0].traceId]);
    expect(await newest({ limit: 1, cursor: (await searchTraces(again, 'default', { limit: 1 })).nextCursor })).toEqual([traces[1].traceId]);
  });

  it('keeps the spans of each write of a trace as a record and merges them when read: late spans, retries, other replicas', async () => {
    const nowMs = Date.now();
    const a = await openStore(Date.now, 'a');
    const b = await openStore(Date.now, 'b');
    await a.saveSession(session('s', nowMs));
    const t = batchOf(nowMs, 's');
    const [first, ...rest] = t.batch.spans;
    await a.write({ ...t.batch, spans: [first] });
    // two replicas write the other spans of the trace at once; a retry re-sends one of them
    await Promise.all([b.write({ ...t.batch, spans: rest.slice(0, 1) }), a.write({ ...t.batch, spans: rest.slice(1) })]);
    await b.write({ ...t.batch, spans: rest.slice(0, 1) });
    expect((await a.getSpans('default', t.traceId)).map((s) => s.spanId)).toEqual(t.batch.spans.map((s) => s.spanId));
    // the trace's detail: its row's resource and scope, every record's spans, in one round trip
    const row = (await a.getTraceRow('default', t.traceId))!;
    expect(await b.getTraceDetail('default', t.traceId)).toEqual({
      traceId: t.traceId,
      resource: row.resource,
      ...(row.scopeName ? { scope: { name: row.scopeName, ...(row.scopeVersion ? { version: row.scopeVersion } : {}) } } : {}),
      spans: await a.getSpans('default', t.traceId),
    });
    expect(await a.getTraceDetail('team-b', t.traceId)).toBeUndefined();
    expect(await a.getTraceDetail('default', 'f'.repeat(32))).toBeUndefined();
    expect(await sql(`SELECT count(*)::int AS n FROM trace_spans WHERE trace_id = $1`, [t.traceId])).toEqual([{ n: 3 }]);
  });

  it('keeps one row per trace when a later write moves its start across midnight, so every read sees it once', async () => {
    const midnight = Date.UTC(2026, 10, 24);
    const now = midnight + 12 * 3_600_000;
    const store = await openStore(() => now);
    for (const id of ['s1', 's2']) await store.saveSession(session(id, now));
    // Kong's root starts 10 ms before midnight; its last span, 9 ms after it, is stored first (the root comes in a later
    // export, or a later upload): without a root the row starts at its earliest span, on the new day
    const t = kongRequest({ startMs: midnight - 10 });
    const spans = decodeTracesJson(tracesPayload(t.spans)).spans.map(toApiSpan);
    const first = rowOf(t.traceId, spans.slice(2));
    const full = rowOf(t.traceId, spans);
    expect([dayOf(first.startTimeMs), dayOf(full.startTimeMs)]).toEqual([dayOf(midnight), dayOf(midnight) - 1]);
    const write = (spansOf: Span[], row: StoredTrace, sessions: string[]) =>
      store.write({ tenant: 'default', spans: spansOf, traces: [row], memberships: sessions.map((s) => [s, t.traceId, row.startTimeMs] as [string, string, number]), sessions: [], logs: [] });
    await write(spans.slice(2), first, ['s1', 's2']);
    // the root's write: the decision's sessions (s1); s2 holds the trace too (as the Uploads session may)
    await write(spans.slice(0, 2), full, ['s1']);

    const day = dayOf(midnight) - 1;
    expect(await placesOf(t.traceId)).toEqual({
      traces: [{ day }],
      session_traces: [{ session_id: 's1', day }, { session_id: 's2', day }],
      trace_spans: [{ day }],
    });
    const once = (r: { traces: Array<{ traceId: string }> }) => r.traces.map((x) => x.traceId);
    expect((await store.searchTraces('default', {}, 100)).traces.map((x) => [x.traceId, x.startTimeMs])).toEqual([[t.traceId, full.startTimeMs]]);
    expect((await store.listTraces('s1', {})).traces.map((x) => [x.traceId, x.startTimeMs])).toEqual([[t.traceId, full.startTimeMs]]);
    expect(once(await store.listTraces('s2', {}))).toEqual([t.traceId]);
    expect((await store.digests('s1')).map((d) => d.traceId)).toEqual([t.traceId]);
    expect((await store.tracesReceivedAfter('s1', 0, '', 10)).map((r) => r.trace.traceId)).toEqual([t.traceId]);
    expect((await store.getTraceRow('default', t.traceId))?.startTimeMs).toBe(full.startTimeMs);
    expect((await store.getTraceDetail('default', t.traceId))?.spans).toHaveLength(3);
    expect(await store.sessionsOfTrace('default', t.traceId)).toEqual(expect.arrayContaining(['s1', 's2']));
  });

  it('moves a trace the retention clamp moved (an old trace written again a day later), so a purge counts it once', async () => {
    let now = Date.UTC(2026, 10, 24, 12);
    const store = await openStore(() => now);
    await store.saveSession(session('s1', now));
    const old = batchOf(now - 9 * DAY_MS, 's1');
    await store.write(old.batch);
    expect(await placesOf(old.traceId)).toMatchObject({ traces: [{ day: dayOf(now) - 7 }] });
    now += DAY_MS;
    // Kong re-sends the batch (or the file is uploaded again) a day later: the oldest kept day is now a day later
    await store.write(old.batch);
    const day = dayOf(now) - 7;
    expect(await placesOf(old.traceId)).toEqual({ traces: [{ day }], session_traces: [{ session_id: 's1', day }], trace_spans: [{ day }] });
    expect((await store.listTraces('s1', {})).traces).toHaveLength(1);
    // the day it left holds nothing of it; it goes with its own day, counted once
    expect(await store.purge(now - 7 * DAY_MS)).toEqual({ traces: 0, logs: 0, sessions: 0 });
    expect(await store.getSpans('default', old.traceId)).toHaveLength(3);
    now += DAY_MS;
    expect(await store.purge(now - 7 * DAY_MS)).toEqual({ traces: 1, logs: 0, sessions: 0 });
    expect(await store.getSpans('default', old.traceId)).toEqual([]);
  });

  it('upgrades a database holding a trace on two days to one row, the last written, with every membership and record on its day', async () => {
    const now = Date.UTC(2026, 10, 24, 12);
    let store = await openStore(() => now);
    for (const id of ['s1', 's2']) await store.saveSession(session(id, now));
    const t = batchOf(now - DAY_MS, 's1');
    const other = batchOf(now, 's1');
    await store.write(t.batch);
    await store.write(other.batch);
    await store.close();
    open.splice(0);
    // what the old write left: a copy of the trace on the next day, written earlier, with s2's membership and a record of its own
    const copyDay = dayOf(now);
    const [kept] = await sql<{ day: number; received_ms: string }>('SELECT day, received_ms FROM traces WHERE trace_id = $1', [t.traceId]);
    for (const table of PARTITIONED_TABLES) await sql(createPartitionSql(table, copyDay));
    const cols = async (table: string) =>
      (await sql<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1 AND column_name NOT IN ('day') ORDER BY ordinal_position`, [table])).map((r) => r.c).join(', ');
    await sql(`INSERT INTO traces (day, ${await cols('traces')}) SELECT $2, ${(await cols('traces')).replace('received_ms', 'received_ms - 1000').replace('start_ms', 'start_ms + 86400000')}
      FROM traces WHERE trace_id = $1`, [t.traceId, copyDay]);
    await sql(`INSERT INTO session_traces (day, ${await cols('session_traces')}) SELECT $2, ${(await cols('session_traces')).replace('session_id', `'s2'`)}
      FROM session_traces WHERE trace_id = $1`, [t.traceId, copyDay]);
    await sql(`INSERT INTO trace_spans (day, ${await cols('trace_spans')}) SELECT $2, ${(await cols('trace_spans')).replace('chunk', `'other'`)}
      FROM trace_spans WHERE trace_id = $1`, [t.traceId, copyDay]);
    await sql(`DELETE FROM schema_migrations WHERE version >= 8`);
    expect((await placesOf(t.traceId)).traces).toHaveLength(2);

    store = await openStore(() => now);
    expect(await placesOf(t.traceId)).toEqual({
      traces: [{ day: kept.day }],
      session_traces: [{ session_id: 's1', day: kept.day }, { session_id: 's2', day: kept.day }],
      trace_spans: [{ day: kept.day }],
    });
    expect(await sql('SELECT received_ms FROM traces WHERE trace_id = $1', [t.traceId])).toEqual([{ received_ms: kept.received_ms }]);
    expect(await sql('SELECT count(*)::int AS n FROM trace_spans WHERE trace_id = $1', [t.traceId])).toEqual([{ n: 2 }]);
    expect((await store.searchTraces('default', {}, 100)).traces.map((x) => x.traceId)).toEqual([other.traceId, t.traceId]);
    expect((await store.listTraces('s2', {})).traces.map((x) => x.traceId)).toEqual([t.traceId]);
    expect(await store.getSpans('default', t.traceId)).toHaveLength(3);
    expect(await placesOf(other.traceId)).toEqual({ traces: [{ day: copyDay }], session_traces: [{ session_id: 's1', day: copyDay }], trace_spans: [{ day: copyDay }] });
  });
});
