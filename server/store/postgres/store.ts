import { createHash } from 'node:crypto';
import { Client, type Pool, type PoolClient } from 'pg';
import type { LogQueryFilters, LogRecord, SessionSummary, Span, TraceDetail, TraceQueryFilters, TraceSearchFilters } from '../../../common/api';
import type { TraceDigest } from '../../../common/lifecycle';
import { SessionKeyring, type DekRow, type DekStore } from '../../crypto/keyring';
import { AlertSessionRunningError, alertKey, StoreUnavailableError } from '../errors';
import { logListConditions, SPAN_ERRORS, traceListConditions, traceSearchStatements } from '../filters';
import { logPage, logRowContent } from '../log-content';
import { LogKeys } from '../log-keys';
import { openWaitingRows, WAITING_KEY_ID } from '../waiting-seal';
import { openPool } from '../pg-pool';
import { mergeSpans } from '../../../common/spans';
import { searchPage, storedDigest, storedLatency, toDigest, toLogRecord, toTraceItem, toTraceRow, tracePage, type Row } from '../rows';
import { encodeSpans, originOf, type TraceOrigin } from '../span-codec';
import { digestOfSpans, nameLogSpans, traceDetailFromRecords, traceFromRecords } from '../trace-spans';
import { sessionDeletion } from '../session-deletion';
import { DIGEST_SEPARATOR, summarizeJoinedDigests, summarizeStoredDigests } from '../digest-summary';
import { SqlArgs } from '../sql';
import type { WaitingRow, ReceivedLog, ReceivedTrace, SessionFilter, SharedSessions, Store, StoredSession, StoreOptions, TraceListResult, StoredTrace, WriteBatch } from '../types';
import { createPartitionSql, dayOf, dayOfPartition, partitionDay, PARTITIONED_TABLES, partitionName } from './partitions';
import { migrate, SCHEMA_LOCK } from './schema';

export interface PgStoreOptions extends StoreOptions {
  /** days of data kept; bounds which day partitions a row may land in (default 7) */
  retentionDays?: number;
  /** this replica's name: what waits for a decision is restored by the replica that acknowledged it */
  replicaId?: string;
  /** pool size (default 10) */
  poolSize?: number;
}

/** the trace row columns a search page reads */
const SEARCH_COLUMNS = [
  'tenant', 'trace_id', 'start_ns', 'start_ms', 'duration_ns', 'method', 'path', 'url', 'host', 'status_code', 'upstream_status_code', 'route_id', 'service_id',
  'consumer_id', 'client_address', 'error', 'span_count', 'dialect', 'latency', 'request_id', 'span_errors',
];

type EndStatus = 'completed' | 'timed_out' | 'cancelled';

/** the NOTIFY channel on which replicas hear of session changes */
const SESSIONS_CHANNEL = 'kong_debugger_sessions';

const iso = (ms: number) => new Date(ms).toISOString();

function fromSessionRow(r: Row): StoredSession {
  // The columns own what replicas change concurrently; the body is the rest of the API shape.
  const s: StoredSession = {
    ...JSON.parse(r.body as string),
    status: r.status,
    traceCount: Number(r.trace_count),
    logCount: Number(r.log_count),
    endsAt: iso(Number(r.ends_ms)),
  };
  if (r.ended_ms != null) s.endedAt = iso(Number(r.ended_ms));
  else delete s.endedAt;
  return s;
}

/** SQLSTATE classes that mean the database cannot be reached right now (the request may be retried) */
function isUnavailable(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return /^(08|57P0|53)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE'].includes(code) || /Connection terminated|timeout exceeded when trying to connect/i.test((e as Error)?.message ?? '');
}

/** last wins, in key order (one statement may not upsert a row twice; a stable order avoids deadlocks between replicas) */
function uniqueSorted<T>(items: T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const t of items) m.set(key(t), t);
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

/**
 * The CTEs that keep a trace on one day when a write puts its row on another (its start moved across midnight: a root
 * stored after other spans; or the retention clamp moved on: an old trace written again a day later): its rows on
 * other days go, and its memberships and span records there move to the new day, so every read finds it once and it
 * is purged with one day. `days`: the write's traces and their days; `records`, `members`: the
 * write's own span records (trace/chunk) and memberships (trace/session), which it writes on the new day itself.
 * It costs an index probe a day partition a trace and the planning of three partitioned DELETEs (measured: a write of
 * 10 traces 1.4-1.6x slower, 10 days of 10,000 traces), so traces the write says are new (`newTraces`) skip it.
 * Not closed: two writes of one trace at the same moment (replicas) that put it on different days do not see each
 * other's row, so both stay until the trace's next write.
 */
function moveToDay(tenant: string, days: Array<[string, number]>, records: string[], members: string[], arg: (v: unknown) => string): string[] {
  const ids = arg(days.map(([t]) => t));
  return [
    // trace_id = ANY(ids): an index probe a day partition (joined on the trace id alone, the planner scans every partition)
    `mv AS (DELETE FROM traces o USING unnest(${ids}::text[], ${arg(days.map(([, d]) => d))}::int[]) AS y(trace_id, day)
      WHERE o.tenant = ${tenant} AND o.trace_id = ANY(${ids}::text[]) AND o.trace_id = y.trace_id AND o.day <> y.day
      RETURNING o.trace_id, o.day AS old_day, y.day AS new_day)`,
    `mst AS (DELETE FROM session_traces o USING mv WHERE o.tenant = ${tenant} AND o.trace_id = mv.trace_id AND o.day = mv.old_day RETURNING o.*, mv.new_day)`,
    `mst2 AS (INSERT INTO session_traces (tenant, day, session_id, trace_id, start_ms, duration_ns, method, path, status_code, route_id, service_id, error, digest)
      SELECT tenant, new_day, session_id, trace_id, start_ms, duration_ns, method, path, status_code, route_id, service_id, error, digest FROM mst
      WHERE trace_id || '/' || session_id <> ALL(${arg(members)}::text[]) ON CONFLICT (tenant, trace_id, session_id, day) DO NOTHING)`,
    `msp AS (DELETE FROM trace_spans o USING mv WHERE o.tenant = ${tenant} AND o.trace_id = mv.trace_id AND o.day = mv.old_day RETURNING o.trace_id, o.chunk, o.data, mv.new_day)`,
    `msp2 AS (INSERT INTO trace_spans (tenant, day, trace_id, chunk, data) SELECT ${tenant}, new_day, trace_id, chunk, data FROM msp
      WHERE trace_id || '/' || chunk <> ALL(${arg(records)}::text[]) ON CONFLICT (tenant, trace_id, chunk, day) DO NOTHING)`,
  ];
}

/**
 * The PostgreSQL store, for several server replicas on one database. Writes are one transaction a
 * batch with one multi-row statement a table (unnest of column arrays); sessions' counters and
 * statuses change by single atomic statements so replicas share caps and stops exactly.
 */
export class PgStore implements Store, SharedSessions {
  readonly kind = 'postgres' as const;
  readonly shared: SharedSessions = this;
  readonly keyring?: SessionKeyring;
  private readonly keys: LogKeys;
  /** `table:day` partitions known to exist */
  private readonly partitions = new Set<string>();
  private readonly retentionDays: number;
  private readonly owner: string;
  private listener?: Client;
  private closed = false;

  private constructor(
    /** shared with the token table and the audit log on the same database */
    readonly pool: Pool,
    private readonly url: string,
    private readonly now: () => number,
    opts: PgStoreOptions,
  ) {
    this.retentionDays = opts.retentionDays ?? 7;
    this.owner = opts.replicaId ?? 'default';
    if (opts.keyProvider) {
      this.keyring = new SessionKeyring(opts.keyProvider, this.dekStore(), {
        tenantOf: async (id) => (await this.getSession(id))?.tenant,
        ...opts.keyCache,
      });
    }
    this.keys = new LogKeys(this.keyring);
  }

  /** Connects, migrates the schema and makes today's partitions. */
  static async open(url: string, now: () => number = Date.now, opts: PgStoreOptions = {}): Promise<PgStore> {
    const pool = openPool(url, opts.poolSize);
    try {
      await migrate(pool);
      const store = new PgStore(pool, url, now, opts);
      await store.loadPartitions();
      const today = dayOf(now());
      await store.ensurePartitions([today - 1, today, today + 1]);
      return store;
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
  }

  private async loadPartitions(): Promise<void> {
    const { rows } = await this.pool.query<{ parent: string; child: string }>(
      `SELECT p.relname AS parent, c.relname AS child FROM pg_inherits i
       JOIN pg_class p ON p.oid = i.inhparent JOIN pg_class c ON c.oid = i.inhrelid
       WHERE p.relname = ANY($1) AND p.relnamespace = current_schema()::regnamespace`,
      [[...PARTITIONED_TABLES]],
    );
    this.partitions.clear();
    for (const r of rows) {
      const day = dayOfPartition(r.parent, r.child);
      if (day !== undefined) this.partitions.add(`${r.parent}:${day}`);
    }
  }

  private async ensurePartitions(days: Iterable<number>): Promise<void> {
    const missing: Array<[string, number]> = [];
    for (const day of new Set(days)) for (const t of PARTITIONED_TABLES) if (!this.partitions.has(`${t}:${day}`)) missing.push([t, day]);
    if (missing.length === 0) return;
    await this.tx(async (c) => {
      // Replicas creating the same partition at once would race on the catalog: one at a time.
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      for (const [t, day] of missing) await c.query(createPartitionSql(t, day));
    });
    for (const [t, day] of missing) this.partitions.add(`${t}:${day}`);
  }

  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw isUnavailable(e) ? new StoreUnavailableError(`PostgreSQL is unavailable: ${(e as Error).message}`) : e;
    } finally {
      client.release();
    }
  }

  /** a pooled connection; failing to get one means the database is unavailable, whatever the driver's error */
  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw new StoreUnavailableError(`PostgreSQL is unreachable: ${(e as Error).message}`);
    }
  }

  /**
   * One statement on a pooled connection. `name`: a prepared statement (each connection parses and plans it once):
   * for the hot single-row reads, where planning over every day's partitions cost more than running the plan.
   */
  private async query<R extends Row = Row>(sql: string, args: unknown[] = [], name?: string): Promise<R[]> {
    const client = await this.connect();
    try {
      return (await client.query<R>(name ? { name, text: sql, values: args } : { text: sql, values: args })).rows;
    } catch (e) {
      throw isUnavailable(e) ? new StoreUnavailableError(`PostgreSQL is unavailable: ${(e as Error).message}`) : e;
    } finally {
      client.release();
    }
  }

  private dekStore(): DekStore {
    type R = { session_id: string; kek_id: string; wrapped_dek: string; created_ms: number };
    const toRow = (r: R): DekRow => ({ sessionId: r.session_id, kekId: r.kek_id, wrapped: r.wrapped_dek, createdMs: Number(r.created_ms) });
    return {
      getDek: async (id) => {
        const [r] = await this.query<R>(`SELECT * FROM session_keys WHERE session_id = $1`, [id]);
        return r ? toRow(r) : undefined;
      },
      // Two replicas creating a session's first DEK at once: the first insert wins, both use its key.
      insertDek: async (row) => {
        await this.query(`INSERT INTO session_keys (session_id, kek_id, wrapped_dek, created_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (session_id) DO NOTHING`, [
          row.sessionId,
          row.kekId,
          row.wrapped,
          row.createdMs,
        ]);
        const [r] = await this.query<R>(`SELECT * FROM session_keys WHERE session_id = $1`, [row.sessionId]);
        return toRow(r);
      },
      updateDek: async (id, kekId, wrapped) => void (await this.query(`UPDATE session_keys SET kek_id = $2, wrapped_dek = $3 WHERE session_id = $1`, [id, kekId, wrapped])),
      listDeks: async () => (await this.query<R>(`SELECT * FROM session_keys ORDER BY session_id`)).map(toRow),
    };
  }

  /** loads the DEK of waiting logs when sealed ones wait (before the pipeline restores them) */
  async prepareKeys(): Promise<void> {
    await this.keys.loadWaitingDek(async () => (await this.query(`SELECT 1 FROM waiting WHERE owner = $1 AND kind = 'logs' AND payload LIKE 'sealed:%' LIMIT 1`, [this.owner])).length > 0);
  }

  async write(batch: WriteBatch): Promise<void> {
    const nowMs = this.now();
    const day = (ms: number) => partitionDay(ms, nowMs, this.retentionDays);
    const traceDay = new Map<string, number>();
    for (const t of batch.traces) traceDay.set(t.traceId, day(t.startTimeMs));

    const deks = await this.keys.forBatch(batch);

    const tenant = batch.tenant;
    const traces = uniqueSorted(batch.traces, (t) => t.traceId);
    const byTrace = new Map(traces.map((t) => [t.traceId, t]));
    // A trace's spans of this write become one record (span-codec), keyed by the set of its span ids: a re-sent batch
    // overwrites its own record, and records of other writes (late spans, other replicas) are merged when read.
    const spansOf = new Map<string, Span[]>();
    for (const sp of batch.spans) {
      const list = spansOf.get(sp.traceId);
      if (list) list.push(sp);
      else spansOf.set(sp.traceId, [sp]);
    }
    const records = uniqueSorted(
      [...spansOf].map(([traceId, list]) => {
        const spans = mergeSpans([], list);
        const chunk = createHash('sha1').update(spans.map((sp) => sp.spanId).sort().join(',')).digest('base64url').slice(0, 11);
        // the write that carries the trace row carries its origin (resource, scope) too
        const row = byTrace.get(traceId);
        return { d: traceDay.get(traceId) ?? day(Math.min(...spans.map((sp) => sp.startTimeMs))), t: traceId, c: chunk, z: encodeSpans(spans, row && originOf(row)).toString('base64') };
      }),
      (r) => `${r.t}/${r.c}`,
    );
    const members = uniqueSorted(
      batch.memberships.filter(([, traceId]) => byTrace.has(traceId)),
      ([s, t]) => `${s}/${t}`,
    );
    const logs = batch.logs.filter((l) => this.keys.canStore(l, deks));
    const days = [...traceDay.values(), ...records.map((r) => r.d), ...logs.map((l) => day(l.timeMs))];
    await this.ensurePartitions(days);

    for (const sess of batch.sessions) await this.saveSession(sess);
    // The whole batch is ONE statement (data-modifying CTEs): atomic without BEGIN/COMMIT, one round trip. Each
    // table's rows travel as one JSON document: one native JSON.stringify instead of escaping every array element,
    // and attributes/events stay JSON inside it (the json type keeps their text as sent).
    const parts: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (records.length) {
      parts.push(`sp AS (INSERT INTO trace_spans (tenant, day, trace_id, chunk, data)
        SELECT ${arg(tenant)}::text, x.d, x.t, x.c, decode(x.z, 'base64')
        FROM json_to_recordset(${arg(JSON.stringify(records))}) AS x(d int, t text, c text, z text)
        ON CONFLICT (tenant, trace_id, chunk, day) DO UPDATE SET data = EXCLUDED.data)`);
    }
    if (traces.length) {
      const rows = traces.map((t) => ({
        ...t,
        digest: undefined,
        resource: undefined,
        latency: storedLatency(t.latency),
        day: traceDay.get(t.traceId),
        durationNs: Math.round(t.durationNs),
      }));
      // only traces something may have been stored of before (the common write, of traces judged just now, skips it)
      const stored = rows.filter((r) => !batch.newTraces?.has(r.traceId)).map((r): [string, number] => [r.traceId, r.day!]);
      if (stored.length) parts.push(...moveToDay(arg(tenant), stored, records.map((r) => `${r.t}/${r.c}`), members.map(([s, t]) => `${t}/${s}`), arg));
      parts.push(`tr AS (INSERT INTO traces (tenant, day, trace_id, start_ns, start_ms, duration_ns, method, path, url, host, status_code, upstream_status_code,
          route_id, service_id, consumer_id, client_address, error, span_count, dialect, latency, request_id, span_errors, received_ms)
        SELECT ${arg(tenant)}::text, x.day, x."traceId", x."startTimeUnixNano", x."startTimeMs", x."durationNs", x.method, x.path, x.url, x.host, x."statusCode", x."upstreamStatusCode",
          x."routeId", x."serviceId", x."consumerId", x."clientAddress", x.error, x."spanCount", x.dialect, x.latency, x."requestId", x."spanErrorCount", ${arg(nowMs)}::bigint
        FROM json_to_recordset(${arg(JSON.stringify(rows))}) AS x(day int, "traceId" text, "startTimeUnixNano" bigint, "startTimeMs" float8, "durationNs" bigint,
          method text, path text, url text, host text, "statusCode" int, "upstreamStatusCode" int, "routeId" text, "serviceId" text, "consumerId" text,
          "clientAddress" text, error bool, "spanCount" int, dialect text, latency text, "requestId" text, "spanErrorCount" int)
        ON CONFLICT (tenant, trace_id, day) DO UPDATE SET start_ns = EXCLUDED.start_ns, start_ms = EXCLUDED.start_ms, duration_ns = EXCLUDED.duration_ns,
          method = EXCLUDED.method, path = EXCLUDED.path, url = EXCLUDED.url, host = EXCLUDED.host, status_code = EXCLUDED.status_code,
          upstream_status_code = EXCLUDED.upstream_status_code, route_id = EXCLUDED.route_id, service_id = EXCLUDED.service_id,
          consumer_id = EXCLUDED.consumer_id, client_address = EXCLUDED.client_address, error = EXCLUDED.error, span_count = EXCLUDED.span_count,
          dialect = EXCLUDED.dialect, latency = EXCLUDED.latency, received_ms = EXCLUDED.received_ms, request_id = EXCLUDED.request_id,
          span_errors = EXCLUDED.span_errors)`);
    }
    if (members.length) {
      const rows = members.map(([sessionId, traceId]) => {
        const t = byTrace.get(traceId)!;
        return { day: traceDay.get(traceId), s: sessionId, t: traceId, ms: t.startTimeMs, ns: Math.round(t.durationNs), m: t.method, p: t.path, c: t.statusCode, r: t.routeId, v: t.serviceId, e: t.error, g: storedDigest(t.digest) };
      });
      parts.push(`st AS (INSERT INTO session_traces (tenant, day, session_id, trace_id, start_ms, duration_ns, method, path, status_code, route_id, service_id, error, digest)
        SELECT ${arg(tenant)}::text, x.day, x.s, x.t, x.ms, x.ns, x.m, x.p, x.c, x.r, x.v, x.e, x.g::text
        FROM json_to_recordset(${arg(JSON.stringify(rows))}) AS x(day int, s text, t text, ms float8, ns bigint, m text, p text, c int, r text, v text, e bool, g json)
        ON CONFLICT (tenant, trace_id, session_id, day) DO UPDATE SET start_ms = EXCLUDED.start_ms, duration_ns = EXCLUDED.duration_ns, method = EXCLUDED.method,
          path = EXCLUDED.path, status_code = EXCLUDED.status_code, route_id = EXCLUDED.route_id, service_id = EXCLUDED.service_id,
          error = EXCLUDED.error, digest = EXCLUDED.digest)`);
    }
    if (logs.length) {
      // Encrypted: the content lives only in `sealed`; a re-sent record hits the dedupe key and is neither stored nor counted.
      const rows = logs.map((l) => {
        const sealed = this.keys.seal(l, deks)?.toString('base64') ?? null;
        return {
          d: day(l.timeMs),
          s: l.sessionId,
          k: l.dedupeKey,
          t: l.timeUnixNano,
          l: l.level,
          n: l.severityNumber,
          x: l.severityText ?? null,
          b: sealed ? null : JSON.stringify(l.body),
          a: sealed ? null : JSON.stringify(l.attributes),
          z: sealed,
          tr: l.traceId ?? null,
          sp: l.spanId ?? null,
        };
      });
      parts.push(`lg AS (INSERT INTO logs (day, session_id, dedupe_key, time_ns, level, severity_number, severity_text, body, attributes, sealed, trace_id, span_id, received_ms)
        SELECT x.d, x.s, x.k, x.t, x.l, x.n, x.x, x.b, x.a, decode(x.z, 'base64'), x.tr, x.sp, ${arg(nowMs)}::bigint
        FROM json_to_recordset(${arg(JSON.stringify(rows))}) AS x(d int, s text, k text, t bigint, l text, n int, x text, b text, a text, z text, tr text, sp text)
        ON CONFLICT (session_id, dedupe_key, day) DO NOTHING RETURNING session_id)`);
      // Exact counts: only what was really inserted is counted.
      parts.push(`lc AS (UPDATE sessions s SET log_count = s.log_count + c.n FROM (SELECT session_id, count(*) AS n FROM lg GROUP BY session_id) c WHERE s.id = c.session_id)`);
    }
    if (batch.waitingDone?.length) parts.push(`pd AS (DELETE FROM waiting WHERE owner = ${arg(this.owner)} AND tenant = ${arg(tenant)} AND trace_id = ANY(${arg(batch.waitingDone)}))`);
    const adds = batch.waitingAdd ?? [];
    if (adds.length) {
      const rows = adds.map((p) => ({ t: p.traceId, k: p.kind, p: this.keys.sealWaiting(p.traceId, p.kind, p.payload) }));
      parts.push(`pa AS (INSERT INTO waiting (owner, tenant, trace_id, kind, payload, received_ms)
        SELECT ${arg(this.owner)}, ${arg(tenant)}::text, x.t, x.k, x.p, ${arg(nowMs)}::bigint FROM json_to_recordset(${arg(JSON.stringify(rows))}) AS x(t text, k text, p text))`);
    }
    if (parts.length === 0) return;
    await this.statement(`WITH ${parts.join(',\n')} SELECT 1`, args);
  }

  /** one statement, retried once on a deadlock between replicas (rows are locked in key order, so it is rare) */
  private async statement(sql: string, args: unknown[]): Promise<void> {
    try {
      await this.query(sql, args);
    } catch (e) {
      if ((e as { code?: string }).code !== '40P01') throw e;
      await this.query(sql, args);
    }
  }

  private async upsertSession(s: StoredSession): Promise<void> {
    const endsMs = Date.parse(s.endsAt ?? s.createdAt);
    const key = s.alert ? alertKey(s.tenant ?? 'default', s.alert.fingerprint) : null;
    try {
      await this.query(
        `INSERT INTO sessions (id, tenant, body, status, trace_count, max_traces, created_ms, ends_ms, ended_ms, alert_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, status = EXCLUDED.status, trace_count = GREATEST(sessions.trace_count, EXCLUDED.trace_count),
           ends_ms = EXCLUDED.ends_ms, ended_ms = EXCLUDED.ended_ms, alert_key = EXCLUDED.alert_key`,
        [s.id, s.tenant ?? 'default', JSON.stringify(s), s.status, s.traceCount, s.maxTraces, Date.parse(s.createdAt), endsMs, s.endedAt ? Date.parse(s.endedAt) : null, key],
      );
    } catch (e) {
      const err = e as { code?: string; constraint?: string };
      if (key && err.code === '23505' && err.constraint === 'sessions_alert_running') throw new AlertSessionRunningError(key);
      throw e;
    }
  }

  async saveSession(s: StoredSession): Promise<void> {
    await this.upsertSession(s);
    await this.notify(s.id);
  }

  /** tells every replica's listener that a session changed (best effort: they also poll) */
  private async notify(sessionId: string): Promise<void> {
    await this.pool.query(`SELECT pg_notify('${SESSIONS_CHANNEL}', $1)`, [sessionId]).catch(() => undefined);
  }

  /**
   * A dedicated connection LISTENing for session changes; reconnects after a second when it drops, so a
   * database restart only falls back to polling for a moment.
   */
  subscribe(onChange: () => void): void {
    const connect = async () => {
      if (this.closed) return;
      const client = new Client({ connectionString: this.url, application_name: 'kong-debugger listener' });
      const retry = () => {
        if (this.listener === client) this.listener = undefined;
        client.end().catch(() => undefined);
        if (!this.closed) setTimeout(() => void connect(), 1000).unref();
      };
      client.on('error', retry);
      client.on('notification', () => onChange());
      try {
        await client.connect();
        await client.query(`LISTEN ${SESSIONS_CHANNEL}`);
        if (this.closed) return void client.end().catch(() => undefined);
        this.listener = client;
        onChange(); // whatever changed while not listening
      } catch {
        retry();
      }
    };
    void connect();
  }

  async getSession(id: string): Promise<StoredSession | undefined> {
    const [r] = await this.query(`SELECT * FROM sessions WHERE id = $1`, [id]);
    return r ? fromSessionRow(r) : undefined;
  }

  async listSessions(filter: SessionFilter = {}): Promise<StoredSession[]> {
    if (filter.alertKey !== undefined) {
      return (await this.query(`SELECT * FROM sessions WHERE alert_key = $1 ORDER BY created_ms DESC, id DESC`, [filter.alertKey])).map(fromSessionRow);
    }
    return (await this.query(`SELECT * FROM sessions ORDER BY created_ms DESC, id DESC`)).map(fromSessionRow);
  }

  async runningSessions(): Promise<StoredSession[]> {
    return (await this.query(`SELECT * FROM sessions WHERE status = 'in_progress'`)).map(fromSessionRow);
  }

  /**
   * Up to `n` traces counted against the cap in one statement: the row lock makes replicas take
   * turns, and the condition is re-checked on the row they find, so together they never overshoot.
   * Reaching the cap completes the session in the same statement.
   */
  async admitTraces(sessionId: string, n: number, nowMs: number): Promise<{ admitted: number; session?: StoredSession }> {
    const [r] = await this.query(
      `WITH old AS (
         SELECT id, trace_count FROM sessions WHERE id = $1 AND status = 'in_progress' AND ends_ms > $3 AND trace_count < max_traces FOR UPDATE
       )
       UPDATE sessions s SET
         trace_count = LEAST(s.max_traces, old.trace_count + $2),
         status = CASE WHEN old.trace_count + $2 >= s.max_traces THEN 'completed' ELSE s.status END,
         ended_ms = CASE WHEN old.trace_count + $2 >= s.max_traces THEN $3 ELSE s.ended_ms END,
         ends_ms = CASE WHEN old.trace_count + $2 >= s.max_traces THEN $3 ELSE s.ends_ms END
       FROM old WHERE s.id = old.id
       RETURNING s.*, s.trace_count - old.trace_count AS admitted`,
      [sessionId, n, nowMs],
    );
    if (r && r.status !== 'in_progress') await this.notify(sessionId);
    return r ? { admitted: Number(r.admitted), session: fromSessionRow(r) } : { admitted: 0 };
  }

  async endSession(id: string, status: EndStatus, atMs: number): Promise<StoredSession | undefined> {
    const [r] = await this.query(`UPDATE sessions SET status = $2, ended_ms = $3, ends_ms = $3 WHERE id = $1 AND status = 'in_progress' RETURNING *`, [id, status, atMs]);
    if (r) await this.notify(id);
    return r ? fromSessionRow(r) : undefined;
  }

  async deleteSession(id: string): Promise<void> {
    await this.tx(async (c) => {
      for (const st of sessionDeletion(id, 'postgres', ['trace_spans', 'traces'])) await c.query(st.sql, st.values);
    });
    this.keyring?.forget(id);
    await this.notify(id);
  }

  async listTraces(sessionId: string, f: TraceQueryFilters): Promise<TraceListResult> {
    const a = new SqlArgs('postgres');
    const where = traceListConditions(sessionId, f, a);
    const limit = f.limit ?? 50;
    const rows = await this.query(
      `SELECT t.*, p.span_errors FROM (
         SELECT st.tenant, st.trace_id, st.day, st.start_ms, ${SPAN_ERRORS.postgres} AS span_errors FROM session_traces st WHERE ${where.join(' AND ')}
         ORDER BY st.start_ms DESC, st.trace_id DESC LIMIT ${a.add(limit + 1)}
       ) p JOIN traces t ON t.tenant = p.tenant AND t.trace_id = p.trace_id AND t.day = p.day
       ORDER BY p.start_ms DESC, p.trace_id DESC`,
      a.values,
    );
    return tracePage(rows, limit);
  }

  async searchTraces(tenant: string, f: TraceSearchFilters, scan: number): Promise<TraceListResult> {
    const { page, bound, needsBound } = traceSearchStatements(tenant, f, 'postgres', SEARCH_COLUMNS, scan);
    const rows = await this.query(page.sql, page.values);
    const last = needsBound(rows.length) ? await this.query(bound.sql, bound.values) : [];
    return searchPage(rows, f.limit ?? 50, last);
  }

  async spansOfTraces(tenant: string, traceIds: string[]): Promise<Map<string, Span[]>> {
    return new Map([...(await this.tracesOf(tenant, traceIds))].map(([id, t]) => [id, t.spans]));
  }

  async getSpans(tenant: string, traceId: string): Promise<Span[]> {
    return (await this.tracesOf(tenant, [traceId])).get(traceId)?.spans ?? [];
  }

  /** the stored spans and origin of these traces of the tenant (absent: none stored) */
  private async tracesOf(tenant: string, traceIds: string[]): Promise<Map<string, { spans: Span[]; origin: TraceOrigin }>> {
    const rows = await this.query<{ trace_id: string; data: Buffer }>(
      `SELECT trace_id, data FROM trace_spans WHERE tenant = $1 AND trace_id = ANY($2) ORDER BY trace_id, day, chunk`,
      [tenant, traceIds],
    );
    const records = new Map<string, Buffer[]>();
    for (const r of rows) records.set(r.trace_id, [...(records.get(r.trace_id) ?? []), r.data]);
    return new Map([...records].map(([id, list]) => [id, traceFromRecords(id, list)]));
  }

  async getTraceDetail(tenant: string, traceId: string): Promise<TraceDetail | undefined> {
    // one round trip: the trace row (it exists) and its records, every day's, in the order tracesOf reads them
    const [r] = await this.query<{ records: Buffer[] }>(
      `SELECT ARRAY(SELECT s.data FROM trace_spans s WHERE s.tenant = $1 AND s.trace_id = $2 ORDER BY s.day, s.chunk) AS records
       FROM traces t WHERE t.tenant = $1 AND t.trace_id = $2 LIMIT 1`,
      [tenant, traceId],
      'trace_detail',
    );
    return r ? traceDetailFromRecords(traceId, r.records) : undefined;
  }

  async getTraceRow(tenant: string, traceId: string): Promise<StoredTrace | undefined> {
    const [r] = await this.query(
      `SELECT t.*, (SELECT st.digest FROM session_traces st WHERE st.tenant = t.tenant AND st.trace_id = t.trace_id LIMIT 1) AS digest
       FROM traces t WHERE t.tenant = $1 AND t.trace_id = $2 ORDER BY t.day DESC LIMIT 1`,
      [tenant, traceId],
    );
    if (!r) return undefined;
    const { spans, origin } = (await this.tracesOf(tenant, [traceId])).get(traceId) ?? { spans: [], origin: { resource: {} } };
    r.digest ??= JSON.stringify(storedDigest(digestOfSpans(traceId, spans)));
    return toTraceRow(r, origin);
  }

  async sessionsOfTrace(tenant: string, traceId: string): Promise<string[]> {
    return (await this.query<{ session_id: string }>(`SELECT DISTINCT session_id FROM session_traces WHERE tenant = $1 AND trace_id = $2`, [tenant, traceId])).map((r) => r.session_id);
  }

  async sessionsOfTraces(tenant: string, traceIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const rows = await this.query<{ trace_id: string; session_id: string }>(`SELECT DISTINCT trace_id, session_id FROM session_traces WHERE tenant = $1 AND trace_id = ANY($2)`, [tenant, traceIds]);
    for (const r of rows) out.set(r.trace_id, [...(out.get(r.trace_id) ?? []), r.session_id]);
    return out;
  }

  async digests(sessionId: string): Promise<TraceDigest[]> {
    // Row by row: measured faster than one string_agg'd array (the server builds 5 MB for 10,000 traces).
    return (await this.query(`SELECT trace_id, start_ms, digest FROM session_traces WHERE session_id = $1`, [sessionId])).map(toDigest);
  }

  async sessionSummary(sessionId: string): Promise<SessionSummary> {
    // The digests' text only, joined into one string by the server (a row each cost the driver more than reading
    // them), read through a bitmap of the list index (schema.ts, version 7).
    const [r] = await this.query(`SELECT joined, n FROM session_digests($1, $2)`, [sessionId, DIGEST_SEPARATOR], 'session_digests');
    return (
      summarizeJoinedDigests(sessionId, r.joined as string | null, r.n as number) ??
      summarizeStoredDigests(sessionId, (await this.query<{ digest: string }>(`SELECT digest FROM session_traces WHERE session_id = $1`, [sessionId])).map((d) => d.digest))
    );
  }

  async tracesReceivedAfter(sessionId: string, afterMs: number, afterTraceId: string, limit: number): Promise<ReceivedTrace[]> {
    // The session's memberships (bounded by its trace cap), their rows filtered by when they were last written.
    const rows = await this.query(
      `SELECT t.*, ${SPAN_ERRORS.postgres} AS span_errors FROM session_traces st
       JOIN traces t ON t.tenant = st.tenant AND t.trace_id = st.trace_id AND t.day = st.day
       WHERE st.session_id = $1 AND (t.received_ms > $2 OR (t.received_ms = $2 AND t.trace_id > $3))
       ORDER BY t.received_ms, t.trace_id LIMIT $4`,
      [sessionId, afterMs, afterTraceId, limit],
    );
    return rows.map((r) => ({ trace: toTraceItem(r), receivedMs: Number(r.received_ms) }));
  }

  async logsReceivedAfter(sessionId: string, afterMs: number, afterLogId: number, limit: number): Promise<ReceivedLog[]> {
    const rows = await this.query(
      `SELECT l.* FROM logs l WHERE l.session_id = $1 AND (l.received_ms > $2 OR (l.received_ms = $2 AND l.id > $3)) ORDER BY l.received_ms, l.id LIMIT $4`,
      [sessionId, afterMs, afterLogId, limit],
    );
    const traceIds = [...new Set(rows.filter((r) => r.span_id != null && r.trace_id != null).map((r) => r.trace_id as string))];
    if (traceIds.length) {
      const [s] = await this.query<{ tenant: string }>(`SELECT tenant FROM sessions WHERE id = $1`, [sessionId]);
      const traces = s ? await this.tracesOf(s.tenant, traceIds) : new Map<string, { spans: Span[] }>();
      nameLogSpans(rows, (id) => traces.get(id)?.spans ?? []);
    }
    const dek = await this.keys.forPage(sessionId, rows);
    return rows.map((r) => ({ log: toLogRecord(r, logRowContent(r, dek)), receivedMs: Number(r.received_ms) }));
  }

  async listLogs(sessionId: string, f: LogQueryFilters): Promise<{ logs: LogRecord[]; nextCursor?: string }> {
    const a = new SqlArgs('postgres');
    const where = logListConditions(sessionId, f, a);
    const limit = f.limit ?? 100;
    const rows = await this.query(`SELECT l.* FROM logs l WHERE ${where.join(' AND ')} ORDER BY l.time_ns DESC, l.id DESC LIMIT ${a.add(limit + 1)}`, a.values);
    // Span names come from the session's tenant's copy of the traces.
    const traceIds = [...new Set(rows.filter((r) => r.span_id != null && r.trace_id != null).map((r) => r.trace_id as string))];
    if (traceIds.length) {
      const [s] = await this.query<{ tenant: string }>(`SELECT tenant FROM sessions WHERE id = $1`, [sessionId]);
      const traces = s ? await this.tracesOf(s.tenant, traceIds) : new Map<string, { spans: Span[] }>();
      nameLogSpans(rows, (id) => traces.get(id)?.spans ?? []);
    }
    return logPage(rows, limit, await this.keys.forPage(sessionId, rows));
  }

  /**
   * Retention: the day partitions wholly before the cutoff are dropped (counting their rows first),
   * then sessions that ended before it, then keys nothing refers to any more (crypto-shredding).
   */
  async purge(cutoffMs: number): Promise<{ traces: number; logs: number; sessions: number }> {
    const cutoffDay = dayOf(cutoffMs);
    return this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      const { rows } = await c.query<{ parent: string; child: string }>(
        `SELECT p.relname AS parent, c.relname AS child FROM pg_inherits i
         JOIN pg_class p ON p.oid = i.inhparent JOIN pg_class c ON c.oid = i.inhrelid
         WHERE p.relname = ANY($1) AND p.relnamespace = current_schema()::regnamespace`,
        [[...PARTITIONED_TABLES]],
      );
      const counts = { traces: 0, logs: 0, sessions: 0 };
      for (const r of rows) {
        const day = dayOfPartition(r.parent, r.child);
        if (day === undefined || day >= cutoffDay) continue;
        if (r.parent === 'traces' || r.parent === 'logs') {
          const n = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${partitionName(r.parent, day)}`);
          counts[r.parent] += n.rows[0].n;
        }
        await c.query(`DROP TABLE ${partitionName(r.parent, day)}`);
        this.partitions.delete(`${r.parent}:${day}`);
      }
      counts.sessions = (await c.query(`DELETE FROM sessions WHERE ended_ms IS NOT NULL AND ended_ms < $1`, [cutoffMs])).rowCount ?? 0;
      await c.query(
        `DELETE FROM session_keys k WHERE k.session_id <> $1 AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = k.session_id)
         AND NOT EXISTS (SELECT 1 FROM logs l WHERE l.session_id = k.session_id)`,
        [WAITING_KEY_ID],
      );
      return counts;
    });
  }

  async loadWaiting(): Promise<WaitingRow[]> {
    const rows = await this.query<{ tenant: string; trace_id: string; kind: 'spans' | 'logs'; payload: string; received_ms: number }>(
      `SELECT tenant, trace_id, kind, payload, received_ms FROM waiting WHERE owner = $1 ORDER BY id`,
      [this.owner],
    );
    return openWaitingRows(rows, this.keys.waitingDek);
  }

  async deleteWaiting(tenant: string, traceIds: string[]): Promise<void> {
    await this.query(`DELETE FROM waiting WHERE owner = $1 AND tenant = $2 AND trace_id = ANY($3)`, [this.owner, tenant, traceIds]);
  }

  /** the token table and the audit log live on this database too */
  get sharedPool(): Pool {
    return this.pool;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
