import type Database from 'better-sqlite3';
import { encodeSpans, type TraceOrigin } from '../span-codec';
import { requestIdOf } from '../../../common/spans';
import { SPAN_ERRORS } from '../filters';
import { toSpan, type Row } from '../rows';
import { spansFromRecords } from '../trace-spans';

/**
 * The SQLite schema: SCHEMA creates a version-1 database, MIGRATIONS take any older database to SCHEMA_VERSION,
 * each step in one transaction with its version bump (an interrupted upgrade leaves the old version intact).
 */
export const SCHEMA_VERSION = 8;

/**
 * Trace columns copied into each of the trace's `session_traces` rows (schema 3), so a session's list filters and its
 * summary read only that table (a range of one session) instead of one random `traces` lookup per membership.
 * A membership whose trace row does not exist yet has them NULL; every write of the trace row refreshes them.
 */
export const MEMBER_COLUMNS = ['status_code', 'method', 'path', 'duration_ns', 'error', 'route_id', 'service_id', 'digest'] as const;
/** the trace list's columns of a trace row (schema 8: request_id) */
export const LIST_COLUMNS = [
  'tenant', 'trace_id', 'start_ns', 'start_ms', 'duration_ns', 'method', 'path', 'url', 'host', 'status_code', 'upstream_status_code', 'route_id', 'service_id',
  'consumer_id', 'client_address', 'error', 'span_count', 'dialect', 'latency', 'request_id',
] as const;
/**
 * a trace row (schema 8): the list's columns, its span error count (the session list reads the membership's copy in
 * its digest), and the trace's spans with its resource and scope as one record (span-codec)
 */
export const TRACE_COLUMNS = [...LIST_COLUMNS, 'span_errors', 'received_ms', 'spans'] as const;
/** a trace row's columns in schema 5 */
const V5_TRACE_COLUMNS = [
  'tenant', 'trace_id', 'start_ns', 'start_ms', 'duration_ns', 'method', 'path', 'url', 'host', 'status_code', 'upstream_status_code', 'route_id', 'service_id',
  'consumer_id', 'client_address', 'error', 'span_count', 'dialect', 'latency', 'received_ms', 'spans',
] as const;
/** the spans table's columns in schema 4 */
const V4_SPAN_COLUMNS = ['tenant', 'trace_id', 'span_id', 'parent_span_id', 'name', 'kind', 'start_ns', 'end_ns', 'status_code', 'status_message', 'attributes', 'events'] as const;
/** the trace row's columns in schemas 1-4 */
const V4_TRACE_COLUMNS = [
  'tenant', 'trace_id', 'start_ns', 'start_ms', 'duration_ns', 'method', 'path', 'url', 'host', 'status_code', 'upstream_status_code', 'route_id', 'service_id',
  'consumer_id', 'client_address', 'error', 'span_count', 'dialect', 'latency', 'digest', 'resource', 'scope_name', 'scope_version', 'received_ms',
] as const;
const MEMBER_TYPES: Record<(typeof MEMBER_COLUMNS)[number], string> = {
  status_code: 'INTEGER',
  method: 'TEXT',
  path: 'TEXT',
  duration_ns: 'INTEGER',
  error: 'INTEGER',
  route_id: 'TEXT',
  service_id: 'TEXT',
  digest: 'TEXT',
};

// Upgrades, applied in order to databases older than SCHEMA_VERSION (a fresh database is created at 1 and upgraded).
export const MIGRATIONS: Record<number, string | ((db: Database.Database) => void)> = {
  // 2: encrypted logs. `sealed` holds body + attributes as one AES-256-GCM blob (then body/attributes are '');
  // rows written before the upgrade keep sealed NULL until sealLegacyLogs() encrypts them.
  2: `
ALTER TABLE logs ADD COLUMN sealed BLOB;
CREATE TABLE IF NOT EXISTS session_keys (
  session_id TEXT PRIMARY KEY,
  kek_id TEXT NOT NULL,
  wrapped_dek TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);`,
  // 3: the filter columns and the digest of a trace copied into its memberships (MEMBER_COLUMNS), filled for the
  // rows already there; the list index covers the filters, so a filtered page touches `traces` only for its own rows.
  3: (db) => {
    // Only the missing columns: a database whose version number was set back keeps the ones it has.
    const have = new Set((db.prepare(`PRAGMA table_info(session_traces)`).all() as Array<{ name: string }>).map((c) => c.name));
    for (const c of MEMBER_COLUMNS) if (!have.has(c)) db.exec(`ALTER TABLE session_traces ADD COLUMN ${c} ${MEMBER_TYPES[c]}`);
    const inTraces = new Set((db.prepare(`PRAGMA table_info(traces)`).all() as Array<{ name: string }>).map((c) => c.name));
    const copied = MEMBER_COLUMNS.filter((c) => inTraces.has(c));
    db.exec(`
UPDATE session_traces SET ${copied.map((c) => `${c} = t.${c}`).join(', ')} FROM traces t WHERE t.trace_id = session_traces.trace_id;
DROP INDEX IF EXISTS session_traces_time;
CREATE INDEX IF NOT EXISTS session_traces_list
  ON session_traces (session_id, start_ms DESC, trace_id DESC, status_code, method, error, duration_ns, route_id, service_id, path);
-- memberships written before their trace row (normally none): what a new trace row must fill, found without a lookup in session_traces_trace
CREATE INDEX IF NOT EXISTS session_traces_rowless ON session_traces (trace_id) WHERE digest IS NULL;`);
  },
  // 4: tenants apart. Trace ids are unique only within a tenant, so traces, spans, memberships and waiting rows are
  // keyed (tenant, trace_id). Existing rows get the tenant of the sessions holding them; a trace held by sessions
  // of several tenants (the mixing this fixes) is copied to each, so every tenant still reads what it read before;
  // a trace held by none, and waiting rows (whose token is not recorded), go to the default tenant.
  4: (db) => {
    // Only what is missing: a database whose version number was set back keeps what it has.
    const has = (table: string, column: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).some((c) => c.name === column);
    if (has('traces', 'tenant')) return;
    db.exec(`
CREATE TEMP TABLE v4_session_tenant AS SELECT id, coalesce(json_extract(body, '$.tenant'), 'default') AS tenant FROM sessions;
${has('session_traces', 'tenant') ? '' : `ALTER TABLE session_traces ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';`}
UPDATE session_traces SET tenant = s.tenant FROM v4_session_tenant s WHERE s.id = session_traces.session_id;
CREATE TEMP TABLE v4_trace_tenant AS SELECT DISTINCT trace_id, tenant FROM session_traces;
CREATE INDEX temp.v4_trace_tenant_id ON v4_trace_tenant (trace_id);
DROP INDEX IF EXISTS session_traces_trace;
DROP INDEX IF EXISTS session_traces_rowless;
CREATE INDEX session_traces_trace ON session_traces (tenant, trace_id);
CREATE INDEX session_traces_rowless ON session_traces (tenant, trace_id) WHERE digest IS NULL;

CREATE TABLE traces_v4 (
  tenant TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  start_ms REAL NOT NULL,
  duration_ns INTEGER NOT NULL,
  method TEXT, path TEXT, url TEXT, host TEXT,
  status_code INTEGER, upstream_status_code INTEGER,
  route_id TEXT, service_id TEXT, consumer_id TEXT, client_address TEXT,
  error INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  dialect TEXT NOT NULL,
  latency TEXT NOT NULL,
  digest TEXT NOT NULL,
  resource TEXT NOT NULL,
  scope_name TEXT, scope_version TEXT,
  received_ms INTEGER NOT NULL,
  PRIMARY KEY (tenant, trace_id)
);
INSERT INTO traces_v4 (${V4_TRACE_COLUMNS.join(', ')})
  SELECT coalesce(tt.tenant, 'default'), ${V4_TRACE_COLUMNS.slice(1).map((c) => `t.${c}`).join(', ')}
  FROM traces t LEFT JOIN v4_trace_tenant tt ON tt.trace_id = t.trace_id;
DROP TABLE traces;
ALTER TABLE traces_v4 RENAME TO traces;
CREATE INDEX traces_received ON traces (received_ms);

CREATE TABLE spans_v4 (
  tenant TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  status_message TEXT,
  attributes TEXT NOT NULL,
  events TEXT NOT NULL,
  PRIMARY KEY (tenant, trace_id, span_id)
) WITHOUT ROWID;
INSERT INTO spans_v4 (${V4_SPAN_COLUMNS.join(', ')})
  SELECT coalesce(tt.tenant, 'default'), ${V4_SPAN_COLUMNS.slice(1).map((c) => `s.${c}`).join(', ')}
  FROM spans s LEFT JOIN v4_trace_tenant tt ON tt.trace_id = s.trace_id;
DROP TABLE spans;
ALTER TABLE spans_v4 RENAME TO spans;

${has('pending', 'tenant') ? '' : `ALTER TABLE pending ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';`}
DROP INDEX IF EXISTS pending_trace;
CREATE INDEX pending_trace ON pending (tenant, trace_id);
DROP TABLE temp.v4_trace_tenant;
DROP TABLE temp.v4_session_tenant;`);
  },
  // 5: compact trace storage. A trace's spans, with its resource and scope, become one record in its trace row
  // (span-codec: deflated compact JSON) instead of a row a span; the row's digest copy goes (memberships carry it).
  // Existing spans are encoded trace by trace; spans whose trace row is gone were unreachable and go with the table.
  5: (db) => {
    if ((db.prepare(`PRAGMA table_info(traces)`).all() as Array<{ name: string }>).some((c) => c.name === 'spans')) return;
    db.exec(`
CREATE TABLE traces_v5 (
  tenant TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  start_ms REAL NOT NULL,
  duration_ns INTEGER NOT NULL,
  method TEXT, path TEXT, url TEXT, host TEXT,
  status_code INTEGER, upstream_status_code INTEGER,
  route_id TEXT, service_id TEXT, consumer_id TEXT, client_address TEXT,
  error INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  dialect TEXT NOT NULL,
  latency TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  spans BLOB NOT NULL,
  PRIMARY KEY (tenant, trace_id)
);`);
    const insert = db.prepare(`INSERT INTO traces_v5 (${V5_TRACE_COLUMNS.join(', ')}) SELECT ${V5_TRACE_COLUMNS.slice(0, -1).join(', ')}, ? FROM traces WHERE tenant = ? AND trace_id = ?`);
    const page = db.prepare(`SELECT tenant, trace_id, resource, scope_name, scope_version FROM traces WHERE (tenant, trace_id) > (?, ?) ORDER BY tenant, trace_id LIMIT 500`);
    const spansOf = db.prepare(`SELECT * FROM spans WHERE tenant = ? AND trace_id = ? ORDER BY start_ns, span_id`).safeIntegers(true);
    let last = ['', ''];
    for (;;) {
      const keys = page.all(...last) as Array<{ tenant: string; trace_id: string; resource: string; scope_name: string | null; scope_version: string | null }>;
      if (keys.length === 0) break;
      for (const k of keys) {
        const spans = (spansOf.all(k.tenant, k.trace_id) as Row[]).map(toSpan);
        const origin: TraceOrigin = { resource: JSON.parse(k.resource) };
        if (k.scope_name != null) origin.scopeName = k.scope_name;
        if (k.scope_version != null) origin.scopeVersion = k.scope_version;
        insert.run(encodeSpans(spans, origin), k.tenant, k.trace_id);
      }
      last = [keys[keys.length - 1].tenant, keys[keys.length - 1].trace_id];
    }
    db.exec(`
DROP TABLE traces;
DROP TABLE spans;
ALTER TABLE traces_v5 RENAME TO traces;
CREATE INDEX traces_received ON traces (received_ms);
-- ascending: new traces are appended to a session's range (full index pages); the list reads it backwards
DROP INDEX IF EXISTS session_traces_list;
CREATE INDEX session_traces_list
  ON session_traces (session_id, start_ms, trace_id, status_code, method, error, duration_ns, route_id, service_id, path, tenant);`);
  },
  // 6: sessions started by alerts. `alert_key` (tenant/fingerprint) finds an alert's sessions, and a unique index over
  // running ones keeps one running session per alert even when two notifications race.
  6: (db) => {
    if (!(db.prepare(`PRAGMA table_info(sessions)`).all() as Array<{ name: string }>).some((c) => c.name === 'alert_key')) db.exec(`ALTER TABLE sessions ADD COLUMN alert_key TEXT`);
    db.exec(`
UPDATE sessions SET alert_key = coalesce(json_extract(body, '$.tenant'), 'default') || '/' || json_extract(body, '$.alert.fingerprint')
  WHERE alert_key IS NULL AND json_extract(body, '$.alert.fingerprint') IS NOT NULL;
CREATE INDEX IF NOT EXISTS sessions_alert ON sessions (alert_key, created_ms) WHERE alert_key IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS sessions_alert_running ON sessions (alert_key) WHERE alert_key IS NOT NULL AND status = 'in_progress';`);
  },
  // 7: one word for spans and logs waiting for their trace's decision: the `pending` table (a name a session status
  // also has) becomes `waiting`, its rows kept (RENAME carries the AUTOINCREMENT counter in sqlite_sequence too).
  7: (db) => {
    if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'waiting'`).get() !== undefined) return;
    db.exec(`
ALTER TABLE pending RENAME TO waiting;
DROP INDEX IF EXISTS pending_trace;
CREATE INDEX waiting_trace ON waiting (tenant, trace_id);`);
  },
  // 8: search across sessions (GET /api/v1/traces). Trace rows get Kong's request id and their span error count,
  // filled for the rows already there from their span records and digests; the tenant's rows are indexed newest first,
  // and by request id, route and service (what a search seeks by; store/filters.ts traceSearchConditions).
  8: (db) => {
    const have = new Set((db.prepare(`PRAGMA table_info(traces)`).all() as Array<{ name: string }>).map((c) => c.name));
    if (!have.has('request_id')) db.exec(`ALTER TABLE traces ADD COLUMN request_id TEXT`);
    if (!have.has('span_errors')) db.exec(`ALTER TABLE traces ADD COLUMN span_errors INTEGER`);
    db.exec(`
UPDATE traces SET span_errors = (SELECT ${SPAN_ERRORS.sqlite} FROM session_traces st
  WHERE st.tenant = traces.tenant AND st.trace_id = traces.trace_id AND st.digest IS NOT NULL LIMIT 1) WHERE span_errors IS NULL;`);
    const page = db.prepare(`SELECT rowid, trace_id, spans FROM traces WHERE rowid > ? ORDER BY rowid LIMIT 500`);
    const set = db.prepare(`UPDATE traces SET request_id = ? WHERE rowid = ?`);
    for (let last = 0; ; ) {
      const rows = page.all(last) as Array<{ rowid: number; trace_id: string; spans: Buffer }>;
      if (rows.length === 0) break;
      for (const r of rows) {
        const id = requestIdOf(spansFromRecords(r.trace_id, [r.spans]));
        if (id !== undefined) set.run(id, r.rowid);
      }
      last = rows[rows.length - 1].rowid;
    }
    db.exec(`
CREATE INDEX IF NOT EXISTS traces_time ON traces (tenant, start_ms, trace_id);
CREATE INDEX IF NOT EXISTS traces_request ON traces (tenant, request_id, start_ms, trace_id) WHERE request_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS traces_route ON traces (tenant, route_id, start_ms, trace_id) WHERE route_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS traces_service ON traces (tenant, service_id, start_ms, trace_id) WHERE service_id IS NOT NULL;`);
  },
};

// Spans are keyed (trace_id, span_id) WITHOUT ROWID so a trace by id is one range scan, and a span
// Kong sends twice (retries, split exports) is an upsert, not a duplicate.
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  ended_ms INTEGER,
  log_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS traces (
  trace_id TEXT PRIMARY KEY,
  start_ns INTEGER NOT NULL,
  start_ms REAL NOT NULL,
  duration_ns INTEGER NOT NULL,
  method TEXT, path TEXT, url TEXT, host TEXT,
  status_code INTEGER, upstream_status_code INTEGER,
  route_id TEXT, service_id TEXT, consumer_id TEXT, client_address TEXT,
  error INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  dialect TEXT NOT NULL,
  latency TEXT NOT NULL,
  digest TEXT NOT NULL,
  resource TEXT NOT NULL,
  scope_name TEXT, scope_version TEXT,
  received_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_received ON traces (received_ms);
CREATE TABLE IF NOT EXISTS session_traces (
  session_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  start_ms REAL NOT NULL,
  PRIMARY KEY (session_id, trace_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_traces_trace ON session_traces (trace_id);
CREATE TABLE IF NOT EXISTS spans (
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  status_message TEXT,
  attributes TEXT NOT NULL,
  events TEXT NOT NULL,
  PRIMARY KEY (trace_id, span_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  time_ns INTEGER NOT NULL,
  level TEXT NOT NULL,
  severity_number INTEGER NOT NULL,
  severity_text TEXT,
  body TEXT NOT NULL,
  attributes TEXT NOT NULL,
  trace_id TEXT,
  span_id TEXT,
  received_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_received ON logs (received_ms);
CREATE TABLE IF NOT EXISTS pending (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_trace ON pending (trace_id);
CREATE UNIQUE INDEX IF NOT EXISTS logs_dedupe ON logs (session_id, dedupe_key);
CREATE INDEX IF NOT EXISTS logs_time ON logs (session_id, time_ns DESC, id DESC);
CREATE INDEX IF NOT EXISTS logs_trace ON logs (session_id, trace_id);
`;

/** creates a fresh database's tables (version 1) and upgrades any database to SCHEMA_VERSION */
export function migrate(db: Database.Database): void {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get() !== undefined;
  const v = hasMeta ? (db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined) : undefined;
  // Version 1's tables only for a new database: later versions drop some of them (schema 5: spans).
  if (!v) {
    db.exec(SCHEMA);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', '1')`).run();
  } else if (Number(v.value) > SCHEMA_VERSION) {
    throw new Error(`database schema version ${v.value} is newer than this server understands (${SCHEMA_VERSION})`);
  }
  const current = () => Number((db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string }).value);
  for (let to = current() + 1; to <= SCHEMA_VERSION; to++) {
    db.transaction(() => {
      const step = MIGRATIONS[to];
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(to));
    })();
  }
}
