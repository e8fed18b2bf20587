/** The database cannot be reached right now; the request may be retried (OTLP: 503 with Retry-After). */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}
