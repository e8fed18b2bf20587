import type Database from 'better-sqlite3';
import path from 'node:path';
import type { LogQueryFilters, LogRecord, Span, TraceQueryFilters } from '../../common/api';
import type { TraceDigest } from '../../common/lifecycle';
import { DATABASE_FILE, DEFAULT_SYNCHRONOUS, openDatabase } from './database';
import { WalSync } from './wal-sync';
import { startCheckpointer, walHeld, type Checkpointer, type WalHold } from './checkpointer';
import { StoreUnavailableError } from './errors';
import { answerDeadline } from '../ingest/deadline';
import { decodeCursor, encodeCursor } from './cursor';
import { parseStatusFilter, SPAN_ERRORS_WHERE } from './filters';
import { logRowContent } from './log-content';
import { parseLevels, toLogRecord, toSpan, toTraceItem, tracePage, type Row } from './rows';
import { openPendingRows, PENDING_KEY_ID, sealPendingPayload } from './pending-seal';
import type { NewLogRecord, PendingRow, StoredSession, Store, StoreOptions, TraceListResult, TraceRow, WriteBatch } from './types';
// Log encryption at rest (server/crypto): body + attributes of each log row are sealed with the session's DEK.
import { logRecordAad, sealLogContent } from '../crypto/envelope';
import { LogKeyUnavailableError } from '../crypto/errors';
import { SessionKeyring, type DekRow, type DekStore } from '../crypto/keyring';

const SCHEMA_VERSION = 3;
/** the longest a group commit waits for the checkpoint thread to empty the WAL, and for a blocking checkpoint (flushUnlessWalHeld) */
const WAL_HOLD_MAX_MS = { size: 500, checkpoint: 5000 };
/** session_keys row whose DEK seals log records still waiting for their trace's decision (`pending`, kind 'logs') */
export { PENDING_KEY_ID } from './pending-seal';

/**
 * Trace columns copied into each of the trace's `session_traces` rows (schema 3), so a session's list filters and its
 * summary read only that table (a range of one session) instead of one random `traces` lookup per membership.
 * A membership whose trace row does not exist yet has them NULL; every write of the trace row refreshes them.
 */
const MEMBER_COLUMNS = ['status_code', 'method', 'path', 'duration_ns', 'error', 'route_id', 'service_id', 'digest'] as const;
const TRACE_COLUMNS = [
  'trace_id', 'start_ns', 'start_ms', 'duration_ns', 'method', 'path', 'url', 'host', 'status_code', 'upstream_status_code', 'route_id', 'service_id',
  'consumer_id', 'client_address', 'error', 'span_count', 'dialect', 'latency', 'digest', 'resource', 'scope_name', 'scope_version', 'received_ms',
] as const;
const NO_MEMBER_VALUES: unknown[] = MEMBER_COLUMNS.map(() => null);

/** a trace row's MEMBER_COLUMNS values, in that order, as stored */
function memberValues(t: TraceRow): unknown[] {
  return [
    t.statusCode ?? null,
    t.method ?? null,
    t.path ?? null,
    Math.round(t.durationNs),
    t.error ? 1 : 0,
    t.routeId ?? null,
    t.serviceId ?? null,
    JSON.stringify(t.digest),
  ];
}

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
const MIGRATIONS: Record<number, string | ((db: Database.Database) => void)> = {
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
    db.exec(`
UPDATE session_traces SET ${MEMBER_COLUMNS.map((c) => `${c} = t.${c}`).join(', ')} FROM traces t WHERE t.trace_id = session_traces.trace_id;
DROP INDEX IF EXISTS session_traces_time;
CREATE INDEX IF NOT EXISTS session_traces_list
  ON session_traces (session_id, start_ms DESC, trace_id DESC, status_code, method, error, duration_ns, route_id, service_id, path);
-- memberships written before their trace row (normally none): what a new trace row must fill, found without a lookup in session_traces_trace
CREATE INDEX IF NOT EXISTS session_traces_rowless ON session_traces (trace_id) WHERE digest IS NULL;`);
  },
};

// Spans are keyed (trace_id, span_id) WITHOUT ROWID so a trace by id is one range scan, and a span
// Kong sends twice (retries, split exports) is an upsert, not a duplicate.
const SCHEMA = `
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





interface SessionRow {
  body: string;
  log_count: number;
}

function fromSessionRow(r: SessionRow): StoredSession {
  return { ...JSON.parse(r.body), logCount: Number(r.log_count) };
}


export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private db: Database.Database;
  private stmts: ReturnType<SqliteStore['prepare']>;
  /** set when logs are encrypted at rest (opts.keyProvider); absent = plaintext logs (tests, explicit opt-out) */
  readonly keyring?: SessionKeyring;
  /** DEK of waiting logs, held for the store's life so loadPending() stays synchronous (see prepareKeys) */
  private pendingDek?: Buffer;
  /** batches waiting for the group commit at the end of this event-loop turn (see write) */
  private queued: Array<{ batch: WriteBatch; deks: Map<string, Buffer> | undefined; resolve: () => void; reject: (e: unknown) => void; deadline?: number }> = [];
  private flushTimer?: NodeJS.Immediate;
  /** fsyncs the WAL before committed batches are answered (synchronous 'full') */
  private readonly walSync?: WalSync;
  /** whether the timer's group commit waits for the checkpoint thread (see flushUnlessWalHeld) */
  private readonly walHeld: () => WalHold;
  private walWait?: NodeJS.Timeout;
  private heldSince?: number;

  /** `now` is when rows count as received: retention is measured from there, not from Kong's clock. */
  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
    opts: StoreOptions = {},
  ) {
    // WAL: readers never block the ingest writer. Durability (database.ts): by default written batches are answered
    // once the WAL is fsynced, which WalSync does off the event loop after a NORMAL commit.
    this.db = openDatabase(dataDir, { synchronous: 'normal' });
    if ((opts.synchronous ?? DEFAULT_SYNCHRONOUS) === 'full') this.walSync = new WalSync(path.join(dataDir, `${DATABASE_FILE}-wal`));
    this.walHeld = opts.walHeld ?? (() => walHeld(dataDir));
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma('cache_size = -32768');
    // Checkpoints run on a timer (checkpoint()), not inside an ingest commit: measured, that is ~60 % of insert time.
    this.db.pragma('wal_autocheckpoint = 0');
    this.db.exec(SCHEMA);
    const v = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    if (!v) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', '1')`).run();
    else if (Number(v.value) > SCHEMA_VERSION) {
      throw new Error(`database schema version ${v.value} is newer than this server understands (${SCHEMA_VERSION})`);
    }
    this.migrate();
    this.stmts = this.prepare();
    // A session's tenant picks the provider, so a tenant that brings its own key gets its sessions wrapped by it.
    if (opts.keyProvider) this.keyring = new SessionKeyring(opts.keyProvider, this.dekStore(), { tenantOf: (id) => this.getSession(id)?.tenant, ...opts.keyCache });
  }

  /** each step and its version bump in one transaction: an interrupted upgrade leaves the old version intact */
  private migrate(): void {
    const current = () => Number((this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string }).value);
    for (let to = current() + 1; to <= SCHEMA_VERSION; to++) {
      this.db.transaction(() => {
        const step = MIGRATIONS[to];
        if (typeof step === 'string') this.db.exec(step);
        else step(this.db);
        this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(to));
      })();
    }
  }

  /** the `session_keys` table as the keyring sees it */
  private dekStore(): DekStore {
    const get = this.db.prepare(`SELECT session_id, kek_id, wrapped_dek, created_ms FROM session_keys WHERE session_id = ?`);
    const ins = this.db.prepare(`INSERT OR IGNORE INTO session_keys (session_id, kek_id, wrapped_dek, created_ms) VALUES (?, ?, ?, ?)`);
    const upd = this.db.prepare(`UPDATE session_keys SET kek_id = ?, wrapped_dek = ? WHERE session_id = ?`);
    const all = this.db.prepare(`SELECT session_id, kek_id, wrapped_dek, created_ms FROM session_keys ORDER BY session_id`);
    type R = { session_id: string; kek_id: string; wrapped_dek: string; created_ms: number };
    const toRow = (r: R): DekRow => ({ sessionId: r.session_id, kekId: r.kek_id, wrapped: r.wrapped_dek, createdMs: Number(r.created_ms) });
    return {
      getDek: (id) => {
        const r = get.get(id) as R | undefined;
        return r ? toRow(r) : undefined;
      },
      insertDek: (row) => {
        ins.run(row.sessionId, row.kekId, row.wrapped, row.createdMs);
        return toRow(get.get(row.sessionId) as R);
      },
      updateDek: (id, kekId, wrapped) => void upd.run(kekId, wrapped, id),
      listDeks: () => (all.all() as R[]).map(toRow),
    };
  }

  /** DEKs of the sessions whose logs are in the batch: from the cache, else fetched (the only async part of write) */
  private deksFor(sessionIds: Iterable<string>): Map<string, Buffer> | Promise<Map<string, Buffer>> {
    const deks = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const id of new Set(sessionIds)) {
      const d = this.keyring!.cached(id);
      if (d) deks.set(id, d);
      else missing.push(id);
    }
    if (missing.length === 0) return deks;
    // A session whose key cannot be had (revoked KEK, KMS down) loses this batch's logs, loudly; the spans and
    // other sessions' logs of the batch are still written, so traces keep flowing. Logs are never stored unencrypted.
    return Promise.all(
      missing.map((id) =>
        this.keyring!.dekForWrite(id).then(
          (d) => void deks.set(id, d),
          (e: Error) => void process.stderr.write(`warning: ${e.message}; the logs of this batch for that session are not stored\n`),
        ),
      ),
    ).then(() => deks);
  }

  /** loads the DEK of waiting logs when sealed ones wait (before the pipeline restores them) */
  async prepareKeys(): Promise<void> {
    this.flush();
    if (!this.keyring || this.pendingDek) return;
    if (!this.db.prepare(`SELECT 1 FROM pending WHERE kind = 'logs' AND payload LIKE 'sealed:%'`).get()) return;
    try {
      this.pendingDek = await this.keyring.dekForWrite(PENDING_KEY_ID);
    } catch (e) {
      // Start anyway: traces and new data still work; loadPending names what it cannot restore.
      process.stderr.write(`warning: ${(e as Error).message}\n`);
    }
  }

  /**
   * Encrypts log rows stored in plaintext before encryption existed (schema 1), session by session,
   * with secure_delete on so the old plaintext is zeroed in the pages, then truncates the WAL.
   */
  async sealLegacyLogs(): Promise<number> {
    this.flush();
    if (!this.keyring) return 0;
    const sessions = this.db.prepare(`SELECT DISTINCT session_id FROM logs WHERE sealed IS NULL`).all() as Array<{ session_id: string }>;
    if (sessions.length === 0) return 0;
    let n = 0;
    this.db.pragma('secure_delete = ON');
    try {
      const sel = this.db.prepare(`SELECT id, dedupe_key, body, attributes FROM logs WHERE session_id = ? AND sealed IS NULL`);
      const upd = this.db.prepare(`UPDATE logs SET sealed = ?, body = '', attributes = '' WHERE id = ?`);
      for (const { session_id: sid } of sessions) {
        const dek = await this.keyring.dekForWrite(sid);
        this.db.transaction(() => {
          for (const r of sel.all(sid) as Array<{ id: number; dedupe_key: string; body: string; attributes: string }>) {
            upd.run(sealLogContent(dek, logRecordAad(sid, r.dedupe_key), { body: JSON.parse(r.body), attributes: JSON.parse(r.attributes) }), r.id);
            n++;
          }
        })();
      }
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.pragma('secure_delete = OFF');
    }
    return n;
  }

  private prepare() {
    const db = this.db;
    const safe = <T extends Database.Statement>(s: T) => s.safeIntegers(true) as T;
    return {
      upsertSpan: db.prepare(`INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, status_code, status_message, attributes, events)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (trace_id, span_id) DO UPDATE SET parent_span_id = excluded.parent_span_id, name = excluded.name, kind = excluded.kind,
          start_ns = excluded.start_ns, end_ns = excluded.end_ns, status_code = excluded.status_code, status_message = excluded.status_message,
          attributes = excluded.attributes, events = excluded.events`),
      // Insert, and only if the trace is already stored (late spans) update it and its memberships' copies:
      // a new trace, the common case, then costs no lookup in session_traces. (INSERT OR REPLACE, as before schema 3,
      // deleted and re-inserted the row, rewriting every index entry of the trace.)
      insertTrace: db.prepare(`INSERT INTO traces (${TRACE_COLUMNS.join(', ')}) VALUES (${TRACE_COLUMNS.map(() => '?').join(', ')})
        ON CONFLICT (trace_id) DO NOTHING`),
      updateTrace: db.prepare(`UPDATE traces SET ${TRACE_COLUMNS.slice(1).map((c) => `${c} = ?`).join(', ')} WHERE trace_id = ?`),
      insertMembership: db.prepare(`INSERT INTO session_traces (session_id, trace_id, start_ms, ${MEMBER_COLUMNS.join(', ')})
        VALUES (?, ?, ?, ${MEMBER_COLUMNS.map(() => '?').join(', ')})
        ON CONFLICT (session_id, trace_id) DO UPDATE SET start_ms = excluded.start_ms, ${MEMBER_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`),
      // the trace row's copy in memberships written by earlier batches (other sessions that hold the trace)
      refreshMemberships: db.prepare(`UPDATE session_traces SET ${MEMBER_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE trace_id = ?`),
      fillRowless: db.prepare(`UPDATE session_traces SET ${MEMBER_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE trace_id = ? AND digest IS NULL`),
      memberColumnsOf: db.prepare(`SELECT ${MEMBER_COLUMNS.join(', ')} FROM traces WHERE trace_id = ?`).raw(true),
      // log_count is owned by the store (bumped by what write() really inserted), so saving a session never resets it.
      saveSession: db.prepare(`INSERT INTO sessions (id, body, status, created_ms, ended_ms) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET body = excluded.body, status = excluded.status, ended_ms = excluded.ended_ms`),
      addLogCount: db.prepare(`UPDATE sessions SET log_count = log_count + ? WHERE id = ?`),
      getSession: db.prepare(`SELECT body, log_count FROM sessions WHERE id = ?`),
      listSessions: db.prepare(`SELECT body, log_count FROM sessions ORDER BY created_ms DESC, id DESC`),
      insertLog: db.prepare(`INSERT OR IGNORE INTO logs (session_id, dedupe_key, time_ns, level, severity_number, severity_text, body, attributes, trace_id, span_id, received_ms, sealed)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      spansOfTrace: safe(db.prepare(`SELECT * FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id`)),
      traceRow: safe(db.prepare(`SELECT * FROM traces WHERE trace_id = ?`)),
      sessionsOfTrace: db.prepare(`SELECT session_id FROM session_traces WHERE trace_id = ?`),
      digests: db.prepare(`SELECT digest FROM session_traces WHERE session_id = ? AND digest IS NOT NULL`).pluck(true),
      addPending: db.prepare(`INSERT INTO pending (trace_id, kind, payload, received_ms) VALUES (?, ?, ?, ?)`),
      deletePending: db.prepare(`DELETE FROM pending WHERE trace_id = ?`),
      loadPending: db.prepare(`SELECT trace_id, kind, payload, received_ms FROM pending ORDER BY id`),
    };
  }

  /**
   * Group commit: batches that arrive in the same event-loop turn (concurrent ingest requests) are written in one
   * transaction at the end of the turn, and each caller's promise settles only after that commit, so an answered
   * request is durable. Any other call on the store writes the queued batches first, so every caller still sees
   * the writes in the order they were made.
   */
  write(batch: WriteBatch): Promise<void> {
    if (!this.keyring) return this.enqueue(batch, undefined);
    const needPending = !this.pendingDek && (batch.pendingAdd ?? []).some((p) => p.kind === 'logs');
    if (batch.logs.length === 0 && !needPending) return this.enqueue(batch, undefined);
    const deks = this.deksFor(batch.logs.map((l) => l.sessionId));
    // Queued at once when every DEK is cached (the common case), so ingest order is unchanged.
    if (deks instanceof Map && !needPending) return this.enqueue(batch, deks);
    return Promise.all([deks, needPending ? this.keyring.dekForWrite(PENDING_KEY_ID) : undefined]).then(([d, p]) => {
      if (p) this.pendingDek = p;
      return this.enqueue(batch, d);
    });
  }

  private enqueue(batch: WriteBatch, deks: Map<string, Buffer> | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ batch, deks, resolve, reject, deadline: answerDeadline() });
      if (!this.flushTimer && !this.walWait) this.flushTimer = setImmediate(() => this.flushUnlessWalHeld());
    });
  }

  /**
   * The timer's group commit. While the WAL is past its bound (checkpointer.ts), commits wait for the checkpoint
   * thread to empty it, so ingest goes only as fast as checkpoints keep up with instead of growing the WAL; while a
   * blocking checkpoint holds the lock they wait on a timer rather than in SQLite's busy wait, which would stall the
   * event loop. At most WAL_HOLD_MAX_MS a group, so a checkpoint that cannot finish never stops ingest.
   */
  private flushUnlessWalHeld(): void {
    this.flushTimer = undefined;
    const hold = this.walHeld();
    if (hold) {
      this.heldSince ??= Date.now();
      if (Date.now() - this.heldSince < WAL_HOLD_MAX_MS[hold]) {
        // a held batch whose request must be answered by now is refused unwritten (503, retried): see ingest/deadline.ts
        const t = performance.now();
        this.queued = this.queued.filter((q) => q.deadline === undefined || q.deadline > t || void q.reject(new StoreUnavailableError(`commits are held for a WAL checkpoint (${hold})`, 1)));
        if (this.queued.length === 0) return;
        this.walWait = setTimeout(() => {
          this.walWait = undefined;
          this.flushUnlessWalHeld();
        }, 5);
        return;
      }
    }
    this.heldSince = undefined;
    this.flush();
  }

  /** Writes the queued batches in one transaction; if it fails, each alone, so a bad batch fails only its own caller. */
  private flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    if (this.walWait) clearTimeout(this.walWait);
    this.flushTimer = this.walWait = undefined;
    const group = this.queued;
    if (group.length === 0) return;
    this.queued = [];
    try {
      // IMMEDIATE (here and in every write transaction): the write lock is taken at BEGIN, where SQLite waits out
      // busy_timeout; a deferred transaction that reads first fails at once with SQLITE_BUSY when it must upgrade
      // while the checkpoint thread holds the lock (checkpointer.ts).
      this.db.transaction(() => {
        for (const q of group) this.writeRows(q.batch, q.deks);
      }).immediate();
      this.answer(group);
    } catch (e) {
      if (group.length === 1) return group[0].reject(e);
      const written: typeof group = [];
      for (const q of group) {
        try {
          this.db.transaction(() => this.writeRows(q.batch, q.deks)).immediate();
          written.push(q);
        } catch (err) {
          q.reject(err);
        }
      }
      this.answer(written);
    }
  }

  /** settles committed batches: at once, or once the WAL is on disk (synchronous 'full') */
  private answer(done: Array<{ resolve: () => void; reject: (e: unknown) => void }>): void {
    if (!this.walSync) return done.forEach((q) => q.resolve());
    if (done.length) this.walSync.after((err) => done.forEach((q) => (err ? q.reject(err) : q.resolve())));
  }

  /** waiting logs hold log content too: sealed with the pending DEK, bound to their trace id */
  private sealPending(traceId: string, kind: string, payload: string): string {
    if (!this.keyring || kind !== 'logs') return payload;
    return sealPendingPayload(this.pendingDek!, traceId, payload);
  }

  /** one batch's rows, inside the caller's transaction */
  private writeRows(batch: WriteBatch, deks: Map<string, Buffer> | undefined): void {
    const s = this.stmts;
    const receivedMs = this.now();
    for (const sp of batch.spans) {
      s.upsertSpan.run(
        sp.traceId,
        sp.spanId,
        sp.parentSpanId,
        sp.name,
        sp.kind,
        BigInt(sp.startTimeUnixNano),
        BigInt(sp.endTimeUnixNano),
        sp.statusCode,
        sp.statusMessage ?? null,
        JSON.stringify(sp.attributes),
        JSON.stringify(sp.events),
      );
    }
    const members = new Map<string, unknown[]>();
    for (const t of batch.traces) {
      const m = memberValues(t);
      const [statusCode, method, path, durationNs, error, routeId, serviceId, digest] = m;
      members.set(t.traceId, m);
      const values = [
        t.traceId,
        BigInt(t.startTimeUnixNano),
        t.startTimeMs,
        durationNs,
        method,
        path,
        t.url ?? null,
        t.host ?? null,
        statusCode,
        t.upstreamStatusCode ?? null,
        routeId,
        serviceId,
        t.consumerId ?? null,
        t.clientAddress ?? null,
        error,
        t.spanCount,
        t.dialect,
        JSON.stringify(t.latency),
        digest,
        JSON.stringify(t.resource),
        t.scopeName ?? null,
        t.scopeVersion ?? null,
        receivedMs,
      ];
      if (s.insertTrace.run(...values).changes > 0) s.fillRowless.run(...m, t.traceId);
      else {
        s.updateTrace.run(...values.slice(1), t.traceId);
        s.refreshMemberships.run(...m, t.traceId);
      }
    }
    for (const [sessionId, traceId, startMs] of batch.memberships) {
      // The trace row usually comes in the same batch; else its stored row (if any) is copied.
      const m = members.get(traceId) ?? (s.memberColumnsOf.get(traceId) as unknown[] | undefined) ?? NO_MEMBER_VALUES;
      s.insertMembership.run(sessionId, traceId, startMs, ...m);
    }
    const logsAdded = new Map<string, number>();
    for (const l of batch.logs) {
      if (deks && !deks.has(l.sessionId)) continue; // its key is unavailable (see deksFor)
      const res = this.insertLog(l, receivedMs, deks?.get(l.sessionId));
      if (res) logsAdded.set(l.sessionId, (logsAdded.get(l.sessionId) ?? 0) + 1);
    }
    for (const sess of batch.sessions) this.saveSessionSync(sess);
    for (const traceId of batch.pendingDone ?? []) s.deletePending.run(traceId);
    for (const p of batch.pendingAdd ?? []) s.addPending.run(p.traceId, p.kind, this.sealPending(p.traceId, p.kind, p.payload), receivedMs);
    // Exact counts: a log re-sent by a retried batch is ignored by the dedupe index and not counted.
    for (const [sessionId, n] of logsAdded) s.addLogCount.run(n, sessionId);
  }

  private insertLog(l: NewLogRecord, receivedMs: number, dek: Buffer | undefined): boolean {
    // Encrypted: the content lives only in `sealed`; body/attributes stay '' (NOT NULL columns of schema 1).
    const sealed = dek ? sealLogContent(dek, logRecordAad(l.sessionId, l.dedupeKey), { body: l.body, attributes: l.attributes }) : null;
    const r = this.stmts.insertLog.run(
      l.sessionId,
      l.dedupeKey,
      BigInt(l.timeUnixNano),
      l.level,
      l.severityNumber,
      l.severityText ?? null,
      sealed ? '' : JSON.stringify(l.body),
      sealed ? '' : JSON.stringify(l.attributes),
      l.traceId ?? null,
      l.spanId ?? null,
      receivedMs,
      sealed,
    );
    return r.changes > 0;
  }

  private saveSessionSync(s: StoredSession): void {
    const ended = s.endedAt ? Date.parse(s.endedAt) : null;
    this.stmts.saveSession.run(s.id, JSON.stringify(s), s.status, Date.parse(s.createdAt), ended);
  }

  saveSession(s: StoredSession): void {
    this.flush();
    this.saveSessionSync(s);
  }

  getSession(id: string): StoredSession | undefined {
    this.flush();
    const r = this.stmts.getSession.get(id) as SessionRow | undefined;
    return r ? fromSessionRow(r) : undefined;
  }

  listSessions(): StoredSession[] {
    this.flush();
    return (this.stmts.listSessions.all() as SessionRow[]).map(fromSessionRow);
  }

  deleteSession(id: string): void {
    this.flush();
    this.db.transaction(() => {
      const orphans = this.db
        .prepare(
          `SELECT st.trace_id FROM session_traces st WHERE st.session_id = ?
           AND NOT EXISTS (SELECT 1 FROM session_traces o WHERE o.trace_id = st.trace_id AND o.session_id != st.session_id)`,
        )
        .all(id) as Array<{ trace_id: string }>;
      const delSpans = this.db.prepare(`DELETE FROM spans WHERE trace_id = ?`);
      const delTrace = this.db.prepare(`DELETE FROM traces WHERE trace_id = ?`);
      for (const o of orphans) {
        delSpans.run(o.trace_id);
        delTrace.run(o.trace_id);
      }
      this.db.prepare(`DELETE FROM session_traces WHERE session_id = ?`).run(id);
      this.db.prepare(`DELETE FROM logs WHERE session_id = ?`).run(id);
      // Crypto-shredding: without its wrapped DEK, any copy of the session's sealed rows is unreadable.
      this.db.prepare(`DELETE FROM session_keys WHERE session_id = ?`).run(id);
      this.db.prepare(`DELETE FROM sessions WHERE id = ?`).run(id);
    }).immediate();
    this.keyring?.forget(id);
  }

  listTraces(sessionId: string, f: TraceQueryFilters): TraceListResult {
    this.flush();
    const where: string[] = ['st.session_id = ?'];
    const args: unknown[] = [sessionId];
    if (f.status) {
      const [lo, hi] = parseStatusFilter(f.status);
      where.push('st.status_code BETWEEN ? AND ?');
      args.push(lo, hi);
    }
    if (f.minDurationMs != null) {
      where.push('st.duration_ns >= ?');
      args.push(Math.round(f.minDurationMs * 1e6));
    }
    if (f.method) {
      where.push('st.method = ?');
      args.push(f.method.toUpperCase());
    }
    if (f.path) {
      // Prefix match without LIKE wildcards leaking from user input.
      where.push('substr(st.path, 1, ?) = ?');
      args.push(f.path.length, f.path);
    }
    if (f.routeId) {
      where.push('st.route_id = ?');
      args.push(f.routeId);
    }
    if (f.serviceId) {
      where.push('st.service_id = ?');
      args.push(f.serviceId);
    }
    if (f.errorsOnly) where.push('st.error = 1');
    if (f.spanErrorsOnly) where.push(SPAN_ERRORS_WHERE.sqlite);
    if (f.from != null) {
      where.push('st.start_ms >= ?');
      args.push(f.from);
    }
    if (f.to != null) {
      where.push('st.start_ms <= ?');
      args.push(f.to);
    }
    if (f.cursor) {
      const c = decodeCursor(f.cursor);
      where.push('(st.start_ms < ? OR (st.start_ms = ? AND st.trace_id < ?))');
      args.push(Number(c[0]), Number(c[0]), c[1]);
    }
    const limit = f.limit ?? 50;
    // Filters read only the membership's copies (session_traces_list covers them); `traces` is joined for the page's rows.
    const rows = this.db
      .prepare(
        `SELECT t.* FROM session_traces st JOIN traces t ON t.trace_id = st.trace_id
         WHERE ${where.join(' AND ')} ORDER BY st.start_ms DESC, st.trace_id DESC LIMIT ?`,
      )
      .safeIntegers(true)
      .all(...args, limit + 1) as Row[];
    return tracePage(rows, limit);
  }

  getSpans(traceId: string): Span[] {
    this.flush();
    return (this.stmts.spansOfTrace.all(traceId) as Row[]).map(toSpan);
  }

  getTraceRow(traceId: string): TraceRow | undefined {
    this.flush();
    const r = this.stmts.traceRow.get(traceId) as Row | undefined;
    if (!r) return undefined;
    const row: TraceRow = {
      ...toTraceItem(r),
      resource: JSON.parse(r.resource as string),
      digest: JSON.parse(r.digest as string),
    };
    if (r.scope_name != null) row.scopeName = r.scope_name as string;
    if (r.scope_version != null) row.scopeVersion = r.scope_version as string;
    return row;
  }

  sessionsOfTrace(traceId: string): string[] {
    this.flush();
    return (this.stmts.sessionsOfTrace.all(traceId) as Array<{ session_id: string }>).map((r) => r.session_id);
  }

  digests(sessionId: string): TraceDigest[] {
    this.flush();
    return (this.stmts.digests.all(sessionId) as string[]).map((d) => JSON.parse(d));
  }

  listLogs(sessionId: string, f: LogQueryFilters): { logs: LogRecord[]; nextCursor?: string } | Promise<{ logs: LogRecord[]; nextCursor?: string }> {
    this.flush();
    const where: string[] = ['l.session_id = ?'];
    const args: unknown[] = [sessionId];
    if (f.traceId) {
      where.push('l.trace_id = ?');
      args.push(f.traceId.toLowerCase());
    }
    if (f.spanId) {
      where.push('l.span_id = ?');
      args.push(f.spanId.toLowerCase());
    }
    if (f.level) {
      const levels = parseLevels(f.level);
      where.push(`l.level IN (${levels.map(() => '?').join(', ')})`);
      args.push(...levels);
    }
    if (f.from != null) {
      where.push('l.time_ns >= ?');
      args.push(BigInt(Math.floor(f.from)) * 1_000_000n);
    }
    if (f.to != null) {
      where.push('l.time_ns <= ?');
      args.push(BigInt(Math.floor(f.to)) * 1_000_000n + 999_999n);
    }
    if (f.cursor) {
      const [ns, id] = decodeCursor(f.cursor);
      where.push('(l.time_ns < ? OR (l.time_ns = ? AND l.id < ?))');
      args.push(BigInt(ns), BigInt(ns), Number(id));
    }
    const limit = f.limit ?? 100;
    // The span name is joined in so the log view can show it without a second request.
    const rows = this.db
      .prepare(
        `SELECT l.*, s.name AS span_name FROM logs l
         LEFT JOIN spans s ON s.trace_id = l.trace_id AND s.span_id = l.span_id
         WHERE ${where.join(' AND ')} ORDER BY l.time_ns DESC, l.id DESC LIMIT ?`,
      )
      .safeIntegers(true)
      .all(...args, limit + 1) as Row[];
    // Sealed rows need the session's DEK: synchronous when cached, else one provider call for the whole page.
    if (!rows.some((r) => r.sealed != null)) return this.logPage(rows, limit, undefined);
    if (!this.keyring) throw new LogKeyUnavailableError(sessionId, undefined, 'the server runs without a key provider but the logs are encrypted');
    const dek = this.keyring.cached(sessionId);
    if (dek) return this.logPage(rows, limit, dek);
    return this.keyring.dekForRead(sessionId).then((d) => this.logPage(rows, limit, d));
  }

  private logPage(rows: Row[], limit: number, dek: Buffer | undefined): { logs: LogRecord[]; nextCursor?: string } {
    const logs = rows.slice(0, limit).map((r) => toLogRecord(r, logRowContent(r, dek)));
    const out: { logs: LogRecord[]; nextCursor?: string } = { logs };
    if (rows.length > limit) {
      const last = logs[logs.length - 1];
      out.nextCursor = encodeCursor([last.timeUnixNano, last.id]);
    }
    return out;
  }


  purge(cutoffMs: number): { traces: number; logs: number; sessions: number } {
    this.flush();
    return this.db.transaction(() => {
      const logs = this.db.prepare(`DELETE FROM logs WHERE received_ms < ?`).run(cutoffMs).changes;
      const old = this.db.prepare(`SELECT trace_id FROM traces WHERE received_ms < ?`).all(cutoffMs) as Array<{ trace_id: string }>;
      const delSpans = this.db.prepare(`DELETE FROM spans WHERE trace_id = ?`);
      const delMember = this.db.prepare(`DELETE FROM session_traces WHERE trace_id = ?`);
      for (const t of old) {
        delSpans.run(t.trace_id);
        delMember.run(t.trace_id);
      }
      const traces = this.db.prepare(`DELETE FROM traces WHERE received_ms < ?`).run(cutoffMs).changes;
      // A session goes once it ended before the cutoff; its data went with the rows above.
      const sessions = this.db.prepare(`DELETE FROM sessions WHERE ended_ms IS NOT NULL AND ended_ms < ?`).run(cutoffMs).changes;
      // Keys of sessions that are gone and have no logs left go too (crypto-shredding).
      this.db
        .prepare(`DELETE FROM session_keys WHERE session_id NOT IN (SELECT id FROM sessions) AND session_id NOT IN (SELECT DISTINCT session_id FROM logs) AND session_id != ?`)
        .run(PENDING_KEY_ID);
      return { traces, logs, sessions };
    }).immediate();
  }

  /** Moves the WAL into the database without waiting on readers; the server calls it every second. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  loadPending(): PendingRow[] {
    this.flush();
    return openPendingRows(this.stmts.loadPending.all() as Array<{ trace_id: string; kind: 'spans' | 'logs'; payload: string; received_ms: number }>, this.pendingDek);
  }

  deletePending(traceIds: string[]): void {
    this.flush();
    this.db.transaction(() => {
      for (const id of traceIds) this.stmts.deletePending.run(id);
    }).immediate();
  }

  /** WAL checkpoints on their own thread while the server runs (see checkpointer.ts) */
  startMaintenance(): Checkpointer {
    return startCheckpointer(this.dataDir);
  }

  close(): void {
    this.flush();
    this.walSync?.flushSync();
    this.db.close();
  }
}
