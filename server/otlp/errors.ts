/**
 * A request body that cannot be decoded at all (malformed protobuf, invalid JSON, wrong
 * top-level shape). The receiver turns it into HTTP 400 with this message; per-item problems
 * (a bad span id) are NOT thrown but counted in the batch's `rejected`.
 */
export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}

/** how many per-item reasons a batch keeps (its `rejected` count is always exact) */
export const MAX_ERRORS = 10;
