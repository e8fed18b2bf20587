import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Span, TraceQueryFilters } from '../../../common/api';
import { summarizeSession, type TraceDigest } from '../../../common/lifecycle';
import { DATABASE_FILE } from '../database';
import { parseStatusFilter } from '../filters';
import { SCHEMA_VERSION, SqliteStore } from '.';
import { MIGRATIONS, SCHEMA } from './schema';
import type { StoredSession, StoredTrace, WriteBatch } from '../types';

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-sqlite-'));
  store = new SqliteStore(dir);
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** a deterministic generator, so a failing case can be replayed */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

function span(traceId: string, spanId: string, startMs: number, name = 'kong'): Span {
  const ns = BigInt(startMs) * 1_000_000n;
  return {
    traceId,
    spanId,
    parentSpanId: '',
    name,
    kind: 2,
    startTimeUnixNano: ns.toString(),
    endTimeUnixNano: (ns + 5_000_000n).toString(),
    startTimeMs: startMs,
    durationNs: 5_000_000,
    attributes: { 'http.method': 'GET' },
    events: [],
    statusCode: 0,
  };
}

function trace(traceId: string, startMs: number, extra: Partial<StoredTrace> = {}): StoredTrace {
  return {
    traceId,
    startTimeUnixNano: (BigInt(startMs) * 1_000_000n).toString(),
    startTimeMs: startMs,
    durationNs: 5_000_000,
    error: false,
    spanCount: 1,
    dialect: 'enterprise',
    latency: { totalMs: 5 } as StoredTrace['latency'],
    resource: { 'service.name': 'kong' },
    digest: { traceId, startTimeMs: startMs, dialect: 'enterprise', latency: { totalMs: 5 }, nodes: { clientOut: 1000 } },
    ...extra,
  };
}

function session(id: string, traceCount = 0): StoredSession {
  const t = new Date(0).toISOString();
  return {
    id,
    name: id,
    rule: { type: 'basic', routeIds: ['r'] },
    status: 'in_progress',
    durationSeconds: 60,
    maxTraces: 1000,
    captureLogs: false,
    traceCount,
    logCount: 0,
    createdAt: t,
  } as StoredSession;
}

const batch = (b: Partial<WriteBatch>): WriteBatch => ({ tenant: 'default', spans: [], traces: [], memberships: [], sessions: [], logs: [], ...b });

/** one trace (row, root span, membership) per id */
function traceBatch(sessionId: string, rows: StoredTrace[]): WriteBatch {
  return batch({
    spans: rows.map((r) => span(r.traceId, r.traceId.slice(0, 16), r.startTimeMs)),
    traces: rows,
    memberships: rows.map((r) => [sessionId, r.traceId, r.startTimeMs] as [string, string, number]),
  });
}

describe('group commit', () => {
  it('writes the batches of one event-loop turn in one transaction', async () => {
    store.saveSession(session('s'));
    const transaction = jest.spyOn((store as unknown as { db: Database.Database }).db, 'transaction');
    const writes = [1, 2, 3].map((i) => store.write(traceBatch('s', [trace(hex(i, 32), 1000 + i)])));
    expect(transaction).not.toHaveBeenCalled();
    await Promise.all(writes);
    expect(transaction).toHaveBeenCalledTimes(1);
    expect(store.listTraces('s', {}).traces).toHaveLength(3);
  });

  it('lets a read in the same turn see the queued writes', () => {
    store.saveSession(session('s'));
    void store.write(traceBatch('s', [trace(hex(1, 32), 1001)]));
    expect(store.getSpans('default', hex(1, 32))).toHaveLength(1);
    expect(store.digests('s')).toHaveLength(1);
  });

  it('settles a caller only when its rows are committed, and they survive reopening', async () => {
    store.saveSession(session('s'));
    const pending = store.write(traceBatch('s', [trace(hex(7, 32), 1007)]));
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false); // not before the end of the turn's group
    await pending;
    store.close();
    store = new SqliteStore(dir);
    expect(store.getTraceRow('default', hex(7, 32))?.startTimeMs).toBe(1007);
  });

  it('fails only the bad batch of a group; the others are stored', async () => {
    store.saveSession(session('s'));
    const bad = traceBatch('s', [trace(hex(2, 32), 1002)]);
    bad.spans[0].startTimeUnixNano = 'not a number';
    const results = await Promise.allSettled([
      store.write(traceBatch('s', [trace(hex(1, 32), 1001)])),
      store.write(bad),
      store.write(traceBatch('s', [trace(hex(3, 32), 1003)])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.listTraces('s', {}).traces.map((t) => t.traceId)).toEqual([hex(3, 32), hex(1, 32)]);
    expect(store.getSpans('default', hex(2, 32))).toEqual([]);
  });

  it('keeps call order: a session saved after a queued batch is not overwritten by the batch', async () => {
    store.saveSession(session('s'));
    const w = store.write(batch({ sessions: [{ ...session('s', 1), status: 'in_progress' }] }));
    store.saveSession({ ...session('s', 1), status: 'completed' });
    await w;
    expect(store.getSession('s')?.status).toBe('completed');
  });

  it('writes what is queued before closing', async () => {
    store.saveSession(session('s'));
    const w = store.write(traceBatch('s', [trace(hex(9, 32), 1009)]));
    store.close();
    await w;
    store = new SqliteStore(dir);
    expect(store.sessionsOfTrace('default', hex(9, 32))).toEqual(['s']);
  });
});

describe('span errors (count in the digest, spanErrorsOnly filter)', () => {
  it('lists the count and filters on it apart from the failed-request flag', async () => {
    store.saveSession(session('s'));
    const d = (id: string, n?: number) => ({ ...trace(id, 0).digest, ...(n === undefined ? {} : { spanErrors: n }) });
    const ok = hex(1, 32);
    const recovered = hex(2, 32); // a retry that recovered: not failed, one span error
    const failed = hex(3, 32);
    const old = hex(4, 32); // stored before the count existed
    await store.write(
      traceBatch('s', [
        trace(ok, 1000, { digest: d(ok, 0) }),
        trace(recovered, 2000, { digest: d(recovered, 1) }),
        trace(failed, 3000, { error: true, digest: d(failed, 6) }),
        trace(old, 4000, { digest: d(old) }),
      ]),
    );
    expect(store.listTraces('s', {}).traces.map((t) => [t.traceId, t.error, t.spanErrorCount])).toEqual([
      [old, false, undefined],
      [failed, true, 6],
      [recovered, false, 1],
      [ok, false, 0],
    ]);
    expect(store.listTraces('s', { spanErrorsOnly: true }).traces.map((t) => t.traceId)).toEqual([failed, recovered]);
    expect(store.listTraces('s', { errorsOnly: true }).traces.map((t) => t.traceId)).toEqual([failed]);
  });

  it('reads digests stored as objects, before the compact form (filter, count, summary digests)', async () => {
    store.saveSession(session('s'));
    const compact = hex(1, 32);
    const legacy = hex(2, 32);
    await store.write(traceBatch('s', [trace(compact, 1000, { digest: { ...trace(compact, 0).digest, spanErrors: 1 } }), trace(legacy, 2000)]));
    const legacyDigest = { dialect: 'enterprise', latency: { totalMs: 7 }, nodes: { clientOut: 5 }, spanErrors: 4 };
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.prepare(`UPDATE session_traces SET digest = ? WHERE trace_id = ?`).run(JSON.stringify(legacyDigest), legacy);
    db.prepare(`UPDATE traces SET latency = ? WHERE trace_id = ?`).run(JSON.stringify({ totalMs: 7, thirdParty: { dnsMs: 1 } }), legacy);
    db.close();
    expect(store.listTraces('s', { spanErrorsOnly: true }).traces.map((t) => [t.traceId, t.spanErrorCount])).toEqual([
      [legacy, 4],
      [compact, 1],
    ]);
    expect(store.digests('s').find((d) => d.traceId === legacy)).toEqual({ traceId: legacy, startTimeMs: 2000, ...legacyDigest });
    // the latency breakdown of a row stored as an object, before the compact form
    expect(store.listTraces('s', {}).traces.map((t) => t.latency)).toEqual([{ totalMs: 7, thirdParty: { dnsMs: 1 } }, trace(compact, 0).latency]);
  });

  it('summarises a session as summarizeSession over its digests, compact and stored as objects before', async () => {
    store.saveSession(session('s'));
    store.saveSession(session('other'));
    const digest = (i: number): TraceDigest => ({
      traceId: hex(i, 32),
      startTimeMs: i,
      dialect: 'enterprise',
      latency: i % 5 ? { totalMs: i / 3, upstreamMs: i } : { totalMs: i / 3 },
      nodes: i % 7 ? { clientOut: i * 1000, 'access.key-auth': i * 7, 'header_filter.cors': i } : { clientIn: i, 'access.acl': 2 * i },
      spanErrors: i % 3,
    });
    await store.write(traceBatch('s', Array.from({ length: 60 }, (_, i) => trace(hex(i + 1, 32), 1000 + i, { digest: digest(i + 1) }))));
    await store.write(traceBatch('other', [trace(hex(99, 32), 5000, { digest: { ...digest(99), nodes: { 'access.other': 1 } } })]));
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.prepare(`UPDATE session_traces SET digest = ? WHERE trace_id = ?`).run(JSON.stringify({ dialect: 'oss', latency: { totalMs: 900 }, nodes: { upstreamOut: 5 } }), hex(3, 32));
    db.close();
    const summary = store.sessionSummary('s');
    expect(summary).toStrictEqual(summarizeSession('s', store.digests('s')));
    expect(summary).toMatchObject({ traceCount: 60, nodes: { upstreamOut: { count: 1, maxNs: 5 }, 'access.key-auth': { count: 51 } }, latency: { totalMs: { count: 60, maxNs: 900e6 } } });
    expect(summary.nodes['access.other']).toBeUndefined();
    expect(store.sessionSummary('none')).toStrictEqual({ sessionId: 'none', traceCount: 0, latency: {}, nodes: {} });
  });
});

describe('trace columns copied into memberships (schema 3)', () => {
  it('refreshes every membership when the trace row is rewritten by a later batch', async () => {
    store.saveSession(session('a'));
    store.saveSession(session('b'));
    const id = hex(1, 32);
    await store.write(batch({ traces: [trace(id, 1000, { statusCode: 200, method: 'GET' })], memberships: [['a', id, 1000], ['b', id, 1000]] }));
    // late spans: the row is rewritten, no membership comes with it
    await store.write(batch({ traces: [trace(id, 1000, { statusCode: 503, method: 'GET', error: true })] }));
    for (const s of ['a', 'b']) {
      expect(store.listTraces(s, { status: '5xx', errorsOnly: true }).traces.map((t) => t.statusCode)).toEqual([503]);
      expect(store.listTraces(s, { status: '2xx' }).traces).toEqual([]);
    }
  });

  it('copies the stored row into a membership that comes without it, and leaves out a trace with no row yet', async () => {
    store.saveSession(session('a'));
    const id = hex(1, 32);
    const later = hex(2, 32);
    await store.write(batch({ traces: [trace(id, 1000, { statusCode: 404 })] }));
    await store.write(batch({ memberships: [['a', id, 1000], ['a', later, 2000]] }));
    expect(store.listTraces('a', { status: '404' }).traces.map((t) => t.traceId)).toEqual([id]);
    expect(store.digests('a').map((d) => d.traceId)).toEqual([id]);
    // its row arrives afterwards: now it is listed and summarised
    await store.write(batch({ traces: [trace(later, 2000, { statusCode: 404 })] }));
    expect(store.listTraces('a', { status: '404' }).traces.map((t) => t.traceId)).toEqual([later, id]);
    expect(store.digests('a').map((d) => d.traceId).sort()).toEqual([id, later]);
  });

  it('filters and pages exactly like the trace rows say (random data, every filter)', async () => {
    const rand = rng(42);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const rows: StoredTrace[] = [];
    for (let i = 0; i < 600; i++) {
      const extra: Partial<StoredTrace> = { durationNs: Math.floor(rand() * 50) * 1_000_000, error: rand() < 0.2 };
      const status = pick([200, 201, 404, 500, 503, undefined]);
      if (status !== undefined) extra.statusCode = status;
      const method = pick(['GET', 'POST', undefined]);
      if (method) extra.method = method;
      const p = pick(['/a/b', '/a/c', '/b', '/a%', undefined]);
      if (p) extra.path = p;
      const route = pick(['r1', 'r2', undefined]);
      if (route) extra.routeId = route;
      const service = pick(['s1', 's2', undefined]);
      if (service) extra.serviceId = service;
      // some equal start times, so the trace id breaks ties across pages
      rows.push(trace(hex(i, 32), 1_000_000 + Math.floor(i / 3) * 7, extra));
    }
    store.saveSession(session('s'));
    store.saveSession(session('other'));
    await Promise.all([store.write(traceBatch('s', rows.slice(0, 400))), store.write(traceBatch('s', rows.slice(400)))]);
    await store.write(traceBatch('other', [trace(hex(9999, 32), 1_000_500, { statusCode: 500, method: 'GET' })]));

    const filters: TraceQueryFilters[] = [
      {},
      { status: '5xx', method: 'get' },
      { status: '404' },
      { status: '200-404', errorsOnly: true },
      { minDurationMs: 25 },
      { path: '/a' },
      { path: '/a%' },
      { routeId: 'r1', serviceId: 's2' },
      { from: 1_000_100, to: 1_000_600, method: 'POST' },
    ];
    for (const f of filters) {
      const [lo, hi] = f.status ? parseStatusFilter(f.status) : [0, 0];
      const want = rows
        .filter(
          (r) =>
            (!f.status || (r.statusCode !== undefined && r.statusCode >= lo && r.statusCode <= hi)) &&
            (!f.method || r.method === f.method.toUpperCase()) &&
            (f.minDurationMs === undefined || r.durationNs >= f.minDurationMs * 1e6) &&
            (!f.path || (r.path ?? '').startsWith(f.path)) &&
            (!f.routeId || r.routeId === f.routeId) &&
            (!f.serviceId || r.serviceId === f.serviceId) &&
            (!f.errorsOnly || r.error) &&
            (f.from === undefined || r.startTimeMs >= f.from) &&
            (f.to === undefined || r.startTimeMs <= f.to),
        )
        .sort((x, y) => y.startTimeMs - x.startTimeMs || (y.traceId < x.traceId ? -1 : 1))
        .map((r) => r.traceId);
      const got: string[] = [];
      let cursor: string | undefined;
      do {
        const page = store.listTraces('s', { ...f, limit: 37, cursor });
        got.push(...page.traces.map((t) => t.traceId));
        cursor = page.nextCursor;
      } while (cursor);
      expect({ f, got }).toEqual({ f, got: want });
    }
    expect(store.digests('s')).toHaveLength(600);
  });

  it('upgrades a schema-2 database: existing memberships get the copies, filters and summaries work', async () => {
    store.saveSession(session('s'));
    store.close();
    fs.rmSync(path.join(dir, DATABASE_FILE));
    // A database exactly as schema 2 made it, with two traces.
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.exec(SCHEMA);
    db.exec(MIGRATIONS[2] as string);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', '2')`).run();
    db.prepare(`INSERT INTO sessions (id, body, status, created_ms) VALUES ('s', ?, 'in_progress', 0)`).run(JSON.stringify(session('s')));
    const rows = [trace(hex(1, 32), 1000, { statusCode: 503, method: 'GET', error: true }), trace(hex(2, 32), 2000, { statusCode: 200, method: 'GET' })];
    for (const t of rows) {
      db.prepare(
        `INSERT INTO traces (trace_id, start_ns, start_ms, duration_ns, method, status_code, error, span_count, dialect, latency, digest, resource, received_ms)
         VALUES (?, ?, ?, 5000000, ?, ?, ?, 1, 'enterprise', '{}', ?, '{"service.name":"kong"}', 1)`,
      ).run(t.traceId, BigInt(t.startTimeUnixNano), t.startTimeMs, t.method, t.statusCode, t.error ? 1 : 0, JSON.stringify(t.digest));
      db.prepare(`INSERT INTO spans VALUES (?, ?, '', 'kong', 2, ?, ?, 0, NULL, '{"http.method":"GET"}', '[]')`).run(
        t.traceId,
        t.traceId.slice(0, 16),
        BigInt(t.startTimeUnixNano),
        BigInt(t.startTimeUnixNano) + 5_000_000n,
      );
      db.prepare(`INSERT INTO session_traces (session_id, trace_id, start_ms) VALUES ('s', ?, ?)`).run(t.traceId, t.startTimeMs);
    }
    db.close();

    store = new SqliteStore(dir);
    expect(store.listTraces('s', { status: '5xx', method: 'GET' }).traces.map((t) => t.traceId)).toEqual([hex(1, 32)]);
    expect(store.digests('s').map((d) => d.traceId).sort()).toEqual([hex(1, 32), hex(2, 32)]);
    expect(store.getSpans('default', hex(1, 32))).toEqual([span(hex(1, 32), hex(1, 32).slice(0, 16), 1000)]);
    expect(store.getTraceRow('default', hex(1, 32))).toMatchObject({ traceId: hex(1, 32), statusCode: 503, resource: { 'service.name': 'kong' } });
    const check = new Database(path.join(dir, DATABASE_FILE), { readonly: true });
    expect(check.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get()).toBe(String(SCHEMA_VERSION));
    expect(check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'session_traces' ORDER BY name`).pluck().all()).toEqual([
      'session_traces_list',
      'session_traces_rowless',
      'session_traces_trace',
    ]);
    check.close();
  });
});

describe('tenants (schema 4)', () => {
  it('keeps two tenants apart under one trace id', async () => {
    store.saveSession({ ...session('a'), tenant: 'team-a' });
    store.saveSession({ ...session('b'), tenant: 'team-b' });
    const id = hex(1, 32);
    await store.write({ ...traceBatch('a', [trace(id, 1000, { statusCode: 200 })]), tenant: 'team-a' });
    await store.write({ ...traceBatch('b', [trace(id, 1000, { statusCode: 503 })]), tenant: 'team-b' });
    await store.write({ ...batch({ spans: [span(id, hex(9, 16), 1001, 'b.only')] }), tenant: 'team-b' });
    expect(store.getSpans('team-a', id).map((s) => s.name)).toEqual(['kong']);
    expect(store.getSpans('team-b', id).map((s) => s.name)).toEqual(['kong', 'b.only']);
    expect(store.getTraceRow('team-a', id)?.statusCode).toBe(200);
    expect(store.getTraceRow('team-b', id)?.statusCode).toBe(503);
    expect(store.getTraceRow('default', id)).toBeUndefined();
    expect(store.sessionsOfTrace('team-a', id)).toEqual(['a']);
    expect(store.listTraces('b', {}).traces.map((t) => t.statusCode)).toEqual([503]);
    store.deleteSession('b');
    expect(store.getSpans('team-b', id)).toEqual([]);
    expect(store.getSpans('team-a', id)).toHaveLength(1);
  });

  it('upgrades a schema-3 database: rows get the tenant of their sessions, a trace two tenants hold is copied to both', async () => {
    store.saveSession({ ...session('a'), tenant: 'team-a' });
    store.saveSession({ ...session('b'), tenant: 'team-b' });
    store.saveSession(session('d')); // from before tenants: the default tenant
    store.close();
    const db = new Database(path.join(dir, DATABASE_FILE));
    // Back to exactly the schema-3 shapes of the trace-keyed tables.
    db.exec(`
      DROP TABLE traces; DROP TABLE IF EXISTS spans; DROP TABLE session_traces; DROP TABLE waiting;
      CREATE TABLE traces (trace_id TEXT PRIMARY KEY, start_ns INTEGER NOT NULL, start_ms REAL NOT NULL, duration_ns INTEGER NOT NULL,
        method TEXT, path TEXT, url TEXT, host TEXT, status_code INTEGER, upstream_status_code INTEGER, route_id TEXT, service_id TEXT,
        consumer_id TEXT, client_address TEXT, error INTEGER NOT NULL, span_count INTEGER NOT NULL, dialect TEXT NOT NULL, latency TEXT NOT NULL,
        digest TEXT NOT NULL, resource TEXT NOT NULL, scope_name TEXT, scope_version TEXT, received_ms INTEGER NOT NULL);
      CREATE INDEX traces_received ON traces (received_ms);
      CREATE TABLE session_traces (session_id TEXT NOT NULL, trace_id TEXT NOT NULL, start_ms REAL NOT NULL, status_code INTEGER, method TEXT,
        path TEXT, duration_ns INTEGER, error INTEGER, route_id TEXT, service_id TEXT, digest TEXT, PRIMARY KEY (session_id, trace_id)) WITHOUT ROWID;
      CREATE INDEX session_traces_trace ON session_traces (trace_id);
      CREATE INDEX session_traces_list ON session_traces (session_id, start_ms DESC, trace_id DESC, status_code, method, error, duration_ns, route_id, service_id, path);
      CREATE INDEX session_traces_rowless ON session_traces (trace_id) WHERE digest IS NULL;
      CREATE TABLE spans (trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT NOT NULL, name TEXT NOT NULL, kind INTEGER NOT NULL,
        start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, status_code INTEGER NOT NULL, status_message TEXT, attributes TEXT NOT NULL,
        events TEXT NOT NULL, PRIMARY KEY (trace_id, span_id)) WITHOUT ROWID;
      CREATE TABLE pending (id INTEGER PRIMARY KEY AUTOINCREMENT, trace_id TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, received_ms INTEGER NOT NULL);
      CREATE INDEX pending_trace ON pending (trace_id);
      UPDATE meta SET value = '3' WHERE key = 'schema_version';`);
    const digest = (id: string) => JSON.stringify(trace(id, 1000).digest);
    const [onlyA, shared, ofD, orphan] = [1, 2, 3, 4].map((i) => hex(i, 32));
    for (const id of [onlyA, shared, ofD, orphan]) {
      db.prepare(`INSERT INTO traces VALUES (?, 1000000000, 1000, 5000000, 'GET', '/x', NULL, NULL, 200, NULL, NULL, NULL, NULL, NULL, 0, 1, 'enterprise', '{}', ?, '{}', NULL, NULL, 1)`).run(id, digest(id));
      db.prepare(`INSERT INTO spans VALUES (?, ?, '', 'kong', 2, 1000000000, 1005000000, 0, NULL, '{}', '[]')`).run(id, id.slice(0, 16));
    }
    for (const [s, id] of [['a', onlyA], ['a', shared], ['b', shared], ['d', ofD]]) {
      db.prepare(`INSERT INTO session_traces VALUES (?, ?, 1000, 200, 'GET', '/x', 5000000, 0, NULL, NULL, ?)`).run(s, id, digest(id));
    }
    db.prepare(`INSERT INTO pending (trace_id, kind, payload, received_ms) VALUES (?, 'spans', '{}', 1)`).run(hex(5, 32));
    db.close();

    store = new SqliteStore(dir);
    expect(store.getSpans('team-a', onlyA)).toHaveLength(1);
    expect(store.getSpans('team-b', onlyA)).toEqual([]);
    expect(store.getSpans('default', onlyA)).toEqual([]);
    for (const t of ['team-a', 'team-b']) {
      expect(store.getSpans(t, shared)).toHaveLength(1);
      expect(store.getTraceRow(t, shared)?.traceId).toBe(shared);
    }
    expect(store.sessionsOfTrace('team-b', shared)).toEqual(['b']);
    expect(store.sessionsOfTrace('team-a', shared)).toEqual(['a']);
    expect(store.getSpans('default', ofD)).toHaveLength(1);
    expect(store.getSpans('default', orphan)).toHaveLength(1);
    expect(store.listTraces('a', {}).traces.map((t) => t.traceId).sort()).toEqual([onlyA, shared]);
    expect(store.listTraces('b', { status: '2xx' }).traces.map((t) => t.traceId)).toEqual([shared]);
    expect(store.digests('a')).toHaveLength(2);
    expect(store.loadWaiting().map((r) => [r.tenant, r.traceId])).toEqual([['default', hex(5, 32)]]);
    // schema 6: the waiting rows' table has one name
    const upgraded = new Database(path.join(dir, DATABASE_FILE), { readonly: true });
    expect(upgraded.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'pending%' OR name LIKE 'waiting%' ORDER BY name`).pluck().all()).toEqual(['waiting', 'waiting_trace']);
    upgraded.close();
    // Deleting b leaves a's copy of the shared trace.
    store.deleteSession('b');
    expect(store.getSpans('team-b', shared)).toEqual([]);
    expect(store.getSpans('team-a', shared)).toHaveLength(1);
  });

  it("stores a trace's spans as one record: late spans merge into it, a re-sent span is not doubled, spans without a row are refused", async () => {
    store.saveSession(session('a'));
    const id = hex(1, 32);
    await store.write(batch({ spans: [span(id, hex(1, 16), 1000), span(id, hex(2, 16), 1001, 'kong.router')], traces: [trace(id, 1000)], memberships: [['a', id, 1000]] }));
    await store.write(batch({ spans: [span(id, hex(3, 16), 1002, 'kong.balancer'), span(id, hex(2, 16), 1001, 'kong.router')], traces: [trace(id, 1000, { spanCount: 3 })] }));
    expect(store.getSpans('default', id).map((s) => [s.spanId, s.name])).toEqual([
      [hex(1, 16), 'kong'],
      [hex(2, 16), 'kong.router'],
      [hex(3, 16), 'kong.balancer'],
    ]);
    expect(store.getTraceRow('default', id)?.spanCount).toBe(3);
    // the trace's detail: its row's resource and scope, its spans, in one read
    const row = store.getTraceRow('default', id)!;
    expect(row.resource).not.toEqual({});
    expect(store.getTraceDetail('default', id)).toEqual({
      traceId: id,
      resource: row.resource,
      ...(row.scopeName ? { scope: { name: row.scopeName, ...(row.scopeVersion ? { version: row.scopeVersion } : {}) } } : {}),
      spans: store.getSpans('default', id),
    });
    expect(store.getTraceDetail('team-b', id)).toBeUndefined();
    expect(store.getTraceDetail('default', hex(8, 32))).toBeUndefined();
    await expect(store.write(batch({ spans: [span(hex(9, 32), hex(9, 16), 1000)] }))).rejects.toThrow(`spans of trace ${hex(9, 32)} come without its trace row`);
    const raw = new Database(path.join(dir, DATABASE_FILE), { readonly: true });
    expect(raw.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'spans'`).pluck().get()).toBe(0);
    raw.close();
  });
});
