import { logRecordAad, sealLogContent } from '../crypto/envelope';
import { LogKeyUnavailableError } from '../crypto/errors';
import type { SessionKeyring } from '../crypto/keyring';
import { WAITING_KEY_ID, sealWaitingPayload } from './waiting-seal';
import type { Row } from './rows';
import type { NewLogRecord, WriteBatch } from './types';

/**
 * Log encryption at rest as both stores apply it (server/crypto): each log row's body and attributes are sealed with
 * its session's DEK, waiting logs with the waiting DEK. Without a keyring logs are stored in plaintext (tests,
 * explicit opt-out).
 */
export class LogKeys {
  /** DEK of waiting logs, held for the store's life so restoring them needs no provider call */
  waitingDek?: Buffer;

  constructor(readonly keyring: SessionKeyring | undefined) {}

  /**
   * The DEKs a batch's logs need (undefined: nothing to seal): synchronous when every one is cached, the common
   * case. A session whose key cannot be had (revoked KEK, KMS down) is left out with a warning and loses this
   * batch's logs; the spans and other sessions' logs are still written, so traces keep flowing. Logs are never
   * stored unencrypted.
   */
  forBatch(batch: WriteBatch): Map<string, Buffer> | undefined | Promise<Map<string, Buffer> | undefined> {
    const keyring = this.keyring;
    if (!keyring) return undefined;
    const needWaiting = !this.waitingDek && (batch.waitingAdd ?? []).some((p) => p.kind === 'logs');
    if (batch.logs.length === 0 && !needWaiting) return undefined;
    const deks = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const id of new Set(batch.logs.map((l) => l.sessionId))) {
      const d = keyring.cached(id);
      if (d) deks.set(id, d);
      else missing.push(id);
    }
    if (missing.length === 0 && !needWaiting) return deks;
    return Promise.all([
      ...missing.map((id) =>
        keyring.dekForWrite(id).then(
          (d) => void deks.set(id, d),
          (e: Error) => void process.stderr.write(`warning: ${e.message}; the logs of this batch for that session are not stored\n`),
        ),
      ),
      needWaiting ? keyring.dekForWrite(WAITING_KEY_ID).then((d) => void (this.waitingDek = d)) : undefined,
    ]).then(() => deks);
  }

  /** false when the log's session key was unavailable for this batch (see forBatch): the log is not stored */
  canStore(l: NewLogRecord, deks: Map<string, Buffer> | undefined): boolean {
    return !deks || deks.has(l.sessionId);
  }

  /** the sealed content of a log row, or null when logs are stored in plaintext */
  seal(l: NewLogRecord, deks: Map<string, Buffer> | undefined): Buffer | null {
    const dek = deks?.get(l.sessionId);
    return dek ? sealLogContent(dek, logRecordAad(l.sessionId, l.dedupeKey), { body: l.body, attributes: l.attributes }) : null;
  }

  /** a waiting row's payload as stored: logs sealed with the waiting DEK, bound to their trace id */
  sealWaiting(traceId: string, kind: string, payload: string): string {
    if (!this.keyring || kind !== 'logs') return payload;
    return sealWaitingPayload(this.waitingDek!, traceId, payload);
  }

  /** loads the waiting DEK when sealed waiting logs exist (before the pipeline restores them) */
  async loadWaitingDek(sealedWaiting: () => boolean | Promise<boolean>): Promise<void> {
    if (!this.keyring || this.waitingDek) return;
    if (!(await sealedWaiting())) return;
    try {
      this.waitingDek = await this.keyring.dekForWrite(WAITING_KEY_ID);
    } catch (e) {
      // Start anyway: traces and new data still work; loadWaiting names what it cannot restore.
      process.stderr.write(`warning: ${(e as Error).message}\n`);
    }
  }

  /** the DEK that opens a page of the session's log rows: none when none is sealed; one provider call at most */
  forPage(sessionId: string, rows: Row[]): Buffer | undefined | Promise<Buffer> {
    if (!rows.some((r) => r.sealed != null)) return undefined;
    if (!this.keyring) throw new LogKeyUnavailableError(sessionId, undefined, 'the server runs without a key provider but the logs are encrypted');
    return this.keyring.cached(sessionId) ?? this.keyring.dekForRead(sessionId);
  }
}
