import type { AttributeValue } from '../../common/api';
import { BackpressureError, type Consumer } from './contract';
import type { DecodedLogBatch, DecodedLogRecord, DecodedResource, DecodedSpan, DecodedTraceBatch } from '../otlp/types';
import { currentTenant } from '../auth/context';
import type { SessionManager } from '../sessions/manager';
import type { Store, WriteBatch } from '../store/types';
import { admitCandidates, type Candidate } from './admission';
import { Adoption } from './adoption';
import { toNewLogs } from './api-shapes';
import { DecisionCache, type Decision } from './decision-cache';
import { EntityTracker } from './entities';
import { LogRouter } from './log-routing';
import { redactAttribute, redactLogRecord, redactResources, redactTraceSpans, type RedactionPolicy } from './redact';
import { sessionsWanting } from './policy';
import { TraceCollector } from './trace-collector';
import { traceKey, type TraceKey } from './trace-key';
import { WaitBuffer } from './wait-buffer';

export interface PipelineOptions {
  /** how long spans of a trace wait for their root span before they are dropped unjudged */
  waitTtlMs?: number;
  /** how long logs wait for their trace's decision */
  waitLogTtlMs?: number;
  /** how long a trace's decision is remembered for late spans and logs */
  decisionTtlMs?: number;
  /** spans waiting for a root, at most; past it the receiver answers 429 so Kong retries later */
  maxWaitingSpans?: number;
  /** recent kept traces held in memory so late spans don't re-read the store */
  recentTraces?: number;
  /**
   * Secrets out of what is judged or kept (server/ingest/redact.ts): a rule sees each root attribute it reads
   * redacted, a trace that is kept or waits is redacted whole, and so are the logs that are kept or wait; the server
   * passes its policy. A trace no session wants is dropped without being redacted.
   */
  redact?: RedactionPolicy;
  now?: () => number;
}

/**
 * Ingest's counters, as /api/v1/stats serves them. `waitingSpans` / `waitingLogs` are the spans and
 * logs waiting for their trace's decision (the wait buffer).
 */
export interface PipelineStats {
  spansReceived: number;
  spansStored: number;
  spansDropped: number;
  tracesMatched: number;
  logsReceived: number;
  logsStored: number;
  logsDropped: number;
  waitingSpans: number;
  waitingLogs: number;
}

/** the write of one ingest call, for one tenant's data */
function newWrite(tenant: string): WriteBatch {
  return { tenant, spans: [], traces: [], memberships: [], sessions: [], logs: [] };
}

/**
 * A batch's spans by trace id, in order of first appearance. Exporters send a trace's spans together (the decoder
 * gives a run of them one trace id string), so each run is one slice; a trace whose spans come in several runs is
 * gathered span by span.
 */
export function groupByTrace(spans: DecodedSpan[]): Map<string, DecodedSpan[]> {
  const byTrace = new Map<string, DecodedSpan[]>();
  let start = 0;
  for (let i = 1; i <= spans.length; i++) {
    if (i < spans.length && spans[i].traceId === spans[start].traceId) continue;
    const traceId = spans[start].traceId;
    const list = byTrace.get(traceId);
    if (list) for (let j = start; j < i; j++) list.push(spans[j]);
    else byTrace.set(traceId, spans.slice(start, i));
    start = i;
  }
  return byTrace;
}

/** the decision for a trace no session wants */
const NO_SESSIONS: Decision = Object.freeze({ sessions: Object.freeze([]) as unknown as string[], logSessions: Object.freeze([]) as unknown as string[] });

function hasWork(w: WriteBatch): boolean {
  return w.spans.length > 0 || w.logs.length > 0 || w.sessions.length > 0 || w.waitingAdd !== undefined || w.waitingDone !== undefined;
}

/**
 * From decoded OTLP to stored rows, as a tail-sampling processor: a trace is judged once, on its root
 * span (policy.ts, admission.ts), the decision is remembered so late spans and logs follow it
 * (decision-cache.ts, log-routing.ts), what comes before the decision waits a bounded time
 * (wait-buffer.ts), a shared store's other replicas' decisions are adopted (adoption.ts), and kept
 * traces are written with their recomputed rows (trace-collector.ts). With no session running
 * nothing is kept. Every in-memory structure is keyed by tenant and trace id (trace-key.ts), the
 * tenant being the one whose ingest token sent the data.
 */
export class IngestPipeline implements Consumer {
  private readonly decisions: DecisionCache;
  private readonly waiting: WaitBuffer;
  private readonly traces: TraceCollector;
  private readonly logs: LogRouter;
  private readonly adoption?: Adoption;
  private readonly now: () => number;
  private readonly redact?: RedactionPolicy;
  /** a root attribute's value as a rule sees it: redacted, one value as the rule reads it */
  private readonly reveal?: (key: string, value: AttributeValue) => AttributeValue;
  private readonly counts = { spansReceived: 0, spansStored: 0, spansDropped: 0, logsReceived: 0, logsStored: 0 };
  readonly entities = new EntityTracker();
  /** told, after each write, which sessions it gave traces or logs (live streams wake at once: server/live) */
  onStored?: (sessionIds: Set<string>) => void;

  constructor(
    private readonly store: Store,
    private readonly sessions: SessionManager,
    opts: PipelineOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.redact = opts.redact;
    const policy = opts.redact;
    if (policy) this.reveal = (key, value) => redactAttribute(key, value, policy);
    this.decisions = new DecisionCache({ ttlMs: opts.decisionTtlMs, now: this.now });
    this.waiting = new WaitBuffer(store, { spanTtlMs: opts.waitTtlMs, logTtlMs: opts.waitLogTtlMs, maxSpans: opts.maxWaitingSpans, now: this.now });
    this.traces = new TraceCollector(store, { recentTraces: opts.recentTraces, now: this.now });
    this.logs = new LogRouter(sessions, this.decisions);
    if (store.shared) this.adoption = new Adoption(store.shared, store);
  }

  /** a snapshot, each figure from the part that changes it */
  get stats(): PipelineStats {
    const c = this.counts;
    return {
      spansReceived: c.spansReceived,
      spansStored: c.spansStored,
      spansDropped: c.spansDropped + this.waiting.stats.spansExpired,
      tracesMatched: this.decisions.stats.tracesMatched,
      logsReceived: c.logsReceived,
      logsStored: c.logsStored,
      logsDropped: this.logs.stats.logsDropped + this.waiting.stats.logsExpired,
      waitingSpans: this.waiting.spanCount,
      waitingLogs: this.waiting.logCount,
    };
  }

  /** Expires what waited too long and forgets old decisions; called on a timer. */
  sweep(): void {
    void this.waiting.sweep();
    this.decisions.sweep();
    this.traces.sweep();
  }

  /** Shared store: adopts other replicas' decisions for what waits here, and stores what waited. */
  async adoptDecisions(): Promise<void> {
    if (!this.adoption) return;
    const waiting = this.waiting.keys();
    if (waiting.length === 0) return;
    for (const { tenant, decided } of await this.adoption.lookUp(waiting, (k) => this.decisions.keptDecision(k) !== undefined)) {
      const write = newWrite(tenant);
      const undo: Array<() => void> = [];
      for (const [key, d] of decided) {
        if (this.decisions.keptDecision(key)) continue;
        this.decisions.adopt(key, d);
        await this.release(key, d, write, undo);
      }
      if (hasWork(write)) await this.commit(write, undo);
    }
  }

  /** After a restart: what waited for a decision when the server stopped waits again. */
  async restore(): Promise<void> {
    await this.waiting.restore();
  }

  async ingestTraces(batch: DecodedTraceBatch): Promise<void> {
    const n = batch.spans.length;
    this.counts.spansReceived += n;
    const tenant = currentTenant();
    this.entities.observe(batch, this.now(), tenant);
    let spans = batch.spans;
    if (!this.sessions.active && this.waiting.spanCount === 0) {
      // Fast path: nothing is capturing, so only late spans of traces already kept matter.
      spans = this.decisions.anyKept ? spans.filter((sp) => this.decisions.keptDecision(traceKey(tenant, sp.traceId))) : [];
      this.counts.spansDropped += n - spans.length;
      if (spans.length === 0) return;
    }
    if (this.waiting.full) throw new BackpressureError(1);

    const byTrace = groupByTrace(spans);
    const resources = this.redact ? redactResources(batch.resources, this.redact) : batch.resources;

    const write = newWrite(tenant);
    const known: Array<{ key: TraceKey; spans: DecodedSpan[]; decision: Decision | Promise<Decision | undefined> }> = [];
    const fresh: Array<Candidate & { spans: DecodedSpan[] }> = [];
    const unwanted: TraceKey[] = [];
    for (const [traceId, spans] of byTrace) {
      if (this.decisions.isDropped(tenant, traceId)) {
        this.counts.spansDropped += spans.length;
        continue;
      }
      const key = traceKey(tenant, traceId);
      // Judged already, or being judged by a request in flight (a retry, split exports): follow that decision.
      const decision = this.decisions.follow(key);
      if (decision) {
        known.push({ key, spans: this.redacted(spans), decision });
        continue;
      }
      const matches = sessionsWanting(spans, resources, tenant, this.sessions, this.reveal);
      if (!matches) this.waiting.holdSpans(key, this.redacted(spans), resources, write);
      else if (matches.length) fresh.push({ key, spans: this.redacted(spans), matches });
      else {
        // No session wants it (the firehose): decided at once, with nothing to admit.
        this.decisions.drop(tenant, traceId);
        this.counts.spansDropped += spans.length;
        unwanted.push(key);
      }
    }

    // Registered before any await, so concurrent requests carrying these traces follow this decision.
    const decided = fresh.length
      ? await this.decisions.whileDeciding(
          fresh.map((c) => c.key),
          admitCandidates(this.sessions, fresh, write),
        )
      : undefined;
    const undo: Array<() => void> = [];
    // what waited for an unwanted trace's root goes with it (the buffer is empty in the common case)
    if (this.waiting.spanCount || this.waiting.logCount) for (const key of unwanted) await this.release(key, NO_SESSIONS, write, undo);
    for (const { key, spans } of fresh) {
      const d = decided!.get(key)!;
      this.decisions.remember(key, d);
      // Judged just now: nothing of this trace is stored yet, so no need to read it back.
      if (d.sessions.length) this.traces.begin(key);
      await this.release(key, d, write, undo);
      await this.keep(key, spans, resources, d, write);
    }
    for (const { key, spans, decision } of known) {
      const d = await decision;
      if (d) {
        // Normally nothing waits for a judged trace; something does when the write that judged it failed.
        await this.release(key, d, write, undo);
        await this.keep(key, spans, resources, d, write);
      } else {
        // The request judging it failed (it will be retried with its root): these spans wait for it.
        this.waiting.holdSpans(key, spans, resources, write);
      }
    }

    if (hasWork(write)) await this.commit(write, undo);
    this.counts.spansStored += write.spans.length;
    this.counts.logsStored += write.logs.length;
  }

  async ingestLogs(batch: DecodedLogBatch): Promise<void> {
    this.counts.logsReceived += batch.records.length;
    if (this.logs.skipBatch(batch.records.length, this.waiting.logCount)) return;
    const tenant = currentTenant();
    const write = newWrite(tenant);
    const resources = this.redact ? redactResources(batch.resources, this.redact) : batch.resources;
    for (const rec of batch.records) {
      const route = this.logs.route(rec, tenant);
      if ('wait' in route) this.waiting.holdLog(route.wait, this.redactedLog(rec), resources[rec.resource], write);
      else if (route.sessions.length) write.logs.push(...toNewLogs(this.redactedLog(rec), route.sessions));
    }
    if (write.logs.length || write.waitingAdd) {
      await this.store.write(write);
      this.stored(write);
    }
    this.counts.logsStored += write.logs.length;
  }

  /**
   * What waited for this trace's decision (spans before their root, logs before their trace) joins the
   * write. `undo` puts it back should the write fail.
   */
  private async release(key: TraceKey, d: Decision, write: WriteBatch, undo: Array<() => void>): Promise<void> {
    const released = this.waiting.release(key, write);
    if (!released) return;
    undo.push(released.putBack);
    // Resource indexes of waiting spans point into their own batch's resources.
    if (released.spans) await this.keep(key, released.spans.spans, released.spans.resources, d, write);
    if (released.logs) {
      const to = this.logs.ofDecision(d, released.logs.length);
      for (const { rec } of released.logs) write.logs.push(...toNewLogs(rec, to));
    }
  }

  /** a trace's spans (this request's own array) redacted in place */
  private redacted(spans: DecodedSpan[]): DecodedSpan[] {
    return this.redact ? redactTraceSpans(spans, this.redact) : spans;
  }

  private redactedLog(rec: DecodedLogRecord): DecodedLogRecord {
    return this.redact ? redactLogRecord(rec, this.redact) : rec;
  }

  private async keep(key: TraceKey, spans: DecodedSpan[], resources: DecodedResource[], d: Decision, write: WriteBatch): Promise<void> {
    if (d.sessions.length === 0) {
      this.counts.spansDropped += spans.length;
      return;
    }
    await this.traces.collect(key, spans, resources, d, write);
  }

  private async commit(write: WriteBatch, undo: Array<() => void>): Promise<void> {
    try {
      await this.store.write(write);
    } catch (e) {
      for (const u of undo) u();
      throw e;
    }
    this.stored(write);
  }

  private stored(write: WriteBatch): void {
    if (!this.onStored) return;
    const ids = new Set<string>();
    for (const [sessionId] of write.memberships) ids.add(sessionId);
    for (const l of write.logs) ids.add(l.sessionId);
    // late spans of a stored trace come without memberships: their sessions are the decision's, unknown here;
    // the live feed's poll finds those updates
    if (ids.size) this.onStored(ids);
  }
}
