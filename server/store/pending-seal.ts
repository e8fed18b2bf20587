import { gcmOpen, gcmSeal, logRecordAad } from '../crypto/envelope';

/** session_keys row whose DEK seals log records still waiting for their trace's decision (`pending`, kind 'logs') */
export const PENDING_KEY_ID = '~pending';
const SEALED_PENDING = 'sealed:v1:';

/** Waiting logs hold log content too: sealed with the pending DEK, bound to their trace id. */
export function sealPendingPayload(dek: Buffer, traceId: string, payload: string): string {
  return SEALED_PENDING + gcmSeal(dek, Buffer.from(payload, 'utf8'), logRecordAad(PENDING_KEY_ID, traceId)).toString('base64');
}

export function isSealedPending(stored: string): boolean {
  return stored.startsWith(SEALED_PENDING);
}

/** the payload as written; throws when `dek` is not the key it was sealed with */
export function openPendingPayload(dek: Buffer, traceId: string, stored: string): string {
  return gcmOpen(dek, Buffer.from(stored.slice(SEALED_PENDING.length), 'base64'), logRecordAad(PENDING_KEY_ID, traceId)).toString('utf8');
}
