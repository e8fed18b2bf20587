import type { DecodedLogRecord, DecodedResource, DecodedSpan } from '../otlp/types';
import type { WaitingRow, Store, WriteBatch } from '../store/types';
import { byTenant, traceIdOf, traceKey, type TraceKey } from './trace-key';
import { TtlMap } from './ttl-map';
import { decodeWaiting, encodeWaiting, type WaitingLogsPayload, type WaitingSpansPayload } from './waiting-codec';

/** spans of one trace that came before its root; resource indexes point into `resources` */
export interface WaitingSpans {
  spans: DecodedSpan[];
  resources: DecodedResource[];
}

export interface WaitingLog {
  rec: DecodedLogRecord;
  resource: DecodedResource | undefined;
}

/** what waited for a trace that is now decided; `putBack` undoes the release should the write fail */
export interface Released {
  spans?: WaitingSpans;
  logs?: WaitingLog[];
  putBack(): void;
}

export interface WaitBufferOptions {
  /** how long spans wait for their root before they are dropped unjudged */
  spanTtlMs?: number;
  /** how long logs wait for their trace's decision */
  logTtlMs?: number;
  /** spans waiting at most; past it ingest refuses new data (backpressure) until some are settled */
  maxSpans?: number;
  now?: () => number;
  warn?: (message: string) => void;
}

export interface WaitBufferStats {
  /** spans that waited their whole time for a root that never came */
  spansExpired: number;
  /** logs that waited their whole time for a decision */
  logsExpired: number;
}

/**
 * Spans and logs that wait for their trace's decision (the tail-sampling wait buffer): spans that came
 * before their root, logs that came before their trace was judged. Bounded in time (each kind has its
 * time to live) and in size (`full`), and persisted: every hold adds a row to the write that
 * acknowledges it, every release settles those rows in the write that stores the trace, and rows of
 * what expired are deleted at the sweep. So what Kong got a 200 for is never lost to a crash.
 */
export class WaitBuffer {
  private readonly spans: TtlMap<TraceKey, WaitingSpans>;
  private readonly logs: TtlMap<TraceKey, WaitingLog[]>;
  /** traces whose waiting rows expired unjudged: their store rows go at the next sweep */
  private expired: TraceKey[] = [];
  private spanTotal = 0;
  private logTotal = 0;
  private readonly maxSpans: number;
  private readonly warn: (message: string) => void;
  private deleteFailing = false;
  readonly stats: WaitBufferStats = { spansExpired: 0, logsExpired: 0 };

  constructor(
    private readonly store: Pick<Store, 'loadWaiting' | 'deleteWaiting'>,
    opts: WaitBufferOptions = {},
  ) {
    const now = opts.now ?? Date.now;
    this.maxSpans = opts.maxSpans ?? 200_000;
    this.warn = opts.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    this.spans = new TtlMap(opts.spanTtlMs ?? 30_000, Infinity, now, (k, w) => {
      this.expired.push(k);
      this.spanTotal -= w.spans.length;
      this.stats.spansExpired += w.spans.length;
    });
    this.logs = new TtlMap(opts.logTtlMs ?? 60_000, Infinity, now, (k, l) => {
      this.expired.push(k);
      this.logTotal -= l.length;
      this.stats.logsExpired += l.length;
    });
  }

  /** spans waiting now */
  get spanCount(): number {
    return this.spanTotal;
  }

  /** log records waiting now */
  get logCount(): number {
    return this.logTotal;
  }

  /** at the span bound: the caller refuses new data so the exporter retries later */
  get full(): boolean {
    return this.spanTotal >= this.maxSpans;
  }

  /** every trace something waits for (expired ones included until the next sweep) */
  keys(): TraceKey[] {
    return [...new Set([...this.spans.keys(), ...this.logs.keys()])];
  }

  /** Spans of a trace not judged yet wait; their row joins `write` (the write that acknowledges them). */
  holdSpans(key: TraceKey, spans: DecodedSpan[], resources: DecodedResource[], write: WriteBatch): void {
    this.addSpans(key, spans, resources);
    (write.waitingAdd ??= []).push({ traceId: traceIdOf(key), kind: 'spans', payload: encodeWaiting({ resources, spans }) });
  }

  /** A log record of a trace not judged yet waits; its row joins `write`. */
  holdLog(key: TraceKey, rec: DecodedLogRecord, resource: DecodedResource | undefined, write: WriteBatch): void {
    this.addLog(key, rec, resource);
    (write.waitingAdd ??= []).push({ traceId: traceIdOf(key), kind: 'logs', payload: encodeWaiting({ resources: resource ? [resource] : [], records: [{ ...rec, resource: 0 }] }) });
  }

  /**
   * The trace is decided: what waited for it leaves the buffer, and `write` settles its rows. The
   * caller stores it in the same write, and calls `putBack` if that write fails: it was acknowledged
   * when it arrived, so it must still be waiting when the failed request is retried.
   */
  release(key: TraceKey, write: WriteBatch): Released | undefined {
    const spans = this.spans.take(key);
    const logs = this.logs.take(key);
    if (!spans && !logs) return undefined;
    (write.waitingDone ??= []).push(traceIdOf(key));
    if (spans) this.spanTotal -= spans.spans.length;
    if (logs) this.logTotal -= logs.length;
    return {
      spans,
      logs,
      putBack: () => {
        if (spans) this.addSpans(key, spans.spans, spans.resources);
        if (logs) for (const l of logs) this.addLog(key, l.rec, l.resource);
      },
    };
  }

  /** After a restart: what waited when the server stopped waits again (its rows are still stored). */
  async restore(): Promise<void> {
    for (const row of await this.store.loadWaiting()) {
      // rows stored before tenants keyed them were given the default tenant by the store's migration
      const tenant = row.tenant;
      if (row.kind === 'spans') {
        const p = decodeWaiting<WaitingSpansPayload>(row.payload);
        this.addSpans(traceKey(tenant, row.traceId), p.spans, p.resources);
      } else {
        const p = decodeWaiting<WaitingLogsPayload>(row.payload);
        for (const rec of p.records) this.addLog(traceKey(tenant, rec.traceId ?? row.traceId), rec, p.resources[rec.resource]);
      }
    }
  }

  /**
   * Expires what waited too long and deletes its rows. The deletion of SQLite's rows is done on return;
   * the promise settles when a network store's are, and never rejects: rows left behind only wait
   * (and expire) again after a restart.
   */
  sweep(): Promise<void> {
    this.spans.sweep();
    this.logs.sweep();
    if (this.expired.length === 0) return Promise.resolve();
    // A trace can expire as spans while its logs still wait (or the reverse): keep the survivor's rows.
    const gone = this.expired.filter((k) => !this.spans.has(k) && !this.logs.has(k));
    this.expired = [];
    const deletions: Array<Promise<void>> = [];
    for (const [tenant, traceIds] of byTenant(gone)) deletions.push(this.deleteRows(tenant, traceIds));
    return Promise.all(deletions).then(() => undefined);
  }

  private deleteRows(tenant: string, traceIds: string[]): Promise<void> {
    const failed = (e: unknown) => {
      if (!this.deleteFailing) this.warn(`could not delete the stored rows of expired waiting spans and logs: ${(e as Error).message}`);
      this.deleteFailing = true;
    };
    try {
      return Promise.resolve(this.store.deleteWaiting(tenant, traceIds)).then(() => void (this.deleteFailing = false), failed);
    } catch (e) {
      failed(e);
      return Promise.resolve();
    }
  }

  private addSpans(key: TraceKey, spans: DecodedSpan[], resources: DecodedResource[]): void {
    const w = this.spans.get(key);
    if (w && w.resources === resources) w.spans.push(...spans);
    else if (w) {
      // Spans from another request: rebase their resource indexes onto the first request's list.
      for (const s of spans) {
        w.resources.push(resources[s.resource]);
        w.spans.push({ ...s, resource: w.resources.length - 1 });
      }
    } else this.spans.set(key, { spans: [...spans], resources: [...resources] });
    this.spanTotal += spans.length;
  }

  private addLog(key: TraceKey, rec: DecodedLogRecord, resource: DecodedResource | undefined): void {
    const list = this.logs.get(key);
    if (list) list.push({ rec, resource });
    else this.logs.set(key, [{ rec, resource }]);
    this.logTotal++;
  }
}
