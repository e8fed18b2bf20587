import type { LogQueryFilters, TraceQueryFilters, TraceSearchFilters } from '../../common/api';
import { parseStatusFilter } from '../../common/live/match';
import { decodeCursor } from './cursor';
import { parseLevels } from './rows';
import { SqlArgs, type Dialect } from './sql';

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
 * A trace list's conditions in two parts. `seek`: what an index finds (bounds on the start, the cursor, ids), so a
 * search can bound how many rows it examines (trace-search.ts); `filter`: what is tested on each row found.
 * Arguments are added seek first, so a statement must place `seek` before `filter` in its text (SQLite `?` order).
 */
export interface TraceConditions {
  seek: string[];
  filter: string[];
  /** how many of the statement's arguments the seek conditions take (the first ones) */
  seekArgs: number;
}

/**
 * The filters of every trace list (a session's, the tenant's search) over one row alias `p` whose columns are named as
 * in `traces` (`session_traces` carries copies of them), newest first: start_ms DESC, trace_id DESC, with the cursor
 * as the last row of the previous page. `spanErrors` is the expression of the row's span error count.
 */
function sharedConditions(f: TraceQueryFilters, a: SqlArgs, p: string, spanErrors: string): TraceConditions {
  const seek: string[] = [];
  if (f.routeId) seek.push(`${p}.route_id = ${a.add(f.routeId)}`);
  if (f.serviceId) seek.push(`${p}.service_id = ${a.add(f.serviceId)}`);
  if (f.from != null) seek.push(`${p}.start_ms >= ${a.add(f.from)}`);
  if (f.to != null) seek.push(`${p}.start_ms <= ${a.add(f.to)}`);
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    // the bound alone as well: an index seeks to it (the OR below it can only filter, from the newest row on)
    seek.push(`${p}.start_ms <= ${a.add(Number(c[0]))}`);
    seek.push(`(${p}.start_ms < ${a.add(Number(c[0]))} OR (${p}.start_ms = ${a.add(Number(c[0]))} AND ${p}.trace_id < ${a.add(c[1])}))`);
  }
  const seekArgs = a.values.length;
  const filter: string[] = [];
  if (f.status) {
    const [lo, hi] = parseStatusFilter(f.status);
    filter.push(`${p}.status_code BETWEEN ${a.add(lo)} AND ${a.add(hi)}`);
  }
  if (f.minDurationMs != null) filter.push(`${p}.duration_ns >= ${a.add(Math.round(f.minDurationMs * 1e6))}`);
  if (f.method) filter.push(`${p}.method = ${a.add(f.method.toUpperCase())}`);
  if (f.path) filter.push(a.startsWith(`${p}.path`, f.path));
  if (f.errorsOnly) filter.push(a.isTrue(`${p}.error`));
  if (f.spanErrorsOnly) filter.push(`${spanErrors} > 0`);
  return { seek, filter, seekArgs };
}

/**
 * The conditions of a session's trace list over its memberships (`st`, which carry copies of the filter columns),
 * newest first: start_ms DESC, trace_id DESC, with the cursor as the last row of the previous page.
 */
export function traceListConditions(sessionId: string, f: TraceQueryFilters, a: SqlArgs): string[] {
  const where = [`st.session_id = ${a.add(sessionId)}`];
  const { seek, filter } = sharedConditions(f, a, 'st', SPAN_ERRORS[a.dialect]);
  return [...where, ...seek, ...filter];
}

/**
 * The conditions of a search of the tenant's trace rows (`t`), newest first like a session's list. Ids a user knows
 * (trace id, Kong request id) and the indexed entity ids seek; the rest filter. `attributes` are not SQL: they are
 * matched on the span records (trace-search.ts).
 */
export function traceSearchConditions(tenant: string, f: TraceSearchFilters, a: SqlArgs): TraceConditions {
  const seek = [`t.tenant = ${a.add(tenant)}`];
  if (f.traceId) seek.push(`t.trace_id = ${a.add(f.traceId)}`);
  if (f.requestId) seek.push(`t.request_id = ${a.add(f.requestId)}`);
  const shared = sharedConditions(f, a, 't', 't.span_errors');
  const filter = shared.filter;
  if (f.upstreamStatus) {
    const [lo, hi] = parseStatusFilter(f.upstreamStatus);
    filter.push(`t.upstream_status_code BETWEEN ${a.add(lo)} AND ${a.add(hi)}`);
  }
  if (f.consumerId) filter.push(`t.consumer_id = ${a.add(f.consumerId)}`);
  if (f.clientAddress) filter.push(`t.client_address = ${a.add(f.clientAddress)}`);
  if (f.host) filter.push(`t.host = ${a.add(f.host)}`);
  return { seek: [...seek, ...shared.seek], filter, seekArgs: shared.seekArgs };
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

/**
 * A search page as two statements on either store. `page`: the rows matching, newest first, among at most `scan`
 * rows the seek finds (so no search examines more, whatever its filters: a filter that matches little stops at the
 * bound instead of reading the tenant's every trace); `bound`: the last row the scan would examine, asked only when
 * the page came back short: two rows when older rows are left unexamined (the first is where to continue), and only
 * when it can find them (`needsBound`: a page without filters that came back short has seen every row the seek finds,
 * as a search by trace or request id does: one round trip less).
 * `columns`: the trace row columns the page selects, unprefixed.
 */
export function traceSearchStatements(
  tenant: string,
  f: TraceSearchFilters,
  dialect: Dialect,
  columns: readonly string[],
  scan: number,
): { page: Statement; bound: Statement; needsBound(pageRows: number): boolean } {
  const limit = f.limit ?? 50;
  const a = new SqlArgs(dialect);
  const { seek, filter, seekArgs } = traceSearchConditions(tenant, f, a);
  const order = `ORDER BY t.start_ms DESC, t.trace_id DESC`;
  // scan and limit are whole numbers (params.ts), written inline so the arguments stay in text order (SQLite `?`)
  const page = `SELECT * FROM (SELECT ${columns.map((c) => `t.${c}`).join(', ')} FROM traces t WHERE ${seek.join(' AND ')} ${order} LIMIT ${int(scan)}) t
    ${filter.length ? `WHERE ${filter.join(' AND ')}` : ''} ${order} LIMIT ${int(limit) + 1}`;
  const bound = `SELECT t.start_ms, t.trace_id FROM traces t WHERE ${seek.join(' AND ')} ${order} LIMIT 2 OFFSET ${int(scan) - 1}`;
  return {
    page: { sql: page, values: a.values },
    bound: { sql: bound, values: a.values.slice(0, seekArgs) },
    needsBound: (pageRows) => pageRows <= limit && (filter.length > 0 || pageRows >= scan),
  };
}

export interface Statement {
  sql: string;
  values: unknown[];
}

function int(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a whole number, got ${n}`);
  return n;
}
