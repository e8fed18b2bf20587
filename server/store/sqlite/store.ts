import type Database from 'better-sqlite3';
import path from 'node:path';
import type { LogQueryFilters, LogRecord, SessionSummary, Span, TraceDetail, TraceQueryFilters, TraceSearchFilters } from '../../../common/api';
import type { TraceDigest } from '../../../common/lifecycle';
import { DEFAULT_TENANT } from '../../auth/roles';
import { logRecordAad, sealLogContent } from '../../crypto/envelope';
import { SessionKeyring, type DekRow, type DekStore } from '../../crypto/keyring';
import { DATABASE_FILE, DEFAULT_SYNCHRONOUS, openDatabase } from '../database';
import { WalSync } from '../wal-sync';
import { startCheckpointer, walHeld, type Checkpointer, type WalHold } from '../checkpointer';
import { answerDeadline } from '../deadline';
import { AlertSessionRunningError, alertKey, StoreUnavailableError } from '../errors';
import { logListConditions, SPAN_ERRORS, traceListConditions, traceSearchStatements } from '../filters';
import { logPage, logRowContent } from '../log-content';
import { LogKeys } from '../log-keys';
import { openWaitingRows, WAITING_KEY_ID } from '../waiting-seal';
import { searchPage, storedDigest, storedLatency, toDigest, toLogRecord, toTraceItem, toTraceRow, tracePage, type Row } from '../rows';
import { sessionDeletion } from '../session-deletion';
import { SqlArgs } from '../sql';
import type { NewLogRecord, WaitingRow, ReceivedLog, ReceivedTrace, SessionFilter, StoredSession, Store, StoreOptions, TraceListResult, StoredTrace, WriteBatch } from '../types';
import { LIST_COLUMNS, MEMBER_COLUMNS, migrate, TRACE_COLUMNS } from './schema';
import { mergeSpans } from '../../../common/spans';
import { encodeSpans, originOf, type TraceOrigin } from '../span-codec';
import { summarizeStoredDigests } from '../digest-summary';
import { digestOfSpans, nameLogSpans, spansFromRecords, traceDetailFromRecords, traceFromRecords } from '../trace-spans';

/** session_keys row whose DEK seals log records still waiting for their trace's decision (`waiting`, kind 'logs') */
export { WAITING_KEY_ID } from '../waiting-seal';

const NO_MEMBER_VALUES: unknown[] = MEMBER_COLUMNS.map(() => null);

/** a trace row's MEMBER_COLUMNS values, in that order, as stored */
function memberValues(t: StoredTrace): unknown[] {
  return [
    t.statusCode ?? null,
    t.method ?? null,
    t.path ?? null,
    Math.round(t.durationNs),
    t.error ? 1 : 0,
    t.routeId ?? null,
    t.serviceId ?? null,
    JSON.stringify(storedDigest(t.digest)),
  ];
}

interface SessionRow {
  body: string;
  log_count: number;
}

function fromSessionRow(r: SessionRow): StoredSession {
  return { ...JSON.parse(r.body), logCount: Number(r.log_count) };
}

/** the longest a group commit waits for the checkpoint thread to empty the WAL, and for a blocking checkpoint (flushUnlessWalHeld) */
const WAL_HOLD_MAX_MS = { size: 500, checkpoint: 5000, full: 500 };


export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private db: Database.Database;
  private stmts: ReturnType<SqliteStore['prepare']>;
  /** set when logs are encrypted at rest (opts.keyProvider); absent = plaintext logs (tests, explicit opt-out) */
  readonly keyring?: SessionKeyring;
  /** log encryption (the waiting DEK is held for the store's life so loadWaiting() stays synchronous) */
  private readonly keys: LogKeys;
  /** batches waiting for the group commit at the end of this event-loop turn (see write) */
  private queued: Array<{ batch: WriteBatch; deks: Map<string, Buffer> | undefined; resolve: () => void; reject: (e: unknown) => void; deadline?: number }> = [];
  private flushTimer?: NodeJS.Immediate;
  /** fsyncs the WAL before committed batches are answered (synchronous 'full') */
  private readonly walSync?: WalSync;
  /** whether the timer's group commit waits for the checkpoint thread (see flushUnlessWalHeld) */
  private readonly walHeld: () => WalHold;
  /** the last batch's received time (see writeRows) */
  private lastReceivedMs = 0;
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
    // Reads through a memory map instead of a read() a page (SQLite caps it at 2 GB of the file): measured at
    // 1,000,000 traces (2.6 GB), a filtered first page's p50 12 -> 4.4 ms (issue 17). Pages read that way count in
    // the process's RSS, though they are the OS's file cache.
    this.db.pragma('mmap_size = 2147418112');
    // Checkpoints run on a timer (checkpoint()), not inside an ingest commit: measured, that is ~60 % of insert time.
    this.db.pragma('wal_autocheckpoint = 0');
    migrate(this.db);
    this.stmts = this.prepare();
    // received times keep increasing across a restart, even if the clock went back meanwhile (both indexed)
    this.lastReceivedMs = Number(
      (this.db.prepare(`SELECT max(m) AS m FROM (SELECT max(received_ms) AS m FROM traces UNION ALL SELECT max(received_ms) FROM logs)`).get() as { m: number | null }).m ?? 0,
    );
    // A session's tenant picks the provider, so a tenant that brings its own key gets its sessions wrapped by it.
    if (opts.keyProvider) this.keyring = new SessionKeyring(opts.keyProvider, this.dekStore(), { tenantOf: (id) => this.getSession(id)?.tenant, ...opts.keyCache });
    this.keys = new LogKeys(this.keyring);
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

  /** loads the DEK of waiting logs when sealed ones wait (before the pipeline restores them) */
  async prepareKeys(): Promise<void> {
    this.flush();
    await this.keys.loadWaitingDek(() => this.db.prepare(`SELECT 1 FROM waiting WHERE kind = 'logs' AND payload LIKE 'sealed:%'`).get() !== undefined);
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
      spansRecord: db.prepare(`SELECT spans FROM traces WHERE tenant = ? AND trace_id = ?`).pluck(true),
      setSpans: db.prepare(`UPDATE traces SET spans = ? WHERE tenant = ? AND trace_id = ?`),
      // Insert, and only if the trace is already stored (late spans) update it and its memberships' copies:
      // a new trace, the common case, then costs no lookup in session_traces. (INSERT OR REPLACE, as before schema 3,
      // deleted and re-inserted the row, rewriting every index entry of the trace.)
      insertTrace: db.prepare(`INSERT INTO traces (${TRACE_COLUMNS.join(', ')}) VALUES (${TRACE_COLUMNS.map(() => '?').join(', ')})
        ON CONFLICT (tenant, trace_id) DO NOTHING`),
      updateTrace: db.prepare(`UPDATE traces SET ${TRACE_COLUMNS.slice(2).map((c) => `${c} = ?`).join(', ')} WHERE tenant = ? AND trace_id = ?`),
      insertMembership: db.prepare(`INSERT INTO session_traces (tenant, session_id, trace_id, start_ms, ${MEMBER_COLUMNS.join(', ')})
        VALUES (?, ?, ?, ?, ${MEMBER_COLUMNS.map(() => '?').join(', ')})
        ON CONFLICT (session_id, trace_id) DO UPDATE SET start_ms = excluded.start_ms, ${MEMBER_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`),
      // the trace row's copy in memberships written by earlier batches (other sessions that hold the trace)
      refreshMemberships: db.prepare(`UPDATE session_traces SET ${MEMBER_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE tenant = ? AND trace_id = ?`),
      fillRowless: db.prepare(`UPDATE session_traces SET ${MEMBER_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE tenant = ? AND trace_id = ? AND digest IS NULL`),
      // another membership's copies, for a membership written after its trace row
      memberColumnsOf: db.prepare(`SELECT ${MEMBER_COLUMNS.join(', ')} FROM session_traces WHERE tenant = ? AND trace_id = ? AND digest IS NOT NULL LIMIT 1`).raw(true),
      rowMemberColumns: db.prepare(`SELECT status_code, method, path, duration_ns, error, route_id, service_id FROM traces WHERE tenant = ? AND trace_id = ?`).raw(true),
      // log_count is owned by the store (bumped by what write() really inserted), so saving a session never resets it.
      saveSession: db.prepare(`INSERT INTO sessions (id, body, status, created_ms, ended_ms, alert_key) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET body = excluded.body, status = excluded.status, ended_ms = excluded.ended_ms, alert_key = excluded.alert_key`),
      addLogCount: db.prepare(`UPDATE sessions SET log_count = log_count + ? WHERE id = ?`),
      getSession: db.prepare(`SELECT body, log_count FROM sessions WHERE id = ?`),
      listSessions: db.prepare(`SELECT body, log_count FROM sessions ORDER BY created_ms DESC, id DESC`),
      alertSessions: db.prepare(`SELECT body, log_count FROM sessions WHERE alert_key = ? ORDER BY created_ms DESC, id DESC`),
      insertLog: db.prepare(`INSERT OR IGNORE INTO logs (session_id, dedupe_key, time_ns, level, severity_number, severity_text, body, attributes, trace_id, span_id, received_ms, sealed)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      traceRow: safe(
        db.prepare(`SELECT t.*, (SELECT st.digest FROM session_traces st WHERE st.tenant = t.tenant AND st.trace_id = t.trace_id AND st.digest IS NOT NULL LIMIT 1) AS digest
          FROM traces t WHERE t.tenant = ? AND t.trace_id = ?`),
      ),
      sessionsOfTrace: db.prepare(`SELECT session_id FROM session_traces WHERE tenant = ? AND trace_id = ?`),
      digests: db.prepare(`SELECT trace_id, start_ms, digest FROM session_traces WHERE session_id = ? AND digest IS NOT NULL`),
      // the digests' text only, no row objects: what a session summary reads
      digestTexts: db.prepare(`SELECT digest FROM session_traces WHERE session_id = ? AND digest IS NOT NULL`).pluck(),
      addWaiting: db.prepare(`INSERT INTO waiting (tenant, trace_id, kind, payload, received_ms) VALUES (?, ?, ?, ?, ?)`),
      deleteWaiting: db.prepare(`DELETE FROM waiting WHERE tenant = ? AND trace_id = ?`),
      loadWaiting: db.prepare(`SELECT tenant, trace_id, kind, payload, received_ms FROM waiting ORDER BY id`),
    };
  }

  /**
   * Group commit: batches that arrive in the same event-loop turn (concurrent ingest requests) are written in one
   * transaction at the end of the turn, and each caller's promise settles only after that commit, so an answered
   * request is durable. Any other call on the store writes the queued batches first, so every caller still sees
   * the writes in the order they were made.
   */
  write(batch: WriteBatch): Promise<void> {
    const deks = this.keys.forBatch(batch);
    // Queued at once when every DEK is cached (the common case), so ingest order is unchanged.
    if (deks instanceof Promise) return deks.then((d) => this.enqueue(batch, d));
    return this.enqueue(batch, deks);
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
   * event loop. At most WAL_HOLD_MAX_MS a group, so a checkpoint that cannot finish never stops ingest; but with the
   * WAL nearly at its limit (`full`), a group that waited that long is refused (503, retried by exporters) instead:
   * the limit is a bound, and what is refused was never acknowledged.
   */
  private flushUnlessWalHeld(): void {
    this.flushTimer = undefined;
    const hold = this.walHeld();
    if (hold) {
      this.heldSince ??= Date.now();
      if (Date.now() - this.heldSince < WAL_HOLD_MAX_MS[hold]) {
        // a held batch whose request must be answered by now is refused unwritten (503, retried): see store/deadline.ts
        const t = performance.now();
        this.queued = this.queued.filter((q) => q.deadline === undefined || q.deadline > t || void q.reject(new StoreUnavailableError(`commits are held for a WAL checkpoint (${hold})`, 1)));
        if (this.queued.length === 0) return;
        this.walWait = setTimeout(() => {
          this.walWait = undefined;
          this.flushUnlessWalHeld();
        }, 5);
        return;
      }
      if (hold === 'full') {
        const group = this.queued;
        this.queued = [];
        this.heldSince = undefined;
        for (const q of group) q.reject(new StoreUnavailableError('the write-ahead log is at its size limit while a checkpoint empties it', 1));
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

  /** one batch's rows, inside the caller's transaction */
  private writeRows(batch: WriteBatch, deks: Map<string, Buffer> | undefined): void {
    const s = this.stmts;
    // Strictly increasing per batch: a live stream's position (received ms, id) then never sees a later batch
    // land before it (server/live).
    const receivedMs = Math.max(this.now(), this.lastReceivedMs + 1);
    this.lastReceivedMs = receivedMs;
    const tenant = batch.tenant;
    // A trace's spans are one record in its row: new traces (the common case) are encoded once; late spans of a
    // stored trace are merged into its record (one writer, so nothing is lost between the read and the write).
    const fresh = new Map<string, Span[]>();
    for (const sp of batch.spans) {
      const list = fresh.get(sp.traceId);
      if (list) list.push(sp);
      else fresh.set(sp.traceId, [sp]);
    }
    // the batch's row gives the trace's origin; without one the stored origin stays
    const merged = (traceId: string, spans: Span[], origin?: TraceOrigin): Buffer => {
      const stored = s.spansRecord.get(tenant, traceId) as Buffer | undefined;
      if (!stored) return encodeSpans(spans, origin);
      const had = traceFromRecords(traceId, [stored]);
      return encodeSpans(spans.length ? mergeSpans(had.spans, spans) : had.spans, origin ?? had.origin);
    };
    const members = new Map<string, unknown[]>();
    for (const t of batch.traces) {
      const m = memberValues(t);
      const [statusCode, method, path, durationNs, error, routeId, serviceId] = m;
      members.set(t.traceId, m);
      const values = [
        tenant,
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
        storedLatency(t.latency),
        t.requestId ?? null,
        t.spanErrorCount ?? null,
        receivedMs,
      ];
      const spans = fresh.get(t.traceId) ?? [];
      fresh.delete(t.traceId);
      const origin = originOf(t);
      if (s.insertTrace.run(...values, encodeSpans(spans, origin)).changes > 0) s.fillRowless.run(...m, tenant, t.traceId);
      else {
        s.updateTrace.run(...values.slice(2), merged(t.traceId, spans, origin), tenant, t.traceId);
        s.refreshMemberships.run(...m, tenant, t.traceId);
      }
    }
    // Spans without their trace row in the batch: only into a stored trace (the pipeline always sends the row).
    for (const [traceId, spans] of fresh) {
      if (s.setSpans.run(merged(traceId, spans), tenant, traceId).changes === 0) throw new Error(`spans of trace ${traceId} come without its trace row`);
    }
    for (const [sessionId, traceId, startMs] of batch.memberships) {
      // The trace row usually comes in the same batch; else another membership's copies, else the stored row's.
      const m = members.get(traceId) ?? (s.memberColumnsOf.get(tenant, traceId) as unknown[] | undefined) ?? this.storedMemberValues(tenant, traceId);
      s.insertMembership.run(tenant, sessionId, traceId, startMs, ...m);
    }
    const logsAdded = new Map<string, number>();
    for (const l of batch.logs) {
      if (!this.keys.canStore(l, deks)) continue;
      const res = this.insertLog(l, receivedMs, this.keys.seal(l, deks));
      if (res) logsAdded.set(l.sessionId, (logsAdded.get(l.sessionId) ?? 0) + 1);
    }
    for (const sess of batch.sessions) this.saveSessionSync(sess);
    for (const traceId of batch.waitingDone ?? []) s.deleteWaiting.run(tenant, traceId);
    for (const p of batch.waitingAdd ?? []) s.addWaiting.run(tenant, p.traceId, p.kind, this.keys.sealWaiting(p.traceId, p.kind, p.payload), receivedMs);
    // Exact counts: a log re-sent by a retried batch is ignored by the dedupe index and not counted.
    for (const [sessionId, n] of logsAdded) s.addLogCount.run(n, sessionId);
  }

  /** the membership copies of a stored trace no membership describes yet (digest from its spans), or NULLs without a row */
  private storedMemberValues(tenant: string, traceId: string): unknown[] {
    const row = this.stmts.rowMemberColumns.get(tenant, traceId) as unknown[] | undefined;
    if (!row) return NO_MEMBER_VALUES;
    const spans = spansFromRecords(traceId, [this.stmts.spansRecord.get(tenant, traceId) as Buffer]);
    return [...row, JSON.stringify(storedDigest(digestOfSpans(traceId, spans)))];
  }

  private insertLog(l: NewLogRecord, receivedMs: number, sealed: Buffer | null): boolean {
    // Encrypted: the content lives only in `sealed`; body/attributes stay '' (NOT NULL columns of schema 1).
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
    const key = s.alert ? alertKey(s.tenant ?? DEFAULT_TENANT, s.alert.fingerprint) : null;
    try {
      this.stmts.saveSession.run(s.id, JSON.stringify(s), s.status, Date.parse(s.createdAt), ended, key);
    } catch (e) {
      if (key && (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AlertSessionRunningError(key);
      throw e;
    }
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

  listSessions(filter: SessionFilter = {}): StoredSession[] {
    this.flush();
    const rows = filter.alertKey !== undefined ? this.stmts.alertSessions.all(filter.alertKey) : this.stmts.listSessions.all();
    return (rows as SessionRow[]).map(fromSessionRow);
  }

  deleteSession(id: string): void {
    this.flush();
    this.db.transaction(() => {
      // spans live in the trace row
      for (const st of sessionDeletion(id, 'sqlite', ['traces'])) this.db.prepare(st.sql).run(...st.values);
    }).immediate();
    this.keyring?.forget(id);
  }

  listTraces(sessionId: string, f: TraceQueryFilters): TraceListResult {
    this.flush();
    const a = new SqlArgs('sqlite');
    const where = traceListConditions(sessionId, f, a);
    const limit = f.limit ?? 50;
    // Filters read only the membership's copies (session_traces_list covers them); `traces` is joined for the page's rows.
    const rows = this.db
      .prepare(
        `SELECT ${LIST_COLUMNS.map((c) => `t.${c}`).join(', ')}, ${SPAN_ERRORS.sqlite} AS span_errors FROM session_traces st JOIN traces t ON t.tenant = st.tenant AND t.trace_id = st.trace_id
         WHERE ${where.join(' AND ')} ORDER BY st.start_ms DESC, st.trace_id DESC LIMIT ${a.add(limit + 1)}`,
      )
      .safeIntegers(true)
      .all(...a.values) as Row[];
    return tracePage(rows, limit);
  }

  searchTraces(tenant: string, f: TraceSearchFilters, scan: number): TraceListResult {
    this.flush();
    const { page, bound, needsBound } = traceSearchStatements(tenant, f, 'sqlite', [...LIST_COLUMNS, 'span_errors'], scan);
    const rows = this.db.prepare(page.sql).safeIntegers(true).all(...page.values) as Row[];
    const last = needsBound(rows.length) ? (this.db.prepare(bound.sql).all(...bound.values) as Row[]) : [];
    return searchPage(rows, f.limit ?? 50, last);
  }

  spansOfTraces(tenant: string, traceIds: string[]): Map<string, Span[]> {
    this.flush();
    const out = new Map<string, Span[]>();
    for (const id of traceIds) {
      const record = this.stmts.spansRecord.get(tenant, id) as Buffer | undefined;
      if (record) out.set(id, spansFromRecords(id, [record]));
    }
    return out;
  }

  sessionsOfTraces(tenant: string, traceIds: string[]): Map<string, string[]> {
    this.flush();
    const out = new Map<string, string[]>();
    for (const id of traceIds) {
      const sessions = (this.stmts.sessionsOfTrace.all(tenant, id) as Array<{ session_id: string }>).map((r) => r.session_id);
      if (sessions.length) out.set(id, sessions);
    }
    return out;
  }

  getSpans(tenant: string, traceId: string): Span[] {
    this.flush();
    const record = this.stmts.spansRecord.get(tenant, traceId) as Buffer | undefined;
    return record ? spansFromRecords(traceId, [record]) : [];
  }

  getTraceDetail(tenant: string, traceId: string): TraceDetail | undefined {
    this.flush();
    const record = this.stmts.spansRecord.get(tenant, traceId) as Buffer | undefined;
    return record ? traceDetailFromRecords(traceId, [record]) : undefined;
  }

  getTraceRow(tenant: string, traceId: string): StoredTrace | undefined {
    this.flush();
    const r = this.stmts.traceRow.get(tenant, traceId) as Row | undefined;
    if (!r) return undefined;
    const { spans, origin } = traceFromRecords(traceId, [r.spans as Buffer]);
    r.digest ??= JSON.stringify(storedDigest(digestOfSpans(traceId, spans)));
    return toTraceRow(r, origin);
  }

  sessionsOfTrace(tenant: string, traceId: string): string[] {
    this.flush();
    return (this.stmts.sessionsOfTrace.all(tenant, traceId) as Array<{ session_id: string }>).map((r) => r.session_id);
  }

  digests(sessionId: string): TraceDigest[] {
    this.flush();
    return (this.stmts.digests.all(sessionId) as Row[]).map(toDigest);
  }

  sessionSummary(sessionId: string): SessionSummary {
    this.flush();
    return summarizeStoredDigests(sessionId, this.stmts.digestTexts.all(sessionId) as string[]);
  }

  tracesReceivedAfter(sessionId: string, afterMs: number, afterTraceId: string, limit: number): ReceivedTrace[] {
    this.flush();
    // The session's memberships (bounded by its trace cap), their rows filtered by when they were written.
    const rows = this.db
      .prepare(
        `SELECT ${LIST_COLUMNS.map((c) => `t.${c}`).join(', ')}, t.received_ms, ${SPAN_ERRORS.sqlite} AS span_errors
         FROM session_traces st JOIN traces t ON t.tenant = st.tenant AND t.trace_id = st.trace_id
         WHERE st.session_id = ? AND (t.received_ms > ? OR (t.received_ms = ? AND t.trace_id > ?))
         ORDER BY t.received_ms, t.trace_id LIMIT ?`,
      )
      .safeIntegers(true)
      .all(sessionId, afterMs, afterMs, afterTraceId, limit) as Row[];
    return rows.map((r) => ({ trace: toTraceItem(r), receivedMs: Number(r.received_ms) }));
  }

  async logsReceivedAfter(sessionId: string, afterMs: number, afterLogId: number, limit: number): Promise<ReceivedLog[]> {
    this.flush();
    const tenant = this.getSession(sessionId)?.tenant ?? DEFAULT_TENANT;
    const rows = this.db
      .prepare(`SELECT l.* FROM logs l WHERE l.session_id = ? AND (l.received_ms > ? OR (l.received_ms = ? AND l.id > ?)) ORDER BY l.received_ms, l.id LIMIT ?`)
      .safeIntegers(true)
      .all(sessionId, afterMs, afterMs, afterLogId, limit) as Row[];
    nameLogSpans(rows, (traceId) => this.getSpans(tenant, traceId));
    const dek = await this.keys.forPage(sessionId, rows);
    return rows.map((r) => ({ log: toLogRecord(r, logRowContent(r, dek)), receivedMs: Number(r.received_ms) }));
  }

  listLogs(sessionId: string, f: LogQueryFilters): { logs: LogRecord[]; nextCursor?: string } | Promise<{ logs: LogRecord[]; nextCursor?: string }> {
    this.flush();
    const a = new SqlArgs('sqlite');
    // the session's tenant: span names come from that tenant's copy of the trace
    const tenant = this.getSession(sessionId)?.tenant ?? DEFAULT_TENANT;
    const where = logListConditions(sessionId, f, a);
    const limit = f.limit ?? 100;
    const rows = this.db
      .prepare(`SELECT l.* FROM logs l WHERE ${where.join(' AND ')} ORDER BY l.time_ns DESC, l.id DESC LIMIT ${a.add(limit + 1)}`)
      .safeIntegers(true)
      .all(...a.values) as Row[];
    nameLogSpans(rows, (traceId) => this.getSpans(tenant, traceId));
    // Sealed rows need the session's DEK: synchronous when cached, else one provider call for the whole page.
    const dek = this.keys.forPage(sessionId, rows);
    return dek instanceof Promise ? dek.then((d) => logPage(rows, limit, d)) : logPage(rows, limit, dek);
  }

  purge(cutoffMs: number): { traces: number; logs: number; sessions: number } {
    this.flush();
    return this.db.transaction(() => {
      const logs = this.db.prepare(`DELETE FROM logs WHERE received_ms < ?`).run(cutoffMs).changes;
      const old = this.db.prepare(`SELECT tenant, trace_id FROM traces WHERE received_ms < ?`).all(cutoffMs) as Array<{ tenant: string; trace_id: string }>;
      const delMember = this.db.prepare(`DELETE FROM session_traces WHERE tenant = ? AND trace_id = ?`);
      for (const t of old) delMember.run(t.tenant, t.trace_id);
      const traces = this.db.prepare(`DELETE FROM traces WHERE received_ms < ?`).run(cutoffMs).changes;
      // A session goes once it ended before the cutoff; its data went with the rows above.
      const sessions = this.db.prepare(`DELETE FROM sessions WHERE ended_ms IS NOT NULL AND ended_ms < ?`).run(cutoffMs).changes;
      // Keys of sessions that are gone and have no logs left go too (crypto-shredding).
      this.db
        .prepare(`DELETE FROM session_keys WHERE session_id NOT IN (SELECT id FROM sessions) AND session_id NOT IN (SELECT DISTINCT session_id FROM logs) AND session_id != ?`)
        .run(WAITING_KEY_ID);
      return { traces, logs, sessions };
    }).immediate();
  }

  /** Moves the WAL into the database without waiting on readers; the server calls it every second. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  loadWaiting(): WaitingRow[] {
    this.flush();
    return openWaitingRows(this.stmts.loadWaiting.all() as Array<{ tenant: string; trace_id: string; kind: 'spans' | 'logs'; payload: string; received_ms: number }>, this.keys.waitingDek);
  }

  deleteWaiting(tenant: string, traceIds: string[]): void {
    this.flush();
    this.db.transaction(() => {
      for (const id of traceIds) this.stmts.deleteWaiting.run(tenant, id);
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
