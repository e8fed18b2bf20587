import type { LogQueryFilters, TraceQueryFilters } from '../../common/api';
import { parseStatusFilter } from '../../common/live/match';
import { decodeCursor } from './cursor';
import { parseLevels } from './rows';
import type { SqlArgs } from './sql';

// one definition for the API and live clients (they filter streamed rows the same way)
export { parseStatusFilter };

/**
 * The span-errors filter and column (`spanErrorsOnly`, TraceListItem.spanErrorCount), on a `session_traces` row
 * aliased `st`. The count is kept in the digest memberships store (common/lifecycle/digest.ts `spanErrors`), so it
 * needs no column and no migration; rows stored before it carry none and do not match. The digest is an array
 * with the count at index 1 (rows.ts storedDigest), or an object (`spanErrors`) when stored before that form.
 */
export const SPAN_ERRORS = {
  sqlite: `coalesce(json_extract(st.digest, '$[1]'), json_extract(st.digest, '$.spanErrors'))`,
  postgres: `(CASE WHEN left(st.digest, 1) = '[' THEN st.digest::json ->> 1 ELSE st.digest::json ->> 'spanErrors' END)::int`,
} as const;

/**
 * The conditions of a session's trace list over its memberships (`st`, which carry copies of the filter columns),
 * newest first: start_ms DESC, trace_id DESC, with the cursor as the last row of the previous page.
 */
export function traceListConditions(sessionId: string, f: TraceQueryFilters, a: SqlArgs): string[] {
  const where = [`st.session_id = ${a.add(sessionId)}`];
  if (f.status) {
    const [lo, hi] = parseStatusFilter(f.status);
    where.push(`st.status_code BETWEEN ${a.add(lo)} AND ${a.add(hi)}`);
  }
  if (f.minDurationMs != null) where.push(`st.duration_ns >= ${a.add(Math.round(f.minDurationMs * 1e6))}`);
  if (f.method) where.push(`st.method = ${a.add(f.method.toUpperCase())}`);
  if (f.path) where.push(a.startsWith('st.path', f.path));
  if (f.routeId) where.push(`st.route_id = ${a.add(f.routeId)}`);
  if (f.serviceId) where.push(`st.service_id = ${a.add(f.serviceId)}`);
  if (f.errorsOnly) where.push(a.isTrue('st.error'));
  if (f.spanErrorsOnly) where.push(`${SPAN_ERRORS[a.dialect]} > 0`);
  if (f.from != null) where.push(`st.start_ms >= ${a.add(f.from)}`);
  if (f.to != null) where.push(`st.start_ms <= ${a.add(f.to)}`);
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    where.push(`(st.start_ms < ${a.add(Number(c[0]))} OR (st.start_ms = ${a.add(Number(c[0]))} AND st.trace_id < ${a.add(c[1])}))`);
  }
  return where;
}

/** The conditions of a session's log list (`l`), newest first: time_ns DESC, id DESC, cursor as for traces. */
export function logListConditions(sessionId: string, f: LogQueryFilters, a: SqlArgs): string[] {
  const where = [`l.session_id = ${a.add(sessionId)}`];
  if (f.traceId) where.push(`l.trace_id = ${a.add(f.traceId.toLowerCase())}`);
  if (f.spanId) where.push(`l.span_id = ${a.add(f.spanId.toLowerCase())}`);
  if (f.level) where.push(`l.level IN (${parseLevels(f.level).map((lv) => a.add(lv)).join(', ')})`);
  if (f.from != null) where.push(`l.time_ns >= ${a.ns(BigInt(Math.floor(f.from)) * 1_000_000n)}`);
  if (f.to != null) where.push(`l.time_ns <= ${a.ns(BigInt(Math.floor(f.to)) * 1_000_000n + 999_999n)}`);
  if (f.cursor) {
    const [ns, id] = decodeCursor(f.cursor);
    where.push(`(l.time_ns < ${a.ns(BigInt(ns))} OR (l.time_ns = ${a.ns(BigInt(ns))} AND l.id < ${a.add(Number(id))}))`);
  }
  return where;
}
