/** Limits and timings of live streams (GET /api/v1/sessions/{id}/stream). */
export interface LiveOptions {
  /** open streams one tenant may hold at once (default 16): past it, 429 */
  maxStreamsPerTenant?: number;
  /** open streams of the whole server (default 256): past it, 429 */
  maxStreams?: number;
  /** a comment line this often keeps proxies from closing a quiet stream (default 15 s) */
  heartbeatMs?: number;
  /** how often open streams look at the store without being told (default: 1 s on a shared store, 5 s alone) */
  pollMs?: number;
  /** how far back a shared store's rows are read again (default 5 s; feed.ts) */
  settleMs?: number;
  /** how long a stream keeps reading after its session ended, before the final status (default 1 s; stream.ts) */
  endGraceMs?: number;
}

export class TooManyStreamsError extends Error {}

/**
 * The live streams of this process: who listens to which session, the caps on how many are open, and the
 * wake-ups. Ingest tells it which sessions a write touched and the session manager tells it of status
 * changes, so a stream reads the store within milliseconds; a timer wakes every stream now and then for
 * what nobody here was told about (another replica's writes and ends).
 */
export class LiveHub {
  readonly heartbeatMs: number;
  readonly settleMs: number;
  readonly endGraceMs: number;
  private readonly maxPerTenant: number;
  private readonly max: number;
  private readonly pollMs: number;
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly closers = new Set<() => void>();
  private readonly perTenant = new Map<string, number>();
  private open = 0;
  private poller?: NodeJS.Timeout;

  constructor(opts: LiveOptions & { shared: boolean }) {
    this.maxPerTenant = opts.maxStreamsPerTenant ?? 16;
    this.max = opts.maxStreams ?? 256;
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.pollMs = opts.pollMs ?? (opts.shared ? 1000 : 5000);
    this.settleMs = opts.shared ? (opts.settleMs ?? 5000) : 0;
    this.endGraceMs = opts.endGraceMs ?? 1000;
  }

  get openStreams(): number {
    return this.open;
  }

  /** a slot for one stream of the tenant, or TooManyStreamsError; the returned function frees it (once) */
  acquire(tenant: string): () => void {
    const mine = this.perTenant.get(tenant) ?? 0;
    if (mine >= this.maxPerTenant)
      throw new TooManyStreamsError(
        `too many live streams open for this tenant (${this.maxPerTenant}); close one or retry later`
      );
    if (this.open >= this.max)
      throw new TooManyStreamsError(`too many live streams open on this server (${this.max}); retry later`);
    this.perTenant.set(tenant, mine + 1);
    this.open++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.open--;
      const left = (this.perTenant.get(tenant) ?? 1) - 1;
      if (left > 0) this.perTenant.set(tenant, left);
      else this.perTenant.delete(tenant);
    };
  }

  /** `wake` is called when the session may have news; `close` when the server shuts down. Returns the unsubscribe. */
  subscribe(sessionId: string, wake: () => void, close: () => void): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    set.add(wake);
    this.closers.add(close);
    this.startPolling();
    return () => {
      set.delete(wake);
      if (set.size === 0) this.listeners.delete(sessionId);
      this.closers.delete(close);
      if (this.listeners.size === 0) this.stopPolling();
    };
  }

  /** the sessions have news (written here, or a status change) */
  wake(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) for (const w of this.listeners.get(id) ?? []) w();
  }

  /** ends every open stream (server shutdown: an open response would hold the listener open) */
  closeAll(): void {
    for (const c of [...this.closers]) c();
    this.stopPolling();
  }

  private startPolling(): void {
    if (this.poller) return;
    this.poller = setInterval(() => this.wake([...this.listeners.keys()]), this.pollMs);
    this.poller.unref();
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }
}
