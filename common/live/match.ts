import type { LogQueryFilters, LogRecord, TraceListItem, TraceQueryFilters } from '../api';

/**
 * The trace list's status filter: an exact code ("503"), a class ("5xx") or an inclusive range ("500-599").
 * Returns the inclusive [low, high] bounds, or throws a RangeError whose message says what is accepted.
 */
export function parseStatusFilter(raw: string): [number, number] {
  const s = raw.trim().toLowerCase();
  let m = /^([1-5])xx$/.exec(s);
  if (m) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
  m = /^(\d{3})$/.exec(s);
  if (m) return [Number(m[1]), Number(m[1])];
  m = /^(\d{3})\s*-\s*(\d{3})$/.exec(s);
  if (m && Number(m[1]) <= Number(m[2])) return [Number(m[1]), Number(m[2])];
  throw new RangeError(`invalid status filter "${raw}": use a code (503), a class (5xx) or a range (500-599)`);
}

/**
 * Whether a streamed trace row belongs in a list with these filters: what the server's trace list keeps
 * (server/store/filters.ts), for rows a live stream pushes unfiltered. `to` is not applied: a live list grows.
 */
export function traceMatches(t: TraceListItem, f: TraceQueryFilters): boolean {
  if (f.status) {
    const [lo, hi] = parseStatusFilter(f.status);
    if (t.statusCode === undefined || t.statusCode < lo || t.statusCode > hi) return false;
  }
  if (f.minDurationMs != null && t.durationNs < Math.round(f.minDurationMs * 1e6)) return false;
  if (f.method && t.method !== f.method.toUpperCase()) return false;
  if (f.path && !(t.path ?? '').startsWith(f.path)) return false;
  if (f.routeId && t.routeId !== f.routeId) return false;
  if (f.serviceId && t.serviceId !== f.serviceId) return false;
  if (f.errorsOnly && !t.error) return false;
  if (f.spanErrorsOnly && !((t.spanErrorCount ?? 0) > 0)) return false;
  if (f.from != null && t.startTimeMs < f.from) return false;
  return true;
}

/** Whether a streamed log record belongs in a list with these filters (as the server's log list; `to` not applied). */
export function logMatches(l: LogRecord, f: LogQueryFilters): boolean {
  if (f.traceId && l.traceId !== f.traceId.toLowerCase()) return false;
  if (f.spanId && l.spanId !== f.spanId.toLowerCase()) return false;
  if (f.level) {
    const levels = f.level.split(',').map((s) => s.trim().toLowerCase());
    if (!levels.includes(l.level)) return false;
  }
  if (f.from != null && l.timeMs < Math.floor(f.from)) return false;
  return true;
}
