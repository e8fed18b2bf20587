import { logRecordAad, openLogContent, type LogContent } from '../crypto/envelope';
import { LogKeyUnavailableError } from '../crypto/errors';
import type { LogRecord } from '../../common/api';
import { encodeCursor } from './cursor';
import { toLogRecord, type Row } from './rows';

/** A log row's body and attributes: opened with the session's DEK when sealed, else parsed as stored (before encryption). */
export function logRowContent(r: Row, dek: Buffer | undefined): LogContent {
  if (r.sealed == null) return { body: JSON.parse(r.body as string), attributes: JSON.parse(r.attributes as string) };
  const sessionId = r.session_id as string;
  try {
    return openLogContent(dek!, logRecordAad(sessionId, r.dedupe_key as string), r.sealed as Buffer);
  } catch (e) {
    throw new LogKeyUnavailableError(sessionId, undefined, `log record ${r.id} does not decrypt with the session's data key (${(e as Error).message}): tampered or restored from another database`);
  }
}

/** a log-list page from up to limit + 1 rows (newest first): the extra row only says there is a next page */
export function logPage(rows: Row[], limit: number, dek: Buffer | undefined): { logs: LogRecord[]; nextCursor?: string } {
  const logs = rows.slice(0, limit).map((r) => toLogRecord(r, logRowContent(r, dek)));
  const out: { logs: LogRecord[]; nextCursor?: string } = { logs };
  if (rows.length > limit) {
    const last = logs[logs.length - 1];
    out.nextCursor = encodeCursor([last.timeUnixNano, last.id]);
  }
  return out;
}
