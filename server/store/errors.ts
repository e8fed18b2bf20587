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

/**
 * A session for this alert (tenant and fingerprint) is already running: the store keeps one running session per
 * alert (a unique index over running sessions), so replicas receiving the same notification start one between them.
 */
export class AlertSessionRunningError extends Error {
  constructor(public readonly alertKey: string) {
    super(`a session for alert ${alertKey} is already running`);
    this.name = 'AlertSessionRunningError';
  }
}

/** the key a session's alert is stored and looked up under: one tenant's fingerprint (tenant names hold no "/") */
export function alertKey(tenant: string, fingerprint: string): string {
  return `${tenant}/${fingerprint}`;
}
