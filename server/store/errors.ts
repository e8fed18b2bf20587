/** Retry-After of a 503 when nothing better is known: a reconnect takes seconds, and Kong gives up after 60 s */
export const STORE_UNAVAILABLE_RETRY_SECONDS = 5;

/**
 * The database cannot be reached right now; the request may be retried. The OTLP receiver answers 503 with
 * Retry-After (which OTLP senders retry), the REST API 503 too.
 */
export class StoreUnavailableError extends Error {
  constructor(
    message: string,
    public retryAfterSeconds: number = STORE_UNAVAILABLE_RETRY_SECONDS,
  ) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}
