import type { LogRecord, TraceListItem } from '../../common/api';
import type { ReceivedLog, ReceivedTrace, Store } from '../store/types';
import { isAfter, type StreamPosition } from './position';

/** rows read per store call; a wake reads at most MAX_PAGES of them per kind, the rest on the next wake */
export const PAGE = 500;
const MAX_PAGES = 4;
/** one process's store: rows are visible in the order of their received times (see below) */
const EXACT = Number.MAX_SAFE_INTEGER;

export interface FeedBatch {
  traces: TraceListItem[];
  logs: LogRecord[];
  /** the position after these rows: the event id */
  position: StreamPosition;
  /** more rows were waiting than one read takes: read again soon */
  more: boolean;
}

/** one kind of row (traces, logs) in the store's order */
interface Kind<R, K extends string | number> {
  read(afterMs: number, afterId: K, limit: number): Promise<R[]> | R[];
  ms(r: R): number;
  id(r: R): K;
  none: K;
}

/**
 * What one stream has yet to deliver of its session, read from the store after its position.
 *
 * One process (SQLite) writes batches one after another with strictly increasing received times, so
 * "after the position" is exact. Several replicas (PostgreSQL) commit concurrently: a row stamped just
 * before the position can become visible just after a read. So a read also goes back over rows received
 * after the position's `safeMs` (the read's time less `settleMs`: rows older than that were committed
 * by then), skipping those this stream already sent: nothing is missed, nothing is sent twice. A stream
 * resumed elsewhere, without that memory, sends again only what was received after `safeMs` (clients keep
 * rows by trace id and log id, so such a row replaces itself).
 */
export class SessionFeed {
  private position: StreamPosition;
  private readonly traces: Cursor<ReceivedTrace, string>;
  private readonly logs: Cursor<ReceivedLog, number>;

  constructor(
    store: Store,
    sessionId: string,
    from: StreamPosition,
    private readonly settleMs: number,
    private readonly now: () => number = Date.now
  ) {
    this.position = { ...from, safeMs: settleMs === 0 ? EXACT : from.safeMs };
    this.traces = new Cursor<ReceivedTrace, string>(
      {
        read: (ms, id, limit) => store.tracesReceivedAfter(sessionId, ms, id, limit),
        ms: (r) => r.receivedMs,
        id: (r) => r.trace.traceId,
        none: '',
      },
      from.traceMs,
      from.traceId
    );
    this.logs = new Cursor<ReceivedLog, number>(
      {
        read: (ms, id, limit) => store.logsReceivedAfter(sessionId, ms, id, limit),
        ms: (r) => r.receivedMs,
        id: (r) => Number(r.log.id),
        none: 0,
      },
      from.logMs,
      from.logId
    );
  }

  get at(): StreamPosition {
    return { ...this.position };
  }

  async read(): Promise<FeedBatch> {
    const safeMs = this.settleMs === 0 ? EXACT : Math.max(this.position.safeMs, this.now() - this.settleMs);
    const traces = await this.traces.read(this.position.safeMs);
    const logs = await this.logs.read(this.position.safeMs);
    // what was committed before this read is now known: the next reads (and a resumed stream) skip it
    if (!traces.more && !logs.more) this.position.safeMs = safeMs;
    this.position.traceMs = this.traces.ms;
    this.position.traceId = this.traces.id;
    this.position.logMs = this.logs.ms;
    this.position.logId = this.logs.id;
    return {
      traces: traces.rows.map((r) => r.trace),
      logs: logs.rows.map((r) => r.log),
      position: this.at,
      more: traces.more || logs.more,
    };
  }
}

/** the position in one kind of row, and the rows sent since `safeMs` */
class Cursor<R, K extends string | number> {
  /** `${ms}/${id}` → ms of rows sent that may be read again (received after the safe time) */
  private readonly sent = new Map<string, number>();
  /** where an unfinished read goes on (more rows than one read takes), so a busy window still makes progress */
  private scan?: { ms: number; id: K };

  constructor(
    private readonly kind: Kind<R, K>,
    public ms: number,
    public id: K
  ) {}

  async read(safeMs: number): Promise<{ rows: R[]; more: boolean }> {
    const out: R[] = [];
    // rows after min(position, safe time): a row before the position but after the safe time may be new
    let from = this.scan ?? (safeMs < this.ms ? { ms: safeMs, id: this.kind.none } : { ms: this.ms, id: this.id });
    this.scan = undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const rows = await this.kind.read(from.ms, from.id, PAGE);
      for (const r of rows) {
        const ms = this.kind.ms(r);
        const id = this.kind.id(r);
        const key = `${ms}/${id}`;
        if (this.sent.has(key)) continue;
        if (!isAfter(ms, id, this.ms, this.id) && ms <= safeMs) continue;
        out.push(r);
        this.sent.set(key, ms);
        if (isAfter(ms, id, this.ms, this.id)) {
          this.ms = ms;
          this.id = id;
        }
      }
      if (rows.length < PAGE) {
        // the memory holds only rows a read may meet again: bounded by what arrives within the settle time
        for (const [k, at] of this.sent) if (at <= safeMs) this.sent.delete(k);
        return { rows: out, more: false };
      }
      const last = rows[rows.length - 1];
      from = { ms: this.kind.ms(last), id: this.kind.id(last) };
    }
    this.scan = from;
    return { rows: out, more: true };
  }
}
