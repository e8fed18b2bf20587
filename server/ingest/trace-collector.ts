import type { Span } from '../../common/api';
import { mergeSpans } from '../../common/spans';
import type { DecodedResource, DecodedSpan } from '../otlp/types';
import type { Store, WriteBatch } from '../store/types';
import { toApiSpan, toTraceRow } from './api-shapes';
import type { Decision } from './decision-cache';
import { isRootSpan } from './root';
import { tenantOfKey, traceIdOf, type TraceKey } from './trace-key';
import { TtlMap } from './ttl-map';

/** whether no span id comes twice (one trace's spans) */
function distinctSpans(spans: Span[]): boolean {
  const ids = new Set<string>();
  for (const s of spans) ids.add(s.spanId);
  return ids.size === spans.length;
}

export interface TraceCollectorOptions {
  /** recent kept traces held in memory so late spans don't re-read the store (default 1,000: at 5,000 the server's peak RSS under 2× load was 490 MB, at 1,000 350 MB) */
  recentTraces?: number;
  now?: () => number;
}

/**
 * Adds a kept trace's spans to a write: with the trace's spans so far (recent traces from memory,
 * older ones read back from the store) the trace row is recomputed, and the trace joins each session
 * that keeps it.
 */
export class TraceCollector {
  private readonly recent: TtlMap<TraceKey, Span[]>;

  constructor(
    private readonly store: Pick<Store, 'getSpans'>,
    opts: TraceCollectorOptions = {},
  ) {
    this.recent = new TtlMap(5 * 60_000, opts.recentTraces ?? 1_000, opts.now ?? Date.now);
  }

  /** A trace judged just now: nothing of it is stored yet, so there is nothing to read back. */
  begin(key: TraceKey): void {
    this.recent.set(key, []);
  }

  /** `spans`' resource indexes point into `resources`; `d` keeps the trace (at least one session). */
  async collect(key: TraceKey, spans: DecodedSpan[], resources: DecodedResource[], d: Decision, write: WriteBatch): Promise<void> {
    const traceId = traceIdOf(key);
    const fresh = spans.map(toApiSpan);
    // Late spans of a trace no longer in memory: the trace row is recomputed over what is stored too.
    const had = this.recent.get(key) ?? (await this.store.getSpans(tenantOfKey(key), traceId));
    // nothing of it stored before: the store need not look for an older copy of its row (WriteBatch.newTraces)
    if (had.length === 0) (write.newTraces ??= new Set()).add(traceId);
    // A trace judged just now (the common case) has nothing before: its spans are the row's as they are, unless one
    // came twice in this batch (a merge folds it). Issue 17: the merge's copies were ~15 µs a trace.
    const all = had.length === 0 && distinctSpans(fresh) ? fresh : mergeSpans(had, fresh);
    this.recent.set(key, all);

    const root = spans.find(isRootSpan) ?? spans[0];
    const row = toTraceRow(traceId, all, resources[root.resource]);
    const existing = write.traces.findIndex((t) => t.traceId === traceId);
    if (existing >= 0) write.traces[existing] = row;
    else write.traces.push(row);
    write.spans.push(...fresh);
    for (const id of d.sessions) write.memberships.push([id, traceId, row.startTimeMs]);
  }

  sweep(): void {
    this.recent.sweep();
  }
}
