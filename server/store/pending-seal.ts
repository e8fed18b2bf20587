import { gcmOpen, gcmSeal, logRecordAad } from '../crypto/envelope';
import type { PendingRow } from './types';

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

/**
 * Stored waiting rows as the pipeline restores them: sealed ones opened with the pending DEK. Rows that
 * cannot be opened (key not loaded or gone) stay in the table, are named in the log, and are not restored.
 */
export function openPendingRows(rows: Array<{ tenant: string; trace_id: string; kind: 'spans' | 'logs'; payload: string; received_ms: number }>, dek: Buffer | undefined): PendingRow[] {
  const out: PendingRow[] = [];
  for (const r of rows) {
    let payload = r.payload;
    if (isSealedPending(payload)) {
      try {
        if (!dek) throw new Error('their key was not loaded (prepareKeys) or is unavailable');
        payload = openPendingPayload(dek, r.trace_id, payload);
      } catch (e) {
        process.stderr.write(`warning: waiting logs of trace ${r.trace_id} cannot be decrypted and are not restored: ${(e as Error).message}\n`);
        continue;
      }
    }
    out.push({ tenant: r.tenant, traceId: r.trace_id, kind: r.kind, payload, receivedMs: Number(r.received_ms) });
  }
  return out;
}
