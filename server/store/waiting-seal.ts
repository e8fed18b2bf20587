import { gcmOpen, gcmSeal, logRecordAad } from '../crypto/envelope';
import type { WaitingRow } from './types';

/**
 * session_keys row whose DEK seals log records still waiting for their trace's decision (`waiting`, kind 'logs').
 * Its stored id keeps its first name: sealed rows are bound to it (AAD), so renaming it would orphan them.
 */
export const WAITING_KEY_ID = '~pending';
const SEALED_WAITING = 'sealed:v1:';

/** Waiting logs hold log content too: sealed with the waiting DEK, bound to their trace id. */
export function sealWaitingPayload(dek: Buffer, traceId: string, payload: string): string {
  return SEALED_WAITING + gcmSeal(dek, Buffer.from(payload, 'utf8'), logRecordAad(WAITING_KEY_ID, traceId)).toString('base64');
}

export function isSealedWaiting(stored: string): boolean {
  return stored.startsWith(SEALED_WAITING);
}

/** the payload as written; throws when `dek` is not the key it was sealed with */
export function openWaitingPayload(dek: Buffer, traceId: string, stored: string): string {
  return gcmOpen(dek, Buffer.from(stored.slice(SEALED_WAITING.length), 'base64'), logRecordAad(WAITING_KEY_ID, traceId)).toString('utf8');
}

/**
 * Stored waiting rows as the pipeline restores them: sealed ones opened with the waiting DEK. Rows that
 * cannot be opened (key not loaded or gone) stay in the table, are named in the log, and are not restored.
 */
export function openWaitingRows(rows: Array<{ tenant: string; trace_id: string; kind: 'spans' | 'logs'; payload: string; received_ms: number }>, dek: Buffer | undefined): WaitingRow[] {
  const out: WaitingRow[] = [];
  for (const r of rows) {
    let payload = r.payload;
    if (isSealedWaiting(payload)) {
      try {
        if (!dek) throw new Error('their key was not loaded (prepareKeys) or is unavailable');
        payload = openWaitingPayload(dek, r.trace_id, payload);
      } catch (e) {
        process.stderr.write(`warning: waiting logs of trace ${r.trace_id} cannot be decrypted and are not restored: ${(e as Error).message}\n`);
        continue;
      }
    }
    out.push({ tenant: r.tenant, traceId: r.trace_id, kind: r.kind, payload, receivedMs: Number(r.received_ms) });
  }
  return out;
}
