import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { AttributeValue, Span, TraceSearchFilters } from '../../common/api';
import { analyzeTrace, digestTrace } from '../../common/lifecycle';
import { DEFAULT_TENANT } from '../auth/roles';
import { createTestDatabase } from '../testing/pg';
import { DATABASE_FILE } from './database';
import { PgStore } from './postgres';
import { SqliteStore } from './sqlite';
import { searchTraces, SEARCH_BOUNDS, hasAttributes, type SearchBounds } from './trace-search';
import type { Store, StoredSession, StoredTrace, WriteBatch } from './types';

const T0 = Date.UTC(2026, 11, 6, 12);
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

interface Req {
  i: number;
  tenant?: string;
  session?: string;
  oss?: boolean;
  status?: number;
  upstreamStatus?: number;
  method?: string;
  path?: string;
  routeId?: string;
  serviceId?: string;
  consumerId?: string;
  client?: string;
  host?: string;
  durationMs?: number;
  spanError?: boolean;
  extra?: Record<string, AttributeValue>;
}

const traceIdOf = (i: number) => hex(0xabc00000 + i, 32);
const requestIdOf = (i: number) => `req-${hex(i, 8)}`;
const startOf = (i: number) => T0 + i * 1000;

/** one Kong request's spans in either dialect (root + one plugin span), and its trace row as the pipeline computes it */
function request(r: Req): { spans: Span[]; row: StoredTrace } {
  const traceId = traceIdOf(r.i);
  const start = startOf(r.i);
  const dur = r.durationMs ?? 20;
  const status = r.status ?? 200;
  const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  const root: Record<string, AttributeValue> = r.oss
    ? {
        'http.method': r.method ?? 'GET',
        'http.url': `https://${r.host ?? 'api.example.com'}${r.path ?? '/orders/1'}?x=1`,
        'http.host': r.host ?? 'api.example.com',
        'http.status_code': status,
        'http.client_ip': r.client ?? '10.0.0.1',
        'kong.request.id': requestIdOf(r.i),
      }
    : {
        'http.request.method': r.method ?? 'GET',
        'url.full': `https://${r.host ?? 'api.example.com'}${r.path ?? '/orders/1'}`,
        'proxy.kong.request.host': r.host ?? 'api.example.com',
        'http.response.status_code': status,
        'client.address': r.client ?? '10.0.0.1',
        'proxy.kong.request.id': requestIdOf(r.i),
        'proxy.kong.latency.total': dur,
        ...(r.upstreamStatus ? { 'proxy.kong.upstream.status_code': r.upstreamStatus } : {}),
        ...(r.routeId ? { 'proxy.kong.route.id': r.routeId } : {}),
        ...(r.serviceId ? { 'proxy.kong.service.id': r.serviceId } : {}),
        ...(r.consumerId ? { 'proxy.kong.consumer.id': r.consumerId } : {}),
      };
  const span = (spanId: string, parent: string, name: string, from: number, to: number, attributes: Record<string, AttributeValue>, statusCode = 0): Span => ({
    traceId,
    spanId,
    parentSpanId: parent,
    name,
    kind: parent ? 1 : 2,
    startTimeUnixNano: ns(start + from),
    endTimeUnixNano: ns(start + to),
    startTimeMs: start + from,
    durationNs: (to - from) * 1e6,
    attributes,
    events: [],
    statusCode,
  });
  const rootId = hex(r.i * 2 + 1, 16);
  const spans = [
    span(rootId, '', 'kong', 0, dur, root),
    span(hex(r.i * 2 + 2, 16), rootId, 'kong.dns', 1, 2, r.extra ?? {}, r.spanError ? 2 : 0),
  ];
  const { facts, summary } = analyzeTrace(traceId, spans);
  return { spans, row: { traceId, ...facts, resource: { 'service.name': 'kong' }, digest: digestTrace(summary) } };
}

function session(id: string, tenant: string): StoredSession {
  const t = new Date(T0).toISOString();
  return {
    id,
    name: id,
    tenant,
    rule: { type: 'basic', routeIds: ['r'] },
    status: 'completed',
    durationSeconds: 60,
    maxTraces: 1000,
    captureLogs: false,
    traceCount: 0,
    logCount: 0,
    createdAt: t,
    startedAt: t,
    endsAt: t,
    endedAt: t,
  } as StoredSession;
}

async function put(store: Store, reqs: Req[]): Promise<void> {
  const byTenant = new Map<string, Req[]>();
  for (const r of reqs) byTenant.set(r.tenant ?? DEFAULT_TENANT, [...(byTenant.get(r.tenant ?? DEFAULT_TENANT) ?? []), r]);
  for (const [tenant, list] of byTenant) {
    const batch: WriteBatch = { tenant, spans: [], traces: [], memberships: [], sessions: [], logs: [] };
    for (const r of list) {
      const { spans, row } = request(r);
      batch.spans.push(...spans);
      batch.traces.push(row);
      batch.memberships.push([r.session ?? `${tenant}-s1`, row.traceId, row.startTimeMs]);
    }
    await store.write(batch);
  }
}

const ids = (r: { traces: Array<{ traceId: string }> }) => r.traces.map((t) => t.traceId);
const idx = (...n: number[]) => n.map(traceIdOf);

type Kind = 'sqlite' | 'postgres';
const kinds: Kind[] = ['sqlite', 'postgres'];

describe.each(kinds)('trace search (%s)', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let pgUrl = '';
  let dir = '';

  beforeEach(async () => {
    if (kind === 'sqlite') {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdbg-search-'));
      store = new SqliteStore(dir, () => T0);
      cleanup = async () => {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      };
    } else {
      const db = await createTestDatabase('kdbg_search13');
      pgUrl = db.url;
      store = await PgStore.open(db.url, () => T0);
      cleanup = async () => {
        await store.close();
        await db.drop();
      };
    }
    for (const [id, tenant] of [['default-s1', 'default'], ['default-s2', 'default'], ['b-s1', 'b']]) await store.saveSession(session(id, tenant));
  });

  afterEach(() => cleanup());

  const search = (f: TraceSearchFilters, tenant = DEFAULT_TENANT, bounds: Readonly<SearchBounds> = SEARCH_BOUNDS) => searchTraces(store, tenant, f, bounds);

  it('finds a trace by its Kong request id in both dialects, with the sessions holding it', async () => {
    await put(store, [{ i: 1 }, { i: 2, oss: true }, { i: 3, session: 'default-s2' }]);
    await put(store, [{ i: 3, session: 'default-s1' }]);
    const ent = await search({ requestId: requestIdOf(1) });
    expect(ids(ent)).toEqual(idx(1));
    expect(ent.traces[0]).toMatchObject({ requestId: requestIdOf(1), dialect: 'enterprise', sessionIds: ['default-s1'] });
    const oss = await search({ requestId: requestIdOf(2) });
    expect(oss.traces.map((t) => [t.traceId, t.requestId, t.dialect])).toEqual([[traceIdOf(2), requestIdOf(2), 'oss']]);
    expect((await search({ requestId: requestIdOf(3) })).traces[0].sessionIds.sort()).toEqual(['default-s1', 'default-s2']);
    expect(await search({ requestId: 'no-such-request' })).toEqual({ traces: [] });
    expect(ids(await search({ traceId: traceIdOf(2) }))).toEqual(idx(2));
  });

  it('never shows one tenant the traces of another, even with the same trace id', async () => {
    await put(store, [{ i: 1 }, { i: 2 }, { i: 1, tenant: 'b', session: 'b-s1', status: 503 }]);
    expect(ids(await search({}))).toEqual(idx(2, 1));
    expect(ids(await search({}, 'b'))).toEqual(idx(1));
    expect((await search({}, 'b')).traces[0]).toMatchObject({ statusCode: 503, sessionIds: ['b-s1'] });
    expect(await search({ requestId: requestIdOf(2) }, 'b')).toEqual({ traces: [] });
    expect(await search({}, 'c')).toEqual({ traces: [] });
  });

  it('filters by each request fact, the session list filters included', async () => {
    await put(store, [
      { i: 1, status: 200, method: 'GET', path: '/orders/1', routeId: 'r1', serviceId: 'sv1', consumerId: 'c1', client: '10.0.0.1', host: 'a.example', durationMs: 5 },
      { i: 2, status: 503, upstreamStatus: 503, method: 'POST', path: '/cart', routeId: 'r2', serviceId: 'sv1', consumerId: 'c2', client: '10.0.0.2', host: 'b.example', durationMs: 80 },
      { i: 3, status: 404, upstreamStatus: 404, method: 'GET', path: '/orders/2', routeId: 'r1', serviceId: 'sv2', client: '10.0.0.3', host: 'a.example', durationMs: 30, spanError: true },
      { i: 4, oss: true, status: 502, method: 'DELETE', path: '/orders/3', client: '10.0.0.1', host: 'c.example', durationMs: 200 },
    ]);
    const cases: Array<[TraceSearchFilters, number[]]> = [
      [{}, [4, 3, 2, 1]],
      [{ status: '5xx' }, [4, 2]],
      [{ status: '404' }, [3]],
      [{ upstreamStatus: '5xx' }, [2]],
      [{ upstreamStatus: '400-499' }, [3]],
      [{ method: 'get' }, [3, 1]],
      [{ path: '/orders' }, [4, 3, 1]],
      [{ routeId: 'r1' }, [3, 1]],
      [{ serviceId: 'sv1' }, [2, 1]],
      [{ consumerId: 'c2' }, [2]],
      [{ clientAddress: '10.0.0.1' }, [4, 1]],
      [{ host: 'a.example' }, [3, 1]],
      [{ minDurationMs: 30 }, [4, 3, 2]],
      [{ errorsOnly: true }, [4, 2]],
      [{ spanErrorsOnly: true }, [3]],
      [{ from: startOf(2), to: startOf(3) }, [3, 2]],
      [{ routeId: 'r1', status: '4xx', host: 'a.example' }, [3]],
      [{ routeId: 'r2', status: '2xx' }, []],
    ];
    for (const [f, want] of cases) expect([f, ids(await search(f))]).toEqual([f, idx(...want)]);
  });

  it('matches span attributes on any span of the trace, as text', async () => {
    await put(store, [
      { i: 1, extra: { 'kong.plugin.key-auth.credential': 'abc', retries: 3 } },
      { i: 2, extra: { 'kong.plugin.key-auth.credential': 'xyz', tags: ['blue', 'green'] } },
      { i: 3, status: 500 },
    ]);
    expect(ids(await search({ attributes: { 'kong.plugin.key-auth.credential': 'abc' } }))).toEqual(idx(1));
    expect(ids(await search({ attributes: { retries: '3' } }))).toEqual(idx(1));
    expect(ids(await search({ attributes: { tags: 'green' } }))).toEqual(idx(2));
    // a root attribute, with an SQL filter beside it
    expect(ids(await search({ attributes: { 'http.response.status_code': '500' }, status: '5xx' }))).toEqual(idx(3));
    expect(ids(await search({ attributes: { 'kong.plugin.key-auth.credential': 'abc', tags: 'green' } }))).toEqual([]);
  });

  it('pages newest first by cursor, without gaps or repeats, with and without attribute filters', async () => {
    await put(store, Array.from({ length: 25 }, (_, i) => ({ i: i + 1, extra: { odd: String((i + 1) % 2) } })));
    const walk = async (f: TraceSearchFilters) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let n = 0; n < 20; n++) {
        const page = await search({ ...f, limit: 4, cursor });
        expect(page.traces.length).toBeLessThanOrEqual(4);
        seen.push(...ids(page));
        if (!page.nextCursor) return seen;
        cursor = page.nextCursor;
      }
      throw new Error('too many pages');
    };
    expect(await walk({})).toEqual(Array.from({ length: 25 }, (_, i) => traceIdOf(25 - i)));
    expect(await walk({ attributes: { odd: '1' } })).toEqual(Array.from({ length: 13 }, (_, i) => traceIdOf(25 - 2 * i)));
  });

  it.each([
    ['in one statement', 10],
    ['in statements of 5 rows', 5],
  ])('stops at its scan bounds with a partial page whose cursor continues where it stopped (%s)', async (_how, perTurn) => {
    await put(store, Array.from({ length: 30 }, (_, i) => ({ i: i + 1, status: i + 1 === 2 || i + 1 === 25 ? 503 : 200, extra: { hit: i + 1 === 3 ? 'yes' : 'no' } })));
    const bounds = { scanRows: 10, scanRowsPerTurn: perTurn, scanRecords: 6, recordsPerTurn: 3 };
    // SQL bound: 10 rows examined a request; the 5xx at 25 is found, the one at 2 only two pages on
    const first = await search({ status: '5xx' }, DEFAULT_TENANT, bounds);
    expect(first).toMatchObject({ partial: true });
    expect(ids(first)).toEqual(idx(25));
    const second = await search({ status: '5xx', cursor: first.nextCursor }, DEFAULT_TENANT, bounds);
    expect([ids(second), second.partial]).toEqual([[], true]);
    const third = await search({ status: '5xx', cursor: second.nextCursor }, DEFAULT_TENANT, bounds);
    expect(ids(third)).toEqual(idx(2));
    expect(third.partial).toBeUndefined();
    expect(third.nextCursor).toBeUndefined();
    // a full page within the bound is not partial, and its cursor is its last row
    const full = await search({ limit: 3 }, DEFAULT_TENANT, bounds);
    expect([ids(full), full.partial]).toEqual([idx(30, 29, 28), undefined]);
    expect(ids(await search({ limit: 2, cursor: full.nextCursor }, DEFAULT_TENANT, bounds))).toEqual(idx(27, 26));
    // without filters too: a page asking more rows than the bound lets it examine stops there, partial
    const wide = await search({ limit: 12 }, DEFAULT_TENANT, bounds);
    expect([ids(wide), wide.partial]).toEqual([idx(30, 29, 28, 27, 26, 25, 24, 23, 22, 21), true]);
    expect(ids(await search({ limit: 12, cursor: wide.nextCursor }, DEFAULT_TENANT, bounds))).toEqual(idx(20, 19, 18, 17, 16, 15, 14, 13, 12, 11));
    // attribute bound: 6 records opened a request
    let cursor: string | undefined;
    const pages: Array<[string[], boolean]> = [];
    do {
      const p = await search({ attributes: { hit: 'yes' }, cursor }, DEFAULT_TENANT, bounds);
      pages.push([ids(p), p.partial === true]);
      cursor = p.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.flatMap(([t]) => t)).toEqual(idx(3));
    expect(pages.length).toBe(5); // 30 traces, 6 a request
    expect(pages.slice(0, 4).every(([, partial]) => partial)).toBe(true);
  });

  it('shows a trace once when a later write moves its start to the day before (its root came after its last span)', async () => {
    // the root starts 1 ms before midnight, its last span at midnight: stored first, without its root, the row starts then
    const { spans, row } = request({ i: 5, routeId: 'r1' });
    const shift = Date.UTC(2026, 11, 6) - 1 - row.startTimeMs;
    const moved = spans.map((sp) => ({
      ...sp,
      startTimeUnixNano: (BigInt(sp.startTimeUnixNano) + BigInt(shift) * 1_000_000n).toString(),
      endTimeUnixNano: (BigInt(sp.endTimeUnixNano) + BigInt(shift) * 1_000_000n).toString(),
      startTimeMs: sp.startTimeMs + shift,
    }));
    const rowOf = (list: Span[]): StoredTrace => {
      const { facts, summary } = analyzeTrace(row.traceId, list);
      return { traceId: row.traceId, ...facts, resource: { 'service.name': 'kong' }, digest: digestTrace(summary) };
    };
    const write = (list: Span[], r: StoredTrace) =>
      store.write({ tenant: DEFAULT_TENANT, spans: list, traces: [r], memberships: [['default-s1', r.traceId, r.startTimeMs]], sessions: [], logs: [] });
    await write(moved.slice(1), rowOf(moved.slice(1)));
    const full = rowOf(moved);
    await write(moved.slice(0, 1), full);
    expect(new Date(full.startTimeMs).toISOString()).toBe('2026-12-05T23:59:59.999Z');
    for (const f of [{}, { routeId: 'r1' }, { traceId: row.traceId }, { attributes: { 'proxy.kong.route.id': 'r1' } }]) {
      expect([f, (await search(f)).traces.map((t) => [t.traceId, t.startTimeMs])]).toEqual([f, [[row.traceId, full.startTimeMs]]]);
    }
    expect((await store.listTraces('default-s1', {})).traces.map((t) => [t.traceId, t.startTimeMs])).toEqual([[row.traceId, full.startTimeMs]]);
    expect(await store.digests('default-s1')).toHaveLength(1);
  });

  it('fills request ids and span error counts of rows stored before the upgrade', async () => {
    await put(store, [{ i: 1, spanError: true }, { i: 2, oss: true }, { i: 3, tenant: 'b', session: 'b-s1' }]);
    await store.close();
    if (kind === 'sqlite') {
      const db = new Database(path.join(dir, DATABASE_FILE));
      db.exec(`DROP INDEX traces_time; DROP INDEX traces_request; DROP INDEX traces_route; DROP INDEX traces_service;
        ALTER TABLE traces DROP COLUMN request_id; ALTER TABLE traces DROP COLUMN span_errors; UPDATE meta SET value = '7' WHERE key = 'schema_version'`);
      db.close();
      store = new SqliteStore(dir, () => T0);
    } else {
      const c = new Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP INDEX traces_time, traces_request, traces_route, traces_service; ALTER TABLE traces DROP COLUMN request_id, DROP COLUMN span_errors;
        DELETE FROM schema_migrations WHERE version >= 6`);
      await c.end();
      store = await PgStore.open(pgUrl, () => T0);
    }
    expect(ids(await search({ requestId: requestIdOf(1), spanErrorsOnly: true }))).toEqual(idx(1));
    expect(ids(await search({ requestId: requestIdOf(2) }))).toEqual(idx(2));
    expect(ids(await search({ requestId: requestIdOf(3) }, 'b'))).toEqual(idx(3));
  });
});

describe('hasAttributes', () => {
  const sp = (attributes: Record<string, AttributeValue>) => ({ attributes }) as Span;
  it('compares values as text and needs every key', () => {
    const spans = [sp({ a: 1, b: true }), sp({ c: ['x', 2], d: { k: 'v' } })];
    expect(hasAttributes(spans, { a: '1' })).toBe(true);
    expect(hasAttributes(spans, { b: 'true', c: '2' })).toBe(true);
    expect(hasAttributes(spans, { d: '{"k":"v"}' })).toBe(true);
    expect(hasAttributes(spans, { a: '1', e: 'x' })).toBe(false);
    expect(hasAttributes(spans, { a: '01' })).toBe(false);
    expect(hasAttributes(spans, { ['__proto__']: '{}', toString: 'x' })).toBe(false);
  });
});
