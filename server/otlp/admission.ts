/*
 * Request-level backpressure of the OTLP receiver: at most `maxInFlightRequests` requests and
 * `maxInFlightBytes` body bytes are being read, decoded and ingested at once. A request past
 * either bound is refused before its body is read (429 + Retry-After), so a burst against a slow
 * store costs sockets, not memory; the sender retries (OTLP spec: 429/503 are retryable).
 * No wait queue: a queued request holds a connection and its sender's timeout (Kong: 5 s read
 * timeout, then it retries anyway), so waiting would only turn refusals into duplicates.
 */

import { resolvePositiveLimits } from './limits';

export interface AdmissionLimits {
  /** requests between admission and the end of their ingest */
  maxInFlightRequests: number;
  /** their body bytes: Content-Length (or bytes read so far) plus the decompressed size */
  maxInFlightBytes: number;
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

/** defaults overridden by the given (defined) values; throws on a nonsensical value (a startup error) */
export function resolveAdmissionLimits(partial: Partial<AdmissionLimits> = {}): AdmissionLimits {
  return resolvePositiveLimits(DEFAULT_ADMISSION_LIMITS, partial);
}

/** live counters of the receiver (the gate updates this object in place) */
export interface OtlpReceiverStats {
  /** 429s for capacity: the admission gate, or a sink's BackpressureError */
  refusedBusy: number;
  /** 503s: a sink's StoreUnavailableError */
  refusedUnavailable: number;
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
 * Measures the cost of one request as the busy time between two completions (time with
 * nothing in flight does not count). Under load that is the bottleneck's time per request,
 * whatever the store's parallelism: n requests ahead drain in about n × cost.
 */
export class CostClock {
  private costMs: number | undefined;
  private busyMs = 0;
  private last: number;

  constructor(private now: () => number) {
    this.last = now();
  }

  /** call before the in-flight count changes; `busy` is whether anything was in flight until now */
  advance(busy: boolean): void {
    const t = this.now();
    if (busy) this.busyMs += t - this.last;
    this.last = t;
  }

  completed(): void {
    this.costMs = ewma(this.costMs, this.busyMs);
    this.busyMs = 0;
  }

  get cost(): number {
    return this.costMs ?? 0;
  }
}

/** one admitted request's share of the gate */
export class Ticket {
  bytes = 0;
  private refs = 1;

  constructor(private gate: AdmissionGate) {}

  /** counts more bytes (body read without Content-Length, decompressed body); false when over the limit */
  grow(bytes: number): boolean {
    if (!this.gate.fits(this, bytes)) return false;
    this.gate.addBytes(this, bytes);
    return true;
  }

  /**
   * Keeps the ticket held while ingest runs, even when the client has gone meanwhile (its
   * memory is still in use). Returns the matching release, safe to call once.
   */
  hold(): () => void {
    if (this.refs === 0) this.gate.readmit(this); // the response closed first: the body is still ours
    this.refs++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.release();
    };
  }

  /** the response's share; the gate is freed when nothing holds the ticket any more */
  release(): void {
    if (this.refs === 0) return;
    if (--this.refs === 0) this.gate.free(this);
  }
}

export class AdmissionGate {
  readonly stats: OtlpReceiverStats = { refusedBusy: 0, refusedUnavailable: 0, inFlightRequests: 0, inFlightBytes: 0, peakInFlightBytes: 0 };
  private clock: CostClock;

  constructor(readonly limits: AdmissionLimits, now: () => number = () => performance.now()) {
    this.clock = new CostClock(now);
  }

  /**
   * A ticket for a request declaring `bytes` (0 when unknown yet), or undefined when it would
   * pass a limit. A request alone is always admitted, so one bigger than maxInFlightBytes still
   * gets through (one at a time) instead of being refused for ever.
   */
  tryAdmit(bytes: number): Ticket | undefined {
    const s = this.stats;
    if (s.inFlightRequests > 0 && (s.inFlightRequests >= this.limits.maxInFlightRequests || s.inFlightBytes + bytes > this.limits.maxInFlightBytes)) return undefined;
    const ticket = new Ticket(this);
    this.readmit(ticket);
    this.addBytes(ticket, bytes);
    return ticket;
  }

  /** the Retry-After of a refusal now */
  retryAfter(): number {
    return retryAfterSeconds(this.clock.cost, this.stats.inFlightRequests);
  }

  /** whether `ticket` may count `bytes` more: within the limit, or it is the only request */
  fits(ticket: Ticket, bytes: number): boolean {
    const s = this.stats;
    return s.inFlightBytes + bytes <= this.limits.maxInFlightBytes || (s.inFlightRequests === 1 && s.inFlightBytes === ticket.bytes);
  }

  addBytes(ticket: Ticket, bytes: number): void {
    ticket.bytes += bytes;
    this.stats.inFlightBytes += bytes;
    this.stats.peakInFlightBytes = Math.max(this.stats.peakInFlightBytes, this.stats.inFlightBytes);
  }

  /** counts the ticket as in flight (its bytes too, when it is counted again after free) */
  readmit(ticket: Ticket): void {
    this.clock.advance(this.stats.inFlightRequests > 0);
    this.stats.inFlightRequests++;
    this.stats.inFlightBytes += ticket.bytes;
    this.stats.peakInFlightBytes = Math.max(this.stats.peakInFlightBytes, this.stats.inFlightBytes);
  }

  free(ticket: Ticket): void {
    this.clock.advance(true);
    this.clock.completed();
    this.stats.inFlightRequests--;
    this.stats.inFlightBytes -= ticket.bytes;
  }
}
