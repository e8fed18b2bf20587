/**
 * A provider could not wrap or unwrap a data key: the KEK is revoked, deleted, the KMS is unreachable,
 * or the configured key is not the one the data was wrapped with. Carries the provider's own reason.
 */
export class KeyProviderError extends Error {
  constructor(
    message: string,
    /** the KMS's answer status when there was one (Vault: 400 for a missing key, 403 for a denied token) */
    readonly status?: number
  ) {
    super(message);
    this.name = 'KeyProviderError';
  }
}

/**
 * The logs of a session cannot be read (or written) because its data key cannot be obtained or
 * does not open the records. The API answers 503 with this message; traces are unaffected.
 */
export class LogKeyUnavailableError extends Error {
  constructor(
    readonly sessionId: string,
    readonly kekId: string | undefined,
    readonly reason: string,
    readonly op: 'decrypted' | 'encrypted' = 'decrypted'
  ) {
    super(`logs of session ${sessionId} cannot be ${op}: key ${kekId ?? '(none)'} is unavailable: ${reason}`);
    this.name = 'LogKeyUnavailableError';
  }
}
