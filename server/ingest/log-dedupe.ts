import { createHash } from 'node:crypto';
import type { DecodedLogRecord } from '../otlp/types';

/**
 * Identifies a log record across retries of the same OTLP batch (Kong resends a batch it got no 200
 * for), so a re-sent record is stored once: a hash of everything the record says, nothing of when or
 * where it arrived.
 */
export function logDedupeKey(rec: DecodedLogRecord): string {
  return createHash('sha1')
    .update(`${rec.timeNs}|${rec.traceId ?? ''}|${rec.spanId ?? ''}|${rec.severityNumber}|${rec.severityText ?? ''}|`)
    .update(JSON.stringify(rec.body) ?? '')
    .update(JSON.stringify(rec.attributes))
    .digest('base64url');
}
