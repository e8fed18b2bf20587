import { createHash } from 'node:crypto';
import type { AttributeValue, Span } from '../../common/api';
import { analyzeTrace, digestTrace } from '../../common/lifecycle';
import { mergeSpans } from '../../common/spans';
import { BackpressureError, type OtlpSink } from '../otlp/receiver';
import type { Attributes, DecodedLogBatch, DecodedLogRecord, DecodedResource, DecodedSpan, DecodedTraceBatch } from '../otlp/types';
import { makeRuleInput } from '../rules';
import { currentTenant } from '../auth/context';
import { tenantOf, type SessionManager } from '../sessions/manager';
import { nsToMs } from '../../common/spans/time';
import type { NewLogRecord, Store, TraceRow, WriteBatch } from '../store/types';
import { EntityTracker } from './entities';
import { normaliseLevel } from './levels';
import { decodePending, encodePending, type PendingLogs, type PendingSpans } from './pending-codec';
import { TtlMap } from './ttl-map';

export interface PipelineOptions {
  /** how long spans of a trace wait for their root span before they are dropped unjudged */
  pendingTtlMs?: number;
  /** how long logs wait for their trace's decision */
  pendingLogTtlMs?: number;
  /** how long a trace's decision is remembered for late spans and logs */
  decisionTtlMs?: number;
  /** spans waiting for a root, at most; past it the receiver answers 429 so Kong retries later */
  maxPendingSpans?: number;
  /** recent matched traces kept in memory so late spans don't re-read the store (default 1,000: at 5,000 the server's peak RSS under 2× load was 490 MB, at 1,000 350 MB) */
  recentTraces?: number;
  now?: () => number;
}

interface Decision {
  sessions: string[];
  /** the subset that captures logs */
  logSessions: string[];
}

/** a trace judged in this request: its spans and the running sessions its root matches */
interface Candidate {
  traceId: string;
  spans: DecodedSpan[];
  matches: string[];
}

interface PendingTrace {
  spans: DecodedSpan[];
  resources: DecodedResource[];
}

export interface PipelineStats {
  spansReceived: number;
  spansStored: number;
  spansDropped: number;
  tracesMatched: number;
  logsReceived: number;
  logsStored: number;
  logsDropped: number;
  pendingSpans: number;
  pendingLogs: number;
}

const ROOT_KIND_SERVER = 2;

/** Kong's request root: `kong`, kind SERVER. Other producers: a span without a parent. */
function isRoot(s: DecodedSpan): boolean {
  return (s.name === 'kong' && s.kind === ROOT_KIND_SERVER) || (s.parentSpanId === '' && s.name !== 'kong.phase.log');
}

export function toApiSpan(d: DecodedSpan): Span {
  const span: Span = {
    traceId: d.traceId,
    spanId: d.spanId,
    parentSpanId: d.parentSpanId,
    name: d.name,
    kind: d.kind,
    startTimeUnixNano: d.startNs.toString(),
    endTimeUnixNano: d.endNs.toString(),
    startTimeMs: nsToMs(d.startNs),
    durationNs: Number(d.endNs - d.startNs),
    attributes: d.attributes,
    events: d.events.map((e) => ({ name: e.name, timeUnixNano: e.timeNs.toString(), timeMs: nsToMs(e.timeNs), attributes: e.attributes })),
    statusCode: d.statusCode,
  };
  if (d.statusMessage) span.statusMessage = d.statusMessage;
  return span;
}

/**
 * The key of a trace in memory: trace ids are unique only within a tenant (two teams' gateways can carry the
 * same W3C trace id), so decisions, waiting spans and logs are kept per tenant and trace id. Tenant names
 * never contain '/' (TENANT_PATTERN).
 */
export function traceKey(tenant: string, traceId: string): string {
  return `${tenant}/${traceId}`;
}

function splitTraceKey(key: string): [tenant: string, traceId: string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** keys grouped by tenant: tenant → trace ids */
function byTenant(keys: Iterable<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of keys) {
    const [tenant, traceId] = splitTraceKey(k);
    const list = out.get(tenant);
    if (list) list.push(traceId);
    else out.set(tenant, [traceId]);
  }
  return out;
}

function sessionIdOf(resource: DecodedResource | undefined): string | undefined {
  const v = resource?.attributes['session.id'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * From decoded OTLP to stored rows. A trace is judged once, on its root span (Kong's rules see the whole
 * request, after the response); spans that arrive before their root wait a bounded time; the decision
 * is remembered so late spans and logs follow it. With no session running nothing is kept.
 */
export class IngestPipeline implements OtlpSink {
  // Every map below is keyed by traceKey(tenant, traceId).
  /** traces that belong to at least one session; late spans and logs follow them even after the session ended */
  private readonly matched: TtlMap<string, Decision>;
  /** traces judged and matched by no session */
  private readonly rejected: TtlMap<string, true>;
  private readonly pending: TtlMap<string, PendingTrace>;
  private readonly pendingLogs: TtlMap<string, Array<{ rec: DecodedLogRecord; resource: DecodedResource | undefined }>>;
  private readonly recent: TtlMap<string, Span[]>;
  /** decisions being made by requests in flight (admission awaits the store) */
  private readonly deciding = new Map<string, Promise<Decision | undefined>>();
  /** traces whose waiting rows expired unjudged: their store rows go at the next sweep */
  private expiredPending: string[] = [];
  private pendingSpanCount = 0;
  private pendingLogCount = 0;
  private readonly maxPendingSpans: number;
  private readonly now: () => number;
  readonly entities = new EntityTracker();
  readonly stats: PipelineStats = {
    spansReceived: 0,
    spansStored: 0,
    spansDropped: 0,
    tracesMatched: 0,
    logsReceived: 0,
    logsStored: 0,
    logsDropped: 0,
    pendingSpans: 0,
    pendingLogs: 0,
  };

  constructor(
    private readonly store: Store,
    private readonly sessions: SessionManager,
    opts: PipelineOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxPendingSpans = opts.maxPendingSpans ?? 200_000;
    this.matched = new TtlMap(opts.decisionTtlMs ?? 10 * 60_000, 200_000, this.now);
    this.rejected = new TtlMap(opts.decisionTtlMs ?? 10 * 60_000, 500_000, this.now);
    this.pending = new TtlMap(opts.pendingTtlMs ?? 30_000, Infinity, this.now, (k, p) => {
      this.expiredPending.push(k);
      this.pendingSpanCount -= p.spans.length;
      this.stats.spansDropped += p.spans.length;
    });
    this.pendingLogs = new TtlMap(opts.pendingLogTtlMs ?? 60_000, Infinity, this.now, (k, l) => {
      this.expiredPending.push(k);
      this.pendingLogCount -= l.length;
      this.stats.logsDropped += l.length;
    });
    this.recent = new TtlMap(5 * 60_000, opts.recentTraces ?? 1_000, this.now);
  }

  /** Expires what waited too long; called on a timer. */
  sweep(): void {
    this.pending.sweep();
    this.pendingLogs.sweep();
    this.matched.sweep();
    this.rejected.sweep();
    this.recent.sweep();
    this.stats.pendingSpans = this.pendingSpanCount;
    this.stats.pendingLogs = this.pendingLogCount;
    if (this.expiredPending.length) {
      // A trace id can expire as spans while its logs still wait (or the reverse): keep the survivor's rows.
      const gone = this.expiredPending.filter((k) => !this.pending.has(k) && !this.pendingLogs.has(k));
      this.expiredPending = [];
      for (const [tenant, ids] of byTenant(gone)) void this.store.deletePending(tenant, ids);
    }
  }

  /**
   * Shared store: spans and logs waiting here may belong to a trace another replica judged (a load
   * balancer splits Kong's trace and log exports). Such a trace is in the database with its sessions:
   * adopt that decision and store what waited (the trace was already counted against the cap there).
   */
  async adoptDecisions(): Promise<void> {
    const shared = this.store.shared;
    if (!shared) return;
    const keys = new Set([...this.pending.keys(), ...this.pendingLogs.keys()]);
    if (keys.size === 0) return;
    // One tenant's decisions at a time: only that tenant's sessions can hold its traces.
    for (const [tenant, ids] of byTenant(keys)) {
      const found = await shared.sessionsOfTraces(tenant, ids);
      if (found.size === 0) continue;
      const write: WriteBatch = { tenant, spans: [], traces: [], memberships: [], sessions: [], logs: [] };
      const undo: Array<() => void> = [];
      for (const [traceId, sessionIds] of found) {
        if (this.matched.has(traceKey(tenant, traceId))) continue;
        const logSessions: string[] = [];
        for (const id of sessionIds) if ((await this.store.getSession(id))?.captureLogs) logSessions.push(id);
        const decision: Decision = { sessions: sessionIds, logSessions };
        this.matched.set(traceKey(tenant, traceId), decision);
        await this.releaseWaiting(traceId, decision, write, undo);
      }
      this.stats.pendingSpans = this.pendingSpanCount;
      this.stats.pendingLogs = this.pendingLogCount;
      await this.commit(write, undo);
    }
  }

  /** After a restart: what waited for a decision when the server stopped waits again. */
  async restore(): Promise<void> {
    for (const row of await this.store.loadPending()) {
      if (row.kind === 'spans') {
        const p = decodePending<PendingSpans>(row.payload);
        this.addPending(traceKey(row.tenant, row.traceId), p.spans, p.resources);
      } else {
        const p = decodePending<PendingLogs>(row.payload);
        for (const rec of p.records) this.queueLog(traceKey(row.tenant, rec.traceId!), rec, p.resources[rec.resource]);
      }
    }
    this.stats.pendingSpans = this.pendingSpanCount;
    this.stats.pendingLogs = this.pendingLogCount;
  }

  async ingestTraces(batch: DecodedTraceBatch): Promise<void> {
    const n = batch.spans.length;
    this.stats.spansReceived += n;
    // One request, one ingest token, one tenant: everything below is that tenant's.
    const tenant = currentTenant();
    this.entities.observe(batch, this.now(), tenant);
    let spans = batch.spans;
    if (!this.sessions.active && this.pendingSpanCount === 0) {
      // Fast path: nothing is capturing, so only late spans of traces already kept matter.
      spans = this.matched.size === 0 ? [] : spans.filter((sp) => this.matched.has(traceKey(tenant, sp.traceId)));
      this.stats.spansDropped += n - spans.length;
      if (spans.length === 0) return;
    }
    if (this.pendingSpanCount >= this.maxPendingSpans) throw new BackpressureError(1);

    const byTrace = new Map<string, DecodedSpan[]>();
    for (const s of spans) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }

    const write: WriteBatch = { tenant, spans: [], traces: [], memberships: [], sessions: [], logs: [] };
    const known: Array<{ traceId: string; spans: DecodedSpan[]; decision: Decision | Promise<Decision | undefined> }> = [];
    const fresh: Candidate[] = [];
    for (const [traceId, spans] of byTrace) {
      const key = traceKey(tenant, traceId);
      if (this.rejected.has(key)) {
        this.stats.spansDropped += spans.length;
        continue;
      }
      // Judged already, or being judged by a request in flight (a retry, split exports): follow that decision.
      const decision = this.matched.get(key) ?? this.deciding.get(key);
      if (decision) {
        known.push({ traceId, spans, decision });
        continue;
      }
      const root = spans.find(isRoot);
      const resource = batch.resources[(root ?? spans[0]).resource];
      const directSession = sessionIdOf(resource);
      const direct = directSession !== undefined && this.sessions.isRunning(directSession, tenant);
      if (!root && !direct) {
        this.addPending(key, spans, batch.resources);
        (write.pendingAdd ??= []).push({ traceId, kind: 'spans', payload: encodePending({ resources: batch.resources, spans }) });
        continue;
      }
      const input = root ? makeRuleInput(root.attributes, resource?.attributes) : undefined;
      // Only the sessions of the tenant whose ingest token sent the trace may capture it.
      fresh.push({ traceId, spans, matches: this.sessions.match(input, directSession, tenant) });
    }

    const decisions = fresh.length ? await this.decide(fresh, write) : new Map<string, Decision>();
    const undo: Array<() => void> = [];
    for (const { traceId, spans } of fresh) {
      const decision = decisions.get(traceId)!;
      const key = traceKey(tenant, traceId);
      // Judged just now: nothing of this trace is stored yet, so no need to read it back.
      if (decision.sessions.length) this.recent.set(key, []);
      if (decision.sessions.length) this.matched.set(key, decision);
      else this.rejected.set(key, true);
      await this.releaseWaiting(traceId, decision, write, undo);
      await this.collect(traceId, spans, batch.resources, decision, write);
    }
    for (const { traceId, spans, decision } of known) {
      const d = await decision;
      if (d) {
        // Normally nothing waits for a judged trace; something does when the write that judged it failed.
        await this.releaseWaiting(traceId, d, write, undo);
        await this.collect(traceId, spans, batch.resources, d, write);
      } else {
        // The request judging it failed (it will be retried with its root): these spans wait for it.
        this.addPending(traceKey(tenant, traceId), spans, batch.resources);
        (write.pendingAdd ??= []).push({ traceId, kind: 'spans', payload: encodePending({ resources: batch.resources, spans }) });
      }
    }

    this.stats.pendingSpans = this.pendingSpanCount;
    this.stats.pendingLogs = this.pendingLogCount;
    if (write.spans.length || write.logs.length || write.sessions.length || write.pendingAdd || write.pendingDone) await this.commit(write, undo);
    this.stats.spansStored += write.spans.length;
    this.stats.logsStored += write.logs.length;
  }

  /**
   * What waited for this trace's decision (spans before their root, logs before their trace) joins the
   * write. `undo` puts it back should the write fail: it was acknowledged when it arrived, so it must
   * still be waiting when the failed request is retried.
   */
  private async releaseWaiting(traceId: string, d: Decision, write: WriteBatch, undo: Array<() => void>): Promise<void> {
    const key = traceKey(write.tenant, traceId);
    const waiting = this.pending.take(key);
    const logs = this.pendingLogs.take(key);
    if (!waiting && !logs) return;
    (write.pendingDone ??= []).push(traceId);
    if (waiting) {
      this.pendingSpanCount -= waiting.spans.length;
      undo.push(() => this.addPending(key, waiting.spans, waiting.resources));
      // Resource indexes of waiting spans point into their own batch's resources.
      await this.collect(traceId, waiting.spans, waiting.resources, d, write);
    }
    if (logs) {
      this.pendingLogCount -= logs.length;
      undo.push(() => {
        for (const l of logs) this.queueLog(key, l.rec, l.resource);
      });
      if (d.logSessions.length === 0) this.stats.logsDropped += logs.length;
      for (const { rec } of logs) for (const id of d.logSessions) write.logs.push(this.toLog(rec, id));
    }
  }

  private async commit(write: WriteBatch, undo: Array<() => void>): Promise<void> {
    try {
      await this.store.write(write);
    } catch (e) {
      for (const u of undo) u();
      this.stats.pendingSpans = this.pendingSpanCount;
      this.stats.pendingLogs = this.pendingLogCount;
      throw e;
    }
  }

  async ingestLogs(batch: DecodedLogBatch): Promise<void> {
    this.stats.logsReceived += batch.records.length;
    if (!this.sessions.activeLogCapture && this.pendingLogCount === 0 && this.matched.size === 0) {
      this.stats.logsDropped += batch.records.length;
      return;
    }
    const tenant = currentTenant();
    const write: WriteBatch = { tenant, spans: [], traces: [], memberships: [], sessions: [], logs: [] };
    for (const rec of batch.records) {
      const resource = batch.resources[rec.resource];
      if (!rec.traceId) {
        // Worker-level records (timers, queues) belong to no request. Konnect collects logs for the
        // whole session, so they go to every running session that captures logs.
        const targets = this.sessions.runningSessions().filter((s) => s.captureLogs && tenantOf(s) === tenant);
        if (targets.length === 0) this.stats.logsDropped++;
        for (const s of targets) write.logs.push(this.toLog(rec, s.id));
        continue;
      }
      const key = traceKey(tenant, rec.traceId);
      const d = this.matched.get(key);
      if (d) {
        if (d.logSessions.length === 0) this.stats.logsDropped++;
        for (const id of d.logSessions) write.logs.push(this.toLog(rec, id));
        continue;
      }
      if (!this.sessions.activeLogCapture || this.rejected.has(key)) {
        this.stats.logsDropped++;
        continue;
      }
      // The trace is not judged yet (logs often arrive first): wait for it.
      this.queueLog(key, rec, resource);
      (write.pendingAdd ??= []).push({ traceId: rec.traceId, kind: 'logs', payload: encodePending({ resources: resource ? [resource] : [], records: [{ ...rec, resource: 0 }] }) });
    }
    this.stats.pendingLogs = this.pendingLogCount;
    if (write.logs.length || write.pendingAdd) await this.store.write(write);
    this.stats.logsStored += write.logs.length;
  }

  /**
   * Admits the batch's newly judged traces into the sessions their roots match, within each session's
   * cap (one admission a session, not a trace: on PostgreSQL that is one statement). Traces are served
   * in batch order. Concurrent requests carrying spans of these traces wait for this decision.
   */
  private async decide(fresh: Candidate[], write: WriteBatch): Promise<Map<string, Decision>> {
    const requests = new Map<string, number>();
    for (const c of fresh) for (const id of c.matches) requests.set(id, (requests.get(id) ?? 0) + 1);
    const admission = requests.size ? this.sessions.admit(requests) : Promise.resolve({ admitted: new Map<string, number>(), captureLogs: new Set<string>(), persist: [] });
    const decided = admission.then(({ admitted, captureLogs, persist }) => {
      const out = new Map<string, Decision>();
      for (const c of fresh) {
        const sessions: string[] = [];
        const logSessions: string[] = [];
        for (const id of c.matches) {
          const left = admitted.get(id) ?? 0;
          if (left === 0) continue;
          admitted.set(id, left - 1);
          sessions.push(id);
          if (captureLogs.has(id)) logSessions.push(id);
        }
        if (sessions.length) this.stats.tracesMatched++;
        out.set(c.traceId, { sessions, logSessions });
      }
      write.sessions.push(...persist);
      return out;
    });
    for (const c of fresh) {
      this.deciding.set(
        traceKey(write.tenant, c.traceId),
        decided.then(
          (m) => m.get(c.traceId),
          () => undefined,
        ),
      );
    }
    try {
      return await decided;
    } finally {
      for (const c of fresh) this.deciding.delete(traceKey(write.tenant, c.traceId));
    }
  }

  /** `key`: traceKey(tenant, traceId) */
  private queueLog(key: string, rec: DecodedLogRecord, resource: DecodedResource | undefined): void {
    const list = this.pendingLogs.get(key);
    if (list) list.push({ rec, resource });
    else this.pendingLogs.set(key, [{ rec, resource }]);
    this.pendingLogCount++;
  }

  /** `key`: traceKey(tenant, traceId) */
  private addPending(key: string, spans: DecodedSpan[], resources: DecodedResource[]): void {
    const p = this.pending.get(key);
    if (p && p.resources === resources) p.spans.push(...spans);
    else if (p) {
      // Spans from another request: rebase their resource indexes onto the first request's list.
      for (const s of spans) {
        p.resources.push(resources[s.resource]);
        p.spans.push({ ...s, resource: p.resources.length - 1 });
      }
    } else this.pending.set(key, { spans: [...spans], resources: [...resources] });
    this.pendingSpanCount += spans.length;
  }

  private async collect(traceId: string, spans: DecodedSpan[], resources: DecodedResource[], d: Decision, write: WriteBatch): Promise<void> {
    if (d.sessions.length === 0) {
      this.stats.spansDropped += spans.length;
      return;
    }
    const fresh = spans.map(toApiSpan);
    // Late spans of a trace no longer in memory: the trace row is recomputed over what is stored too.
    const key = traceKey(write.tenant, traceId);
    let all = this.recent.get(key) ?? (await this.store.getSpans(write.tenant, traceId));
    all = mergeSpans(all, fresh);
    this.recent.set(key, all);

    const root = spans.find(isRoot) ?? spans[0];
    const resource = resources[root.resource];
    const row = this.traceRow(traceId, all, resource);
    const existing = write.traces.findIndex((t) => t.traceId === traceId);
    if (existing >= 0) write.traces[existing] = row;
    else write.traces.push(row);
    write.spans.push(...fresh);
    for (const id of d.sessions) write.memberships.push([id, traceId, row.startTimeMs]);
  }

  private traceRow(traceId: string, spans: Span[], resource: DecodedResource | undefined): TraceRow {
    const { facts, summary } = analyzeTrace(traceId, spans);
    const row: TraceRow = {
      traceId,
      ...facts,
      resource: (resource?.attributes ?? {}) as Record<string, AttributeValue>,
      digest: digestTrace(summary),
    };
    if (resource?.scopeName) row.scopeName = resource.scopeName;
    if (resource?.scopeVersion) row.scopeVersion = resource.scopeVersion;
    return row;
  }

  private toLog(rec: DecodedLogRecord, sessionId: string): NewLogRecord {
    const body = rec.body;
    const attributes = rec.attributes as Attributes;
    const key = createHash('sha1')
      .update(`${rec.timeNs}|${rec.traceId ?? ''}|${rec.spanId ?? ''}|${rec.severityNumber}|${rec.severityText ?? ''}|`)
      .update(JSON.stringify(body) ?? '')
      .update(JSON.stringify(attributes))
      .digest('base64url');
    const log: NewLogRecord = {
      sessionId,
      dedupeKey: key,
      timeUnixNano: rec.timeNs.toString(),
      timeMs: nsToMs(rec.timeNs),
      level: normaliseLevel(rec.severityNumber, rec.severityText),
      severityNumber: rec.severityNumber,
      body: body ?? null,
      attributes,
    };
    if (rec.severityText) log.severityText = rec.severityText;
    if (rec.traceId) log.traceId = rec.traceId;
    if (rec.spanId) log.spanId = rec.spanId;
    return log;
  }
}
