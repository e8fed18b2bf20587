import type {
  LogQueryFilters,
  LogRecord,
  Session,
  SessionSummary,
  Span,
  TraceDetail,
  TraceListItem,
  TraceQueryFilters,
  TraceSearchFilters,
  AttributeValue,
} from '../../common/api';
import type { TraceDigest } from '../../common/lifecycle';
import type { KeyringOptions } from '../crypto/keyring';
import type { KeyProvider, ProviderResolver } from '../crypto/provider';
import type { Pool } from 'pg';
import type { Synchronous } from './database';
import type { CheckpointStats, WalHold } from './checkpointer';

/** Store construction options. */
export interface StoreOptions {
  /** encrypts log body + attributes at rest with per-session DEKs wrapped by this provider (see server/crypto) */
  keyProvider?: KeyProvider | ProviderResolver;
  keyCache?: KeyringOptions;
  /** SQLite: when a commit is on disk (database.ts; default `full`: fsynced before callers are answered) */
  synchronous?: Synchronous;
  /** SQLite: whether group commits wait, and why (default: what its checkpoint thread says, checkpointer.ts walHeld) */
  walHeld?: () => WalHold;
}

/** A session as stored: the API shape plus the absolute times the manager schedules by. */
export interface StoredSession extends Session {}

export interface SessionFilter {
  alertKey?: string;
}

/** One trace row, as the trace list and the summaries need it; recomputed whenever spans of the trace arrive. */
export interface StoredTrace extends TraceListItem {
  resource: Record<string, AttributeValue>;
  scopeName?: string;
  scopeVersion?: string;
  digest: TraceDigest;
}

export interface NewLogRecord extends Omit<LogRecord, 'id' | 'spanName'> {
  /** identifies a record across retries of the same OTLP batch, so a re-sent batch is not stored twice */
  dedupeKey: string;
}

/**
 * Everything one ingest call writes, applied atomically. One ingest request carries one token, so one
 * tenant: its spans, trace rows, memberships and waiting rows are that tenant's. Trace ids are only unique
 * within a tenant (two teams' gateways can carry the same W3C trace id), so every trace key is (tenant, trace id).
 */
export interface WriteBatch {
  tenant: string;
  spans: Span[];
  traces: StoredTrace[];
  /** trace membership: [sessionId, traceId, startMs] */
  memberships: Array<[string, string, number]>;
  /** session trace counters and statuses changed by this batch */
  sessions: StoredSession[];
  logs: NewLogRecord[];
  /** spans or logs waiting for their trace's decision, kept until it is made (crash safety) */
  waitingAdd?: Array<{ traceId: string; kind: 'spans' | 'logs'; payload: string }>;
  /** traces (of `tenant`) whose waiting rows are settled (decided now) */
  waitingDone?: string[];
  /**
   * Ids of `traces` nothing was stored of before this write (judged just now). PostgreSQL keeps a trace on one day
   * partition and looks for a copy on another day to move for every other trace of the write; these need no look.
   */
  newTraces?: Set<string>;
}

export interface WaitingRow {
  tenant: string;
  traceId: string;
  kind: 'spans' | 'logs';
  payload: string;
  receivedMs: number;
}

/**
 * Session state shared by several server replicas (PostgreSQL). Each change is one atomic statement,
 * so replicas agree on caps and stops without talking to each other.
 */
export interface SharedSessions {
  /** counts up to `n` new traces against the session's cap; how many were admitted, and the session after */
  admitTraces(sessionId: string, n: number, nowMs: number): Promise<{ admitted: number; session?: StoredSession }>;
  /** ends a running session; undefined when it had already ended (another replica got there first) */
  endSession(id: string, status: 'completed' | 'timed_out' | 'cancelled', atMs: number): Promise<StoredSession | undefined>;
  /** the sessions in progress, for this replica's compiled matchers */
  runningSessions(): Promise<StoredSession[]>;
  /** calls `onChange` soon after any replica creates, ends or deletes a session (PostgreSQL LISTEN/NOTIFY); polling stays the fallback */
  subscribe?(onChange: () => void): void;
  /** the sessions holding each of these traces of the tenant (those held by none are absent): decisions other replicas made */
  sessionsOfTraces(tenant: string, traceIds: string[]): Promise<Map<string, string[]>>;
}

/** A trace row of a session as the live stream reads it: the list row, and when the store last wrote it. */
export interface ReceivedTrace {
  trace: TraceListItem;
  receivedMs: number;
}

/** A log record of a session as the live stream reads it, with when the store wrote it. */
export interface ReceivedLog {
  log: LogRecord;
  receivedMs: number;
}

export interface TraceListResult {
  traces: TraceListItem[];
  nextCursor?: string;
  /** a search stopped at its scan bound before the page was full (common/api.ts TraceSearchResult) */
  partial?: true;
}

/**
 * Storage behind the server. SQLite is the embedded default; every method is synchronous there,
 * but callers await the results so another engine can be asynchronous.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** set when several server processes share this store: sessions are then coordinated through it */
  readonly shared?: SharedSessions;
  write(batch: WriteBatch): void | Promise<void>;

  saveSession(session: StoredSession): void | Promise<void>;
  getSession(id: string): StoredSession | undefined | Promise<StoredSession | undefined>;
  /** newest first; `alertKey` (errors.ts alertKey): only the sessions started for that alert (an indexed lookup) */
  listSessions(filter?: SessionFilter): StoredSession[] | Promise<StoredSession[]>;
  /** deletes the session, its logs and memberships, and the traces no other session holds */
  deleteSession(id: string): void | Promise<void>;

  listTraces(sessionId: string, filters: TraceQueryFilters): TraceListResult | Promise<TraceListResult>;
  /**
   * One page of the tenant's traces across sessions, newest first, by the SQL filters (not `attributes`: see
   * trace-search.ts), examining at most `scan` trace rows (filters.ts traceSearchStatements).
   */
  searchTraces(tenant: string, filters: TraceSearchFilters, scan: number): TraceListResult | Promise<TraceListResult>;
  /** the spans of these traces of the tenant (absent: not stored) */
  spansOfTraces(tenant: string, traceIds: string[]): Map<string, Span[]> | Promise<Map<string, Span[]>>;
  /** the sessions holding each of these traces of the tenant (those held by none are absent) */
  sessionsOfTraces(tenant: string, traceIds: string[]): Map<string, string[]> | Promise<Map<string, string[]>>;
  getSpans(tenant: string, traceId: string): Span[] | Promise<Span[]>;
  getTraceRow(tenant: string, traceId: string): StoredTrace | undefined | Promise<StoredTrace | undefined>;
  /** a stored trace as `GET /traces/{id}` serves it (its row's resource and scope, its spans), read and decoded once; undefined without a trace row */
  getTraceDetail(tenant: string, traceId: string): TraceDetail | undefined | Promise<TraceDetail | undefined>;
  /** sessions (of the tenant) that hold the tenant's trace */
  sessionsOfTrace(tenant: string, traceId: string): string[] | Promise<string[]>;
  digests(sessionId: string): TraceDigest[] | Promise<TraceDigest[]>;
  /** the session's summary (`GET /sessions/{id}/summary`): summarizeSession over its digests, read without digest objects (digest-summary.ts) */
  sessionSummary(sessionId: string): SessionSummary | Promise<SessionSummary>;

  /**
   * Live streams (server/live): the session's trace rows written (stored or updated by late spans) after the
   * position (received ms, trace id), in that order, at most `limit`.
   */
  tracesReceivedAfter(sessionId: string, afterMs: number, afterTraceId: string, limit: number): ReceivedTrace[] | Promise<ReceivedTrace[]>;
  /** Live streams: the session's log records written after the position (received ms, log id), in that order, at most `limit`. */
  logsReceivedAfter(sessionId: string, afterMs: number, afterLogId: number, limit: number): ReceivedLog[] | Promise<ReceivedLog[]>;

  listLogs(sessionId: string, filters: LogQueryFilters): { logs: LogRecord[]; nextCursor?: string } | Promise<{ logs: LogRecord[]; nextCursor?: string }>;

  /** drops traces, logs and ended sessions older than the cutoff (Unix ms); returns what it removed */
  purge(cutoffMs: number): { traces: number; logs: number; sessions: number } | Promise<{ traces: number; logs: number; sessions: number }>;
  /** what waited for a decision when the server stopped, oldest first */
  loadWaiting(): WaitingRow[] | Promise<WaitingRow[]>;
  deleteWaiting(tenant: string, traceIds: string[]): void | Promise<void>;
  /** a network store checks it can still reach its database (health checks); throws StoreUnavailableError if not */
  ping?(): Promise<void>;
  /** starts the upkeep the engine needs while a server runs (SQLite: WAL checkpoints on their own thread); returns its stop */
  startMaintenance?(): (() => Promise<void>) & { stats?: () => CheckpointStats };
  /** the database pool that the token table and the audit log share with the store, when it has one (PostgreSQL) */
  readonly sharedPool?: Pool;
  close(): void | Promise<void>;
}
