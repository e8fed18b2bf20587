import type { DecodedLogBatch, DecodedTraceBatch } from '../otlp/types';
import { StoreUnavailableError } from '../store/errors';

/*
 * What a transport (the OTLP/HTTP receiver today) may expect of whatever consumes decoded telemetry,
 * modelled on the OpenTelemetry Collector's consumer and consumererror packages:
 * - a consumer call that resolves means the data is kept (the transport may acknowledge it);
 * - a call that throws says whether sending the same data again may succeed (retryable) or never
 *   will (permanent), and for a retryable one, when to try again.
 * Transports map these to their own answers (server/otlp/answers.ts for OTLP/HTTP); consumers never
 * know about HTTP.
 */

export interface TraceConsumer {
  ingestTraces(batch: DecodedTraceBatch): void | Promise<void>;
}

export interface LogConsumer {
  ingestLogs(batch: DecodedLogBatch): void | Promise<void>;
}

/** a consumer of both signals (the ingest pipeline) */
export type Consumer = TraceConsumer & LogConsumer;

/** retryable: the consumer is over capacity (too much waiting in memory); try again after `retryAfterSeconds` */
export class BackpressureError extends Error {
  readonly retryable = true;
  constructor(
    public retryAfterSeconds: number,
    // the transport adds when to retry (OTLP/HTTP: Retry-After and the Status message)
    message = 'ingest is over capacity',
  ) {
    super(message);
    this.name = 'BackpressureError';
  }
}

/** retryable: a dependency (the database) cannot take writes now; thrown by the store, part of this contract */
export { StoreUnavailableError, STORE_UNAVAILABLE_RETRY_SECONDS } from '../store/errors';

/** permanent: this data can never be accepted (sending it again fails the same way); the sender should drop it */
export class PermanentError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

/**
 * How a transport should treat a consumer's error:
 * - `busy`: retryable, the consumer is over capacity (OTLP: 429 RESOURCE_EXHAUSTED);
 * - `unavailable`: retryable, a dependency is down (OTLP: 503 UNAVAILABLE);
 * - `permanent`: not retryable, the data is refused (OTLP: 400 INVALID_ARGUMENT);
 * - `internal`: none of these, i.e. a bug; reported as such (OTLP: 500 INTERNAL). Unlike the
 *   Collector (which treats unmarked errors as retryable) we keep a bug visible as a 500; Kong's
 *   exporter retries any non-200 answer anyway.
 */
export type ConsumerErrorKind =
  | { kind: 'busy'; retryAfterSeconds: number }
  | { kind: 'unavailable'; retryAfterSeconds: number }
  | { kind: 'permanent' }
  | { kind: 'internal' };

export function classifyConsumerError(e: unknown): ConsumerErrorKind {
  if (e instanceof BackpressureError) return { kind: 'busy', retryAfterSeconds: e.retryAfterSeconds };
  if (e instanceof StoreUnavailableError) return { kind: 'unavailable', retryAfterSeconds: e.retryAfterSeconds };
  if (e instanceof PermanentError) return { kind: 'permanent' };
  return { kind: 'internal' };
}
