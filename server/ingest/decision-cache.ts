import { tenantOfKey, traceIdOf, type TraceKey } from './trace-key';
import { DroppedTraces } from './dropped-traces';
import { TtlMap } from './ttl-map';

/** What was decided for a trace: the sessions that keep it. */
export interface Decision {
  sessions: string[];
  /** the subset that captures logs */
  logSessions: string[];
}

export interface DecisionCacheOptions {
  /** how long a decision is remembered for late spans and logs */
  ttlMs?: number;
  /** kept traces remembered at most (oldest forgotten first) */
  maxKept?: number;
  /** dropped traces remembered at most, a tenant */
  maxDropped?: number;
  now?: () => number;
}

export interface DecisionCacheStats {
  /** traces judged here that at least one session kept */
  tracesMatched: number;
}

const MAX_SHARED_DECISIONS = 1024;

/**
 * Decisions already made (the tail-sampling decision cache), so late spans and logs of a trace follow
 * its decision without judging it again: kept traces with their sessions (followed even after the
 * session ended), dropped traces, and decisions being made by requests in flight (admission awaits
 * the store), which concurrent requests carrying the same trace wait for instead of judging it twice.
 */
export class DecisionCache {
  private readonly kept: TtlMap<TraceKey, Decision>;
  /** the firehose's decisions: by tenant, each trace id as 16 bytes (dropped-traces.ts) */
  private readonly dropped: DroppedTraces;
  private readonly deciding = new Map<TraceKey, Promise<Decision | undefined>>();
  /**
   * One object per distinct decision (the running sessions' combinations: a few) rather than one per trace: a kept
   * entry took 392 bytes with its own decision, 232 with a shared one (measured), so at its cap of 200,000 the
   * cache holds 44 MiB instead of 75 (the soak test's RSS bound).
   */
  private readonly shared = new Map<string, Decision>();
  readonly stats: DecisionCacheStats = { tracesMatched: 0 };

  constructor(opts: DecisionCacheOptions = {}) {
    const now = opts.now ?? Date.now;
    const ttl = opts.ttlMs ?? 10 * 60_000;
    this.kept = new TtlMap(ttl, opts.maxKept ?? 200_000, now);
    this.dropped = new DroppedTraces(ttl, opts.maxDropped ?? 500_000, now);
  }

  /** whether any kept trace is remembered (with none, late data of no trace can be kept) */
  get anyKept(): boolean {
    return this.kept.size > 0;
  }

  isDropped(tenant: string, traceId: string): boolean {
    return this.dropped.has(tenant, traceId);
  }

  /** A trace judged here that no session wants (the firehose's decision). */
  drop(tenant: string, traceId: string): void {
    this.dropped.add(tenant, traceId);
  }

  /** the decision to keep this trace, if one was made */
  keptDecision(key: TraceKey): Decision | undefined {
    return this.kept.get(key);
  }

  /**
   * The decision to follow: made (kept traces), or being made by a request in flight; that promise
   * gives undefined if the request judging it fails (it will be retried with its root). Dropped
   * traces are not here: ask `isDropped`.
   */
  follow(key: TraceKey): Decision | Promise<Decision | undefined> | undefined {
    // the firehose asks this of every trace while nothing is kept or in flight: two lookups saved a trace
    if (this.kept.size === 0 && this.deciding.size === 0) return undefined;
    return this.kept.get(key) ?? this.deciding.get(key);
  }

  /**
   * Registers the traces `decided` is deciding until it settles, so concurrent requests follow it.
   * Call it in the same turn as the judgement starts (before any await), or two requests could
   * judge one trace.
   */
  async whileDeciding(keys: TraceKey[], decided: Promise<Map<TraceKey, Decision>>): Promise<Map<TraceKey, Decision>> {
    for (const k of keys) {
      this.deciding.set(
        k,
        decided.then(
          (m) => m.get(k),
          () => undefined,
        ),
      );
    }
    try {
      return await decided;
    } finally {
      for (const k of keys) this.deciding.delete(k);
    }
  }

  /** A trace judged here: kept when a session took it, else dropped. */
  remember(key: TraceKey, d: Decision): void {
    if (d.sessions.length) {
      this.stats.tracesMatched++;
      this.kept.set(key, this.intern(d));
    } else this.drop(tenantOfKey(key), traceIdOf(key));
  }

  /** A trace another replica judged and kept (counted there). */
  adopt(key: TraceKey, d: Decision): void {
    this.kept.set(key, this.intern(d));
  }

  /** the shared decision equal to `d` (frozen: one object stands for many traces) */
  private intern(d: Decision): Decision {
    const id = `${d.sessions.join(',')}|${d.logSessions.join(',')}`;
    let shared = this.shared.get(id);
    if (shared === undefined) {
      // bounded: past it, decisions already kept keep their objects and new ones start a new set
      if (this.shared.size >= MAX_SHARED_DECISIONS) this.shared.clear();
      shared = Object.freeze({ sessions: Object.freeze([...d.sessions]) as string[], logSessions: Object.freeze([...d.logSessions]) as string[] });
      this.shared.set(id, shared);
    }
    return shared;
  }

  sweep(): void {
    this.kept.sweep();
    this.dropped.sweep();
  }
}
