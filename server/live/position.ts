/**
 * A live stream's position in the store: the last trace row and the last log record it delivered, each as
 * (received ms, id) — the order the store reads them back in (Store.tracesReceivedAfter / logsReceivedAfter).
 * It is the SSE event id, so a reconnect (Last-Event-ID, or `?since=`) resumes from the store on any replica,
 * not from one process's memory.
 */
export interface StreamPosition {
  traceMs: number;
  traceId: string;
  logMs: number;
  logId: number;
  /**
   * Rows received up to this time had been committed when the stream last read (feed.ts): those before the
   * position were sent. Later ones before it may have been committed after the read, and are read again.
   */
  safeMs: number;
}

/** the start of a session: everything it holds */
export const START: StreamPosition = { traceMs: 0, traceId: '', logMs: 0, logId: 0, safeMs: 0 };

export class PositionError extends Error {}

/** `<traceMs>.<traceId>.<logMs>.<logId>.<safeMs>`: short, no characters SSE or a URL query would need escaped */
export function encodePosition(p: StreamPosition): string {
  return `${p.traceMs}.${p.traceId}.${p.logMs}.${p.logId}.${p.safeMs}`;
}

const EVENT_ID = /^(\d{1,15})\.([0-9a-f]{32}|)\.(\d{1,15})\.(\d{1,18})\.(\d{1,16})$/;

/**
 * An event id (as encodePosition wrote it), or Unix milliseconds (or `now`) meaning "what was written from then on";
 * anything else is a PositionError naming both accepted forms.
 */
export function decodePosition(raw: string, now: () => number = Date.now): StreamPosition {
  const v = raw.trim();
  if (/^\d{1,15}$/.test(v)) return fromTime(Number(v));
  // the server's clock, not the client's: a client opens the stream, then lists what came before (no gap)
  if (v === 'now') return fromTime(now());
  const m = EVENT_ID.exec(v);
  if (!m)
    throw new PositionError(
      `invalid stream position "${raw.slice(0, 80)}": pass back the id of the last event received (Last-Event-ID), Unix milliseconds, or "now"`
    );
  return { traceMs: Number(m[1]), traceId: m[2], logMs: Number(m[3]), logId: Number(m[4]), safeMs: Number(m[5]) };
}

/** rows written from `ms` on: (ms, '') and (ms, 0) sort before every row of that millisecond, and nothing before counts as unsent */
function fromTime(ms: number): StreamPosition {
  return { traceMs: ms, traceId: '', logMs: ms, logId: 0, safeMs: ms };
}

/** whether (ms, id) comes after (afterMs, afterId) in the store's order */
export function isAfter(ms: number, id: string | number, afterMs: number, afterId: string | number): boolean {
  return ms > afterMs || (ms === afterMs && id > afterId);
}
