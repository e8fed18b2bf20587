import type { Pool, PoolClient } from 'pg';
import { requestIdOf } from '../../../common/spans';
import { SPAN_ERRORS } from '../filters';
import { toSpan, type Row } from '../rows';
import { spansFromRecords } from '../trace-spans';
import { encodeSpans, type TraceOrigin } from '../span-codec';
import { createPartitionSql } from './partitions';

/**
 * The PostgreSQL schema, as ordered migrations recorded in `schema_migrations`. Every replica runs
 * them on start; an advisory lock makes the others wait while one migrates, so they never race.
 *
 * Big tables are partitioned by day (see partitions.ts); their keys include `day` as PostgreSQL
 * requires. Digests and log content are JSON text: never queried in SQL, and text is cheaper to write
 * than jsonb. A migration is SQL, then optionally code (`run`), in one transaction.
 */
export const PG_MIGRATIONS: Array<{ version: number; sql: string; run?: (c: PoolClient) => Promise<void> }> = [
  {
    version: 1,
    sql: `
CREATE TABLE sessions (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  body text NOT NULL,
  status text NOT NULL,
  trace_count integer NOT NULL DEFAULT 0,
  max_traces integer NOT NULL,
  log_count bigint NOT NULL DEFAULT 0,
  created_ms bigint NOT NULL,
  ends_ms bigint NOT NULL,
  ended_ms bigint
);
CREATE INDEX sessions_running ON sessions (status) WHERE status = 'in_progress';

CREATE TABLE traces (
  day integer NOT NULL,
  trace_id text NOT NULL,
  start_ns bigint NOT NULL,
  start_ms double precision NOT NULL,
  duration_ns bigint NOT NULL,
  method text, path text, url text, host text,
  status_code integer, upstream_status_code integer,
  route_id text, service_id text, consumer_id text, client_address text,
  error boolean NOT NULL,
  span_count integer NOT NULL,
  dialect text NOT NULL,
  latency text NOT NULL,
  digest text NOT NULL,
  resource text NOT NULL,
  scope_name text, scope_version text,
  received_ms bigint NOT NULL,
  PRIMARY KEY (trace_id, day)
) PARTITION BY RANGE (day);

-- Membership plus what the trace list filters on and the summary reads, so both are answered from
-- this table alone (no random lookups into traces).
CREATE TABLE session_traces (
  day integer NOT NULL,
  session_id text NOT NULL,
  trace_id text NOT NULL,
  start_ms double precision NOT NULL,
  duration_ns bigint NOT NULL,
  method text, path text,
  status_code integer,
  route_id text, service_id text,
  error boolean NOT NULL,
  digest text NOT NULL,
  PRIMARY KEY (session_id, trace_id, day)
) PARTITION BY RANGE (day);
-- Newest first, covering what the trace list filters on: a filtered page is read in index order, often index-only.
CREATE INDEX session_traces_list ON session_traces (session_id, start_ms DESC, trace_id DESC)
  INCLUDE (status_code, method, duration_ns, error, route_id, service_id, path);
CREATE INDEX session_traces_trace ON session_traces (trace_id);

CREATE TABLE spans (
  day integer NOT NULL,
  trace_id text NOT NULL,
  span_id text NOT NULL,
  parent_span_id text NOT NULL,
  name text NOT NULL,
  kind smallint NOT NULL,
  start_ns bigint NOT NULL,
  end_ns bigint NOT NULL,
  status_code smallint NOT NULL,
  status_message text,
  attributes text NOT NULL,
  events text NOT NULL,
  PRIMARY KEY (trace_id, span_id, day)
) PARTITION BY RANGE (day);

CREATE TABLE logs (
  day integer NOT NULL,
  id bigserial NOT NULL,
  session_id text NOT NULL,
  dedupe_key text NOT NULL,
  time_ns bigint NOT NULL,
  level text NOT NULL,
  severity_number integer NOT NULL,
  severity_text text,
  body text,
  attributes text,
  sealed bytea,
  trace_id text,
  span_id text,
  received_ms bigint NOT NULL,
  UNIQUE (session_id, dedupe_key, day)
) PARTITION BY RANGE (day);
CREATE INDEX logs_time ON logs (session_id, time_ns DESC, id DESC);
CREATE INDEX logs_trace ON logs (session_id, trace_id);

-- What waits for its trace's decision, per replica (owner): restored by that replica after a restart.
CREATE TABLE pending (
  id bigserial PRIMARY KEY,
  owner text NOT NULL,
  trace_id text NOT NULL,
  kind text NOT NULL,
  payload text NOT NULL,
  received_ms bigint NOT NULL
);
CREATE INDEX pending_trace ON pending (owner, trace_id);

CREATE TABLE session_keys (
  session_id text PRIMARY KEY,
  kek_id text NOT NULL,
  wrapped_dek text NOT NULL,
  created_ms bigint NOT NULL
);
`,
  },
  {
    // Tenants apart: trace ids are unique only within a tenant, so traces, spans, memberships and waiting rows are
    // keyed (tenant, trace_id). Existing rows get the tenant of the sessions holding them; a trace held by sessions
    // of several tenants (the mixing this fixes) is copied to each, so every tenant still reads what it read before;
    // a trace held by none, and waiting rows (whose token is not recorded), go to the default tenant.
    version: 2,
    sql: `
ALTER TABLE session_traces ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE traces ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE spans ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE pending ADD COLUMN tenant text NOT NULL DEFAULT 'default';
UPDATE session_traces st SET tenant = s.tenant FROM sessions s WHERE s.id = st.session_id AND st.tenant <> s.tenant;

CREATE TEMP TABLE v2_trace_tenant ON COMMIT DROP AS SELECT DISTINCT trace_id, tenant FROM session_traces;
CREATE INDEX ON v2_trace_tenant (trace_id);
ANALYZE v2_trace_tenant;
ALTER TABLE traces DROP CONSTRAINT traces_pkey;
ALTER TABLE spans DROP CONSTRAINT spans_pkey;
UPDATE traces t SET tenant = x.tenant FROM (SELECT trace_id, min(tenant) AS tenant FROM v2_trace_tenant GROUP BY trace_id) x
  WHERE x.trace_id = t.trace_id AND x.tenant <> t.tenant;
UPDATE spans t SET tenant = x.tenant FROM (SELECT trace_id, min(tenant) AS tenant FROM v2_trace_tenant GROUP BY trace_id) x
  WHERE x.trace_id = t.trace_id AND x.tenant <> t.tenant;
INSERT INTO traces (tenant, day, trace_id, start_ns, start_ms, duration_ns, method, path, url, host, status_code, upstream_status_code,
    route_id, service_id, consumer_id, client_address, error, span_count, dialect, latency, digest, resource, scope_name, scope_version, received_ms)
  SELECT y.tenant, t.day, t.trace_id, t.start_ns, t.start_ms, t.duration_ns, t.method, t.path, t.url, t.host, t.status_code, t.upstream_status_code,
    t.route_id, t.service_id, t.consumer_id, t.client_address, t.error, t.span_count, t.dialect, t.latency, t.digest, t.resource, t.scope_name, t.scope_version, t.received_ms
  FROM traces t JOIN v2_trace_tenant y ON y.trace_id = t.trace_id AND y.tenant <> t.tenant;
INSERT INTO spans (tenant, day, trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, status_code, status_message, attributes, events)
  SELECT y.tenant, s.day, s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_ns, s.end_ns, s.status_code, s.status_message, s.attributes, s.events
  FROM spans s JOIN v2_trace_tenant y ON y.trace_id = s.trace_id AND y.tenant <> s.tenant;
ALTER TABLE traces ADD PRIMARY KEY (tenant, trace_id, day);
ALTER TABLE spans ADD PRIMARY KEY (tenant, trace_id, span_id, day);

DROP INDEX session_traces_trace;
CREATE INDEX session_traces_trace ON session_traces (tenant, trace_id);
DROP INDEX pending_trace;
CREATE INDEX pending_trace ON pending (owner, tenant, trace_id);
ALTER TABLE session_traces ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE traces ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE spans ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE pending ALTER COLUMN tenant DROP DEFAULT;
`,
  },
  {
    // Compact trace storage: a trace's spans, with its resource and scope, as records of trace_spans (span-codec:
    // deflated compact JSON), one per
    // write of the trace's spans (keyed by the set of its span ids, so a re-sent batch overwrites its own record
    // and replicas writing spans of one trace never overwrite each other's), instead of a row a span. The trace
    // row's digest copy goes (memberships carry it). Existing spans are encoded trace by trace.
    version: 3,
    sql: `
CREATE TABLE trace_spans (
  day integer NOT NULL,
  tenant text NOT NULL,
  trace_id text NOT NULL,
  chunk text NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (tenant, trace_id, chunk, day)
) PARTITION BY RANGE (day);
ALTER TABLE traces DROP COLUMN digest;
-- one index less: the key leads with (tenant, trace_id), so it also finds a trace's sessions (a session has one tenant)
ALTER TABLE session_traces DROP CONSTRAINT session_traces_pkey;
ALTER TABLE session_traces ADD PRIMARY KEY (tenant, trace_id, session_id, day);
DROP INDEX session_traces_trace;
-- ascending: new traces are appended to a session's range (full index pages); the list reads it backwards
DROP INDEX session_traces_list;
CREATE INDEX session_traces_list ON session_traces (session_id, start_ms, trace_id)
  INCLUDE (status_code, method, duration_ns, error, route_id, service_id, path, tenant);
`,
    run: async (c) => {
      // One record per trace row (a trace id stored on two days has two), with the row's resource and scope.
      const days = await c.query<{ day: number }>(`SELECT DISTINCT day FROM traces`);
      for (const { day } of days.rows) await c.query(createPartitionSql('trace_spans', day));
      let last: [string, string, number] = ['', '', -1];
      for (;;) {
        const keys = await c.query<{ tenant: string; trace_id: string; day: number; resource: string; scope_name: string | null; scope_version: string | null }>(
          `SELECT tenant, trace_id, day, resource, scope_name, scope_version FROM traces WHERE (tenant, trace_id, day) > ($1, $2, $3)
           ORDER BY tenant, trace_id, day LIMIT 500`,
          last,
        );
        if (keys.rows.length === 0) break;
        const spans = await c.query<Row>(
          `SELECT * FROM spans WHERE (tenant, trace_id, day) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::int[])) ORDER BY start_ns, span_id`,
          [keys.rows.map((k) => k.tenant), keys.rows.map((k) => k.trace_id), keys.rows.map((k) => k.day)],
        );
        const groups = new Map<string, Row[]>();
        for (const r of spans.rows) {
          const k = `${r.tenant}/${r.trace_id}/${r.day}`;
          const g = groups.get(k);
          if (g) g.push(r);
          else groups.set(k, [r]);
        }
        for (const k of keys.rows) {
          const origin: TraceOrigin = { resource: JSON.parse(k.resource) };
          if (k.scope_name != null) origin.scopeName = k.scope_name;
          if (k.scope_version != null) origin.scopeVersion = k.scope_version;
          const rows = groups.get(`${k.tenant}/${k.trace_id}/${k.day}`) ?? [];
          await c.query(`INSERT INTO trace_spans (day, tenant, trace_id, chunk, data) VALUES ($1, $2, $3, 'migrated', $4)`, [
            k.day,
            k.tenant,
            k.trace_id,
            encodeSpans(rows.map(toSpan), origin),
          ]);
        }
        const tail = keys.rows[keys.rows.length - 1];
        last = [tail.tenant, tail.trace_id, tail.day];
      }
      // spans whose trace row is gone were unreachable: they go with the table
      await c.query(`DROP TABLE spans; ALTER TABLE traces DROP COLUMN resource, DROP COLUMN scope_name, DROP COLUMN scope_version`);
    },
  },
  {
    // Sessions started by alerts. `alert_key` (tenant/fingerprint) finds an alert's sessions, and a unique index over
    // running ones keeps one running session per alert across replicas: two replicas given the same notification
    // (a load balancer, Alertmanager's HA peers) start one session between them.
    version: 4,
    sql: `
ALTER TABLE sessions ADD COLUMN alert_key text;
UPDATE sessions SET alert_key = tenant || '/' || (body::jsonb #>> '{alert,fingerprint}') WHERE body::jsonb #>> '{alert,fingerprint}' IS NOT NULL;
CREATE INDEX sessions_alert ON sessions (alert_key, created_ms) WHERE alert_key IS NOT NULL;
CREATE UNIQUE INDEX sessions_alert_running ON sessions (alert_key) WHERE alert_key IS NOT NULL AND status = 'in_progress';
`,
  },
  {
    // One word for spans and logs waiting for their trace's decision: the `pending` table (a name a session status
    // also has) becomes `waiting`, with its rows, key, index and id sequence.
    version: 5,
    sql: `
ALTER TABLE pending RENAME TO waiting;
ALTER INDEX pending_pkey RENAME TO waiting_pkey;
ALTER INDEX pending_trace RENAME TO waiting_trace;
ALTER SEQUENCE pending_id_seq RENAME TO waiting_id_seq;
`,
  },
  {
    // Search across sessions (GET /api/v1/traces). Trace rows get Kong's request id and their span error count, filled
    // for the rows already there from their span records and memberships' digests; the tenant's rows are indexed newest
    // first, and by request id, route and service (what a search seeks by; store/filters.ts traceSearchConditions).
    version: 6,
    sql: `
ALTER TABLE traces ADD COLUMN request_id text, ADD COLUMN span_errors integer;
UPDATE traces t SET span_errors = (SELECT ${SPAN_ERRORS.postgres} FROM session_traces st
  WHERE st.tenant = t.tenant AND st.trace_id = t.trace_id LIMIT 1);
`,
    run: async (c) => {
      let last: [string, string, number] = ['', '', -1];
      for (;;) {
        const keys = await c.query<{ tenant: string; trace_id: string; day: number }>(
          `SELECT tenant, trace_id, day FROM traces WHERE (tenant, trace_id, day) > ($1, $2, $3) ORDER BY tenant, trace_id, day LIMIT 500`,
          last,
        );
        if (keys.rows.length === 0) break;
        const records = await c.query<{ tenant: string; trace_id: string; data: Buffer }>(
          `SELECT tenant, trace_id, data FROM trace_spans WHERE (tenant, trace_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY tenant, trace_id, day, chunk`,
          [keys.rows.map((k) => k.tenant), keys.rows.map((k) => k.trace_id)],
        );
        const byTrace = new Map<string, Buffer[]>();
        for (const r of records.rows) byTrace.set(`${r.tenant}/${r.trace_id}`, [...(byTrace.get(`${r.tenant}/${r.trace_id}`) ?? []), r.data]);
        const ids = keys.rows.map((k) => {
          const data = byTrace.get(`${k.tenant}/${k.trace_id}`);
          return data ? (requestIdOf(spansFromRecords(k.trace_id, data)) ?? null) : null;
        });
        await c.query(
          `UPDATE traces t SET request_id = x.r FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS x(tenant, trace_id, day, r)
           WHERE t.tenant = x.tenant AND t.trace_id = x.trace_id AND t.day = x.day AND x.r IS NOT NULL`,
          [keys.rows.map((k) => k.tenant), keys.rows.map((k) => k.trace_id), keys.rows.map((k) => k.day), ids],
        );
        const tail = keys.rows[keys.rows.length - 1];
        last = [tail.tenant, tail.trace_id, tail.day];
      }
      // after the fill, so it does not update the indexes row by row; on the partitioned table: every partition has them
      await c.query(`
CREATE INDEX traces_time ON traces (tenant, start_ms, trace_id);
CREATE INDEX traces_request ON traces (tenant, request_id, start_ms, trace_id) WHERE request_id IS NOT NULL;
CREATE INDEX traces_route ON traces (tenant, route_id, start_ms, trace_id) WHERE route_id IS NOT NULL;
CREATE INDEX traces_service ON traces (tenant, service_id, start_ms, trace_id) WHERE service_id IS NOT NULL;`);
    },
  },
  {
    // A session summary reads every digest of the session (up to its trace cap) through a bitmap of the list index: the
    // session's rows in the order they lie on disk, a page once, joined into one text. The planner, left to itself,
    // reads them in index order (a buffer a row) or scans the whole day's partition, as its statistics on a session id
    // suggest (measured 14-24 ms against 4-7 at 10,000 traces of 1,000,000). The function carries the two settings
    // that keep it to the bitmap, for its own statement only, in one round trip.
    version: 7,
    sql: `
CREATE OR REPLACE FUNCTION session_digests(sid text, sep text, OUT joined text, OUT n integer) LANGUAGE sql STABLE
  SET enable_seqscan = off SET enable_indexscan = off
  AS $$ SELECT string_agg(digest, sep), count(*)::integer FROM session_traces WHERE session_id = sid $$;
`,
  },
  {
    // One row per trace. A write whose trace row fell on another day than before (its start moved across midnight, or
    // the retention clamp moved on) added a second row instead of moving the first, so a trace could be listed twice.
    // Writes now move it (store.ts moveToDay); here a trace's copies fold into the one last written (its facts are over
    // the most spans), its memberships and span records on other days moving to that day, the kept day's winning.
    version: 8,
    sql: `
CREATE TEMP TABLE v8_keep ON COMMIT DROP AS
  SELECT DISTINCT ON (tenant, trace_id) tenant, trace_id, day FROM traces
  WHERE (tenant, trace_id) IN (SELECT tenant, trace_id FROM traces GROUP BY tenant, trace_id HAVING count(*) > 1)
  ORDER BY tenant, trace_id, received_ms DESC, day DESC;
ANALYZE v8_keep;
DELETE FROM traces t USING v8_keep k WHERE t.tenant = k.tenant AND t.trace_id = k.trace_id AND t.day <> k.day;
INSERT INTO session_traces (tenant, day, session_id, trace_id, start_ms, duration_ns, method, path, status_code, route_id, service_id, error, digest)
  SELECT DISTINCT ON (st.tenant, st.trace_id, st.session_id) st.tenant, k.day, st.session_id, st.trace_id, st.start_ms, st.duration_ns, st.method, st.path,
    st.status_code, st.route_id, st.service_id, st.error, st.digest
  FROM session_traces st JOIN v8_keep k ON k.tenant = st.tenant AND k.trace_id = st.trace_id AND st.day <> k.day
  ORDER BY st.tenant, st.trace_id, st.session_id, st.day DESC
  ON CONFLICT (tenant, trace_id, session_id, day) DO NOTHING;
DELETE FROM session_traces st USING v8_keep k WHERE k.tenant = st.tenant AND k.trace_id = st.trace_id AND st.day <> k.day;
INSERT INTO trace_spans (tenant, day, trace_id, chunk, data)
  SELECT DISTINCT ON (s.tenant, s.trace_id, s.chunk) s.tenant, k.day, s.trace_id, s.chunk, s.data
  FROM trace_spans s JOIN v8_keep k ON k.tenant = s.tenant AND k.trace_id = s.trace_id AND s.day <> k.day
  ORDER BY s.tenant, s.trace_id, s.chunk, s.day DESC
  ON CONFLICT (tenant, trace_id, chunk, day) DO NOTHING;
DELETE FROM trace_spans s USING v8_keep k WHERE k.tenant = s.tenant AND k.trace_id = s.trace_id AND s.day <> k.day;
`,
  },
  {
    // Smaller indexes (issue 17: bytes on disk a span, measured after a 100,000-trace fill: 160 B before, the indexes
    // 34 of them). A request id is only ever sought by equality (filters.ts traceSearchConditions) and all but unique,
    // so a hash index finds it: about 50 bytes a trace instead of 160 for the B-tree over (tenant, request_id,
    // start_ms, trace_id), whose random keys leave its pages a third empty; the tenant and the order are checked on the
    // one or few rows it finds. The time-ordered indexes lose their trailing trace id (33 bytes a row): rows with the
    // same start are rare and ordered by it in memory (an incremental sort) before a page is cut. The list index's
    // INCLUDE columns went unused: every statement over it reads the heap row anyway (the list selects the digest's
    // span error count; the summary reads the digests through a bitmap), and its filters are tested there.
    version: 9,
    sql: `
DROP INDEX traces_request, traces_time, traces_route, traces_service, session_traces_list;
CREATE INDEX traces_request ON traces USING hash (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX traces_time ON traces (tenant, start_ms);
CREATE INDEX traces_route ON traces (tenant, route_id, start_ms) WHERE route_id IS NOT NULL;
CREATE INDEX traces_service ON traces (tenant, service_id, start_ms) WHERE service_id IS NOT NULL;
CREATE INDEX session_traces_list ON session_traces (session_id, start_ms);
`,
  },
];

/** an arbitrary constant: the advisory lock every replica takes while migrating or adding partitions */
export const SCHEMA_LOCK = 7_482_190_331;

/** Applies the migrations this database lacks, each in its own transaction, under the schema lock. */
export async function migrate(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    // every version not recorded, not only those above the highest (as the doc says: the ones this database lacks)
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const current = Math.max(0, ...applied);
    const latest = PG_MIGRATIONS[PG_MIGRATIONS.length - 1].version;
    if (current > latest) throw new Error(`database schema version ${current} is newer than this server understands (${latest})`);
    for (const m of PG_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await m.run?.(client);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    }
    return latest;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => undefined);
    client.release();
  }
}
