/*
 * Bounds the synchronous work of OTLP requests per event-loop turn. Decoding a batch and handing it
 * to ingest (rule matching, building rows; SQLite writes are synchronous too) runs without yielding,
 * so requests whose bodies completed in one turn used to run back to back: 64 of them blocked the
 * loop for seconds, and meanwhile no new request could even be refused (issue 16: 256 exporters,
 * 1.3 % answered 429, the rest waited up to 20 s). Here ready requests take turns: each turn starts
 * as many as fit in `budgetMs` at the measured cost per request (at least one), and the next turn
 * comes after the poll phase, where new requests are read and admitted or refused at once.
 * Several requests per turn keep the store's group commit (one transaction per turn) worthwhile.
 *
 * New connections come first. libuv accepts one connection per event-loop iteration (measured here: Node 20, one
 * 'connection' per iteration however many wait in the listen queue), so with 40-70 ms turns a burst of new
 * connections waited in the kernel's accept queue for 1-3 s (issue 16: `ss` showed 50+ waiting) before the server
 * even saw their requests, to admit or refuse them. So while connections are being accepted, turns wait (the
 * iterations between them take well under a millisecond each), up to `maxDeferMs` at a time so work still goes on.
 */

export class TurnScheduler {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  constructor(
    /** synchronous work aimed at per turn (ms) */
    private readonly budgetMs: number,
    /** measured time per request (ms; 0 when unknown) */
    private readonly costMs: () => number,
    /** whether a connection was accepted since the last call (then more may wait to be accepted) */
    private readonly accepting: () => boolean = () => false,
    /** the longest turns wait for accepts at a time (ms) */
    private readonly maxDeferMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** when turns started waiting for accepts, if they are waiting */
  private deferredSince: number | undefined;

  get queued(): number {
    return this.waiting.length;
  }

  /** resolves when the caller may run its synchronous work */
  turn(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** requests started per turn: as many as the budget holds at the measured cost, at least one */
  perTurn(): number {
    const cost = this.costMs();
    if (!(cost > 0)) return 1;
    return Math.max(1, Math.min(64, Math.floor(this.budgetMs / cost)));
  }

  private drain(): void {
    this.scheduled = false;
    if (this.accepting()) {
      const t = this.now();
      this.deferredSince ??= t;
      if (t - this.deferredSince < this.maxDeferMs) {
        // the next iteration's poll phase accepts the next waiting connection
        this.scheduled = true;
        setImmediate(() => this.drain());
        return;
      }
    }
    this.deferredSince = undefined;
    // the resolved callers run right after this, in this turn's microtasks
    for (let n = this.perTurn(); n > 0 && this.waiting.length > 0; n--) this.waiting.shift()!();
    if (this.waiting.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }
}

/**
 * The largest of recent samples (ms): the time requests took from their turn to their answer (decode,
 * ingest, the group commit and its fsync), over the last one to two windows. A request whose turn
 * comes so late that this much more would pass its answer deadline is refused before any work
 * (receiver.ts): the largest, not the mean, because the deadline is for every answer.
 */
export class RecentMax {
  private current = 0;
  private previous = 0;
  private windowStart: number;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly windowMs = 1000,
  ) {
    this.windowStart = now();
  }

  private roll(): void {
    const t = this.now();
    if (t - this.windowStart < this.windowMs) return;
    this.previous = t - this.windowStart < 2 * this.windowMs ? this.current : 0;
    this.current = 0;
    this.windowStart = t;
  }

  add(ms: number): void {
    this.roll();
    if (ms > this.current) this.current = ms;
  }

  get value(): number {
    this.roll();
    return Math.max(this.current, this.previous);
  }
}
