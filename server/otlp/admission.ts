/*
 * Request-level backpressure of the OTLP receiver: at most `maxInFlightRequests` requests and
 * `maxInFlightBytes` body bytes are being read, decoded and ingested at once. A request past
 * either bound is refused before its body is read (429 + Retry-After), so a burst against a slow
 * store costs sockets, not memory; the sender retries (OTLP spec: 429/503 are retryable).
 * No wait queue: a queued request holds a connection and its sender's timeout (Kong: 5 s read
 * timeout, then it retries anyway), so waiting would only turn refusals into duplicates.
 * Three more bounds (issue 16):
 * - by expected wait: the requests ahead × the measured time per request, plus the event loop's
 *   recent delay; past `maxQueueWaitMs` a new request is refused at once rather than answered
 *   after seconds of silence (fixed counts alone let 64 slow requests queue for seconds). A few
 *   requests (WAIT_FLOOR_REQUESTS) are always let in, as a lone request always is;
 * - per client (remote address): one client's requests and bytes take at most a share of the
 *   limits, so a stalled or runaway sender cannot shut the others out;
 * - only progress counts: a request whose body stops arriving is suspended (not counted) until
 *   bytes come again (see stall.ts).
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { resolvePositiveLimits } from './limits';

export interface AdmissionLimits {
  /** requests between admission and the end of their ingest */
  maxInFlightRequests: number;
  /** their body bytes: Content-Length (or bytes read so far) plus the decompressed size */
  maxInFlightBytes: number;
  /** one client's (remote address) share of maxInFlightRequests; absent: no share */
  maxInFlightRequestsPerClient?: number;
  /** one client's share of maxInFlightBytes; absent: no share */
  maxInFlightBytesPerClient?: number;
  /** a new request is refused when it would wait longer than this (ms) behind the ones in flight; absent: no bound */
  maxQueueWaitMs?: number;
}

/*
 * 64 requests: Kong sends one batch at a time per worker (queue concurrency_limit 1), so 64
 * covers e.g. 16 gateways × 4 workers at once, and more concurrency would not make a
 * single-writer store faster. 64 MiB: four maximum-size (16 MiB) bodies, or a few hundred
 * Kong batches (200 spans ≈ 100-200 KiB); decoded objects take several times their wire size,
 * so this keeps the burst's heap in the low hundreds of MB.
 */
export const DEFAULT_ADMISSION_LIMITS: Readonly<AdmissionLimits> = Object.freeze({
  maxInFlightRequests: 64,
  maxInFlightBytes: 64 * 1024 * 1024,
});

/**
 * 500 ms: a request admitted behind the others is answered within about a second (issue 16: every
 * OTLP request answered within 1 s), with room for its own work and the event loop's turns.
 */
export const DEFAULT_MAX_QUEUE_WAIT_MS = 500;

/**
 * Up to this many requests in flight, none is refused for its expected wait (only for the hard
 * limits): a small burst is never a long wait in itself, and one slow request or a pause of the
 * process (GC, a busy machine) must not turn the next few into refusals.
 */
export const WAIT_FLOOR_REQUESTS = 8;

/**
 * Defaults overridden by the given (defined) values; throws on a nonsensical value (a startup error).
 * A client's share defaults to half of each limit: the other clients always keep the other half.
 */
export function resolveAdmissionLimits(partial: Partial<AdmissionLimits> = {}): Required<AdmissionLimits> {
  const base = resolvePositiveLimits(DEFAULT_ADMISSION_LIMITS, { maxInFlightRequests: partial.maxInFlightRequests, maxInFlightBytes: partial.maxInFlightBytes });
  const extra = resolvePositiveLimits(
    {
      maxInFlightRequestsPerClient: Math.ceil(base.maxInFlightRequests / 2),
      maxInFlightBytesPerClient: Math.ceil(base.maxInFlightBytes / 2),
      maxQueueWaitMs: DEFAULT_MAX_QUEUE_WAIT_MS,
    },
    { maxInFlightRequestsPerClient: partial.maxInFlightRequestsPerClient, maxInFlightBytesPerClient: partial.maxInFlightBytesPerClient, maxQueueWaitMs: partial.maxQueueWaitMs },
  );
  return { ...base, ...extra };
}

/**
 * The event loop's recent delay (ms): the largest over the last half second or so. A loop that
 * lags (a long synchronous step anywhere in the process) delays every answer by as much, so
 * admission counts it as wait. One monitor per process, started on first use.
 */
let loopMonitor: { recent(): number } | undefined;
export function recentLoopDelayMs(): number {
  if (loopMonitor === undefined) {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    let previous = 0;
    const window = setInterval(() => {
      previous = h.max / 1e6;
      h.reset();
    }, 250);
    window.unref();
    loopMonitor = { recent: () => Math.max(previous, h.max / 1e6) };
  }
  return loopMonitor.recent();
}

/** live counters of the receiver (the gate updates this object in place) */
export interface OtlpReceiverStats {
  /** 429s for capacity: the admission gate, or a sink's BackpressureError */
  refusedBusy: number;
  /** of those, refused for the expected wait (requests ahead × time per request + event-loop delay) */
  refusedWait: number;
  /** of those, refused for a client's share */
  refusedClientShare: number;
  /** of those, admitted but refused at their turn: what was left of their answer deadline would not do (receiver.ts) */
  refusedLate: number;
  /** 408s: bodies that stopped arriving (or took too long) */
  timedOut: number;
  /** requests not counted right now: their body stopped arriving */
  suspended: number;
  /** 503s: a sink's StoreUnavailableError */
  refusedUnavailable: number;
  /** large bodies being decoded on a worker thread or waiting for one (receiver.ts, decode-in-worker.ts) */
  decodingOffThread: number;
  inFlightRequests: number;
  inFlightBytes: number;
  peakInFlightBytes: number;
}

export const MIN_RETRY_AFTER_SECONDS = 1;
export const MAX_RETRY_AFTER_SECONDS = 30;

/**
 * Retry-After for a refused request: the time to work off the requests ahead of it, `queued` ×
 * the recent cost of one request (ms), in whole seconds within 1..30 (30: Kong drops a batch
 * after 60 s of retries, so a retry must still fit in that window).
 */
export function retryAfterSeconds(costMs: number, queued: number): number {
  const s = Math.ceil((costMs * queued) / 1000);
  if (!Number.isFinite(s)) return MIN_RETRY_AFTER_SECONDS;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(MIN_RETRY_AFTER_SECONDS, s));
}

/** exponentially weighted moving average: recent samples count most, one outlier does not dominate */
export function ewma(previous: number | undefined, sample: number, weight = 0.2): number {
  return previous === undefined ? sample : previous + weight * (sample - previous);
}

/**
 * Measures the cost of one request as busy time per completion (time with nothing in flight does
 * not count): the busy time the last `window` completions took, over their number. Under load that
 * is the bottleneck's time per request, whatever the store's parallelism: n requests ahead drain
 * in about n × cost. Completions come in bursts (requests started in one event-loop turn finish
 * together), so a per-completion average would read about 0 right after each burst, just when the
 * next requests are admitted; a window of many completions spans several bursts.
 */
export class CostClock {
  /** total busy time so far (ms) */
  private busyMs = 0;
  /** busyMs at the last completions, oldest first (the first entry is where the window starts) */
  private marks: number[] = [0];
  private last: number;

  constructor(
    private now: () => number,
    private window = 32,
  ) {
    this.last = now();
  }

  /** call before the in-flight count changes; `busy` is whether anything was in flight until now */
  advance(busy: boolean): void {
    const t = this.now();
    if (busy) this.busyMs += t - this.last;
    this.last = t;
  }

  completed(): void {
    this.marks.push(this.busyMs);
    if (this.marks.length > this.window + 1) this.marks.shift();
  }

  /** ms per request (0 before the first completion) */
  get cost(): number {
    const n = this.marks.length - 1;
    return n === 0 ? 0 : (this.marks[n] - this.marks[0]) / n;
  }
}

/** per-client counts */
interface ClientLoad {
  requests: number;
  bytes: number;
}

/** one admitted request's share of the gate */
export class Ticket {
  bytes = 0;
  private refs = 1;
  /** whether the gate counts it now (not once freed, nor while suspended) */
  counted = false;
  private suspended = false;

  constructor(
    private gate: AdmissionGate,
    readonly client: string,
  ) {}

  /** counts more bytes (body read without Content-Length, decompressed body); false when over the limit */
  grow(bytes: number): boolean {
    if (!this.counted) {
      // suspended: counted again with the new bytes, if they fit
      this.bytes += bytes;
      return this.resume();
    }
    if (!this.gate.fits(this, bytes)) return false;
    this.gate.addBytes(this, bytes);
    return true;
  }

  /**
   * Keeps the ticket held while ingest runs, even when the client has gone meanwhile (its
   * memory is still in use). Returns the matching release, safe to call once.
   */
  hold(): () => void {
    if (!this.counted) this.gate.readmit(this); // the response closed first, or it was suspended: the body is ours now
    this.unsuspend();
    this.refs++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.release();
    };
  }

  /** the body stopped arriving: not counted until it moves again (a request that never finishes is no work) */
  suspend(): void {
    if (!this.counted || this.refs === 0) return;
    this.gate.free(this, false);
    this.suspended = true;
    this.gate.stats.suspended++;
  }

  /** the body moves again: counted again if it fits now; false when it does not (the gate is full meanwhile) */
  resume(): boolean {
    if (this.counted || this.refs === 0) return true;
    // admitted once already: the hard limits apply again, the expected wait does not
    if (this.gate.refusal(this.bytes, this.client, false) !== undefined) return false;
    this.gate.readmit(this);
    this.unsuspend();
    return true;
  }

  private unsuspend(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.gate.stats.suspended--;
  }

  /** the response's share; the gate is freed when nothing holds the ticket any more */
  release(): void {
    if (this.refs === 0) return;
    if (--this.refs === 0) {
      if (this.counted) this.gate.free(this, true);
      this.unsuspend();
    }
  }
}

export class AdmissionGate {
  readonly stats: OtlpReceiverStats = {
    refusedBusy: 0,
    refusedWait: 0,
    refusedClientShare: 0,
    refusedLate: 0,
    refusedUnavailable: 0,
    decodingOffThread: 0,
    timedOut: 0,
    suspended: 0,
    inFlightRequests: 0,
    inFlightBytes: 0,
    peakInFlightBytes: 0,
  };
  private clock: CostClock;
  private clients = new Map<string, ClientLoad>();
  /** why the last tryAdmit refused, for the 429's message */
  lastRefusal: Refusal | undefined;

  constructor(
    readonly limits: AdmissionLimits,
    now: () => number = () => performance.now(),
    private loopDelay: () => number = () => 0,
  ) {
    this.clock = new CostClock(now);
  }

  /** the measured time per request (ms; 0 before the first completion) */
  get costMs(): number {
    return this.clock.cost;
  }

  /** how long a request admitted now would wait behind the ones in flight (ms) */
  expectedWaitMs(): number {
    return this.clock.cost * this.stats.inFlightRequests + this.loopDelay();
  }

  /** why a request of `bytes` from `client` cannot be counted now, or undefined when it can */
  refusal(bytes: number, client: string, checkWait = true): Refusal | undefined {
    const s = this.stats;
    const l = this.limits;
    // a request alone is always admitted, so one bigger than maxInFlightBytes still gets through (one at a time)
    if (s.inFlightRequests === 0) return undefined;
    if (s.inFlightRequests >= l.maxInFlightRequests || s.inFlightBytes + bytes > l.maxInFlightBytes) return { kind: 'busy' };
    const c = this.clients.get(client);
    if (c !== undefined && c.requests > 0) {
      if (l.maxInFlightRequestsPerClient !== undefined && c.requests >= l.maxInFlightRequestsPerClient) return { kind: 'client', client, requests: c.requests, bytes: c.bytes };
      if (l.maxInFlightBytesPerClient !== undefined && c.bytes + bytes > l.maxInFlightBytesPerClient) return { kind: 'client', client, requests: c.requests, bytes: c.bytes };
    }
    if (checkWait && l.maxQueueWaitMs !== undefined && s.inFlightRequests >= WAIT_FLOOR_REQUESTS) {
      const wait = this.expectedWaitMs();
      if (wait > l.maxQueueWaitMs) return { kind: 'wait', waitMs: wait, costMs: this.clock.cost };
    }
    return undefined;
  }

  /**
   * A ticket for a request declaring `bytes` (0 when unknown yet), or undefined when it would
   * pass a limit (`lastRefusal` says which).
   */
  tryAdmit(bytes: number, client = ''): Ticket | undefined {
    this.lastRefusal = this.refusal(bytes, client);
    if (this.lastRefusal !== undefined) return undefined;
    const ticket = new Ticket(this, client);
    this.readmit(ticket);
    this.addBytes(ticket, bytes);
    return ticket;
  }

  /** the Retry-After of a refusal now */
  retryAfter(): number {
    return retryAfterSeconds(this.clock.cost, this.stats.inFlightRequests);
  }

  /** whether `ticket` may count `bytes` more: within the limits, or it is the only request */
  fits(ticket: Ticket, bytes: number): boolean {
    const s = this.stats;
    if (s.inFlightRequests === 1 && s.inFlightBytes === ticket.bytes) return true;
    if (s.inFlightBytes + bytes > this.limits.maxInFlightBytes) return false;
    const perClient = this.limits.maxInFlightBytesPerClient;
    const c = this.clients.get(ticket.client);
    return perClient === undefined || c === undefined || c.requests <= 1 || c.bytes + bytes <= perClient;
  }

  addBytes(ticket: Ticket, bytes: number): void {
    ticket.bytes += bytes;
    this.stats.inFlightBytes += bytes;
    this.stats.peakInFlightBytes = Math.max(this.stats.peakInFlightBytes, this.stats.inFlightBytes);
    const c = this.clients.get(ticket.client);
    if (c !== undefined) c.bytes += bytes;
  }

  /** counts the ticket as in flight (its bytes too, when it is counted again after free) */
  readmit(ticket: Ticket): void {
    this.clock.advance(this.stats.inFlightRequests > 0);
    ticket.counted = true;
    this.stats.inFlightRequests++;
    this.stats.inFlightBytes += ticket.bytes;
    this.stats.peakInFlightBytes = Math.max(this.stats.peakInFlightBytes, this.stats.inFlightBytes);
    const c = this.clients.get(ticket.client);
    if (c === undefined) this.clients.set(ticket.client, { requests: 1, bytes: ticket.bytes });
    else {
      c.requests++;
      c.bytes += ticket.bytes;
    }
  }

  /** stops counting the ticket; `completed`: its work is done (a completion for the cost clock), not a suspension */
  free(ticket: Ticket, completed = true): void {
    this.clock.advance(true);
    if (completed) this.clock.completed();
    ticket.counted = false;
    this.stats.inFlightRequests--;
    this.stats.inFlightBytes -= ticket.bytes;
    const c = this.clients.get(ticket.client);
    if (c !== undefined) {
      c.requests--;
      c.bytes -= ticket.bytes;
      if (c.requests === 0) this.clients.delete(ticket.client);
    }
  }
}

/** why a request was refused */
export type Refusal =
  | { kind: 'busy' }
  | { kind: 'client'; client: string; requests: number; bytes: number }
  | { kind: 'wait'; waitMs: number; costMs: number };
