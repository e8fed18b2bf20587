import type { LogLevel, LogRecord, Span, TraceListItem } from '../../common/api';
import type { TraceDigest } from '../../common/lifecycle';
import type { TraceOrigin } from './span-codec';
import { nsToMs } from '../../common/spans/time';
import { encodeCursor } from './cursor';
import type { TraceListResult, StoredTrace } from './types';

/**
 * Database rows → API objects, for both stores. Column names are the same in SQLite and PostgreSQL;
 * only the value types differ (SQLite: bigint ns and 0/1 flags; PostgreSQL: ns as decimal strings, booleans).
 */
export type Row = Record<string, unknown>;

/** an absolute ns time as the driver returns it */
export function nsOf(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as string | number);
}

function truthy(v: unknown): boolean {
  return v === true || Number(v) === 1;
}

export function toSpan(r: Row): Span {
  const startNs = nsOf(r.start_ns);
  const endNs = nsOf(r.end_ns);
  const span: Span = {
    traceId: r.trace_id as string,
    spanId: r.span_id as string,
    parentSpanId: r.parent_span_id as string,
    name: r.name as string,
    kind: Number(r.kind),
    startTimeUnixNano: startNs.toString(),
    endTimeUnixNano: endNs.toString(),
    startTimeMs: nsToMs(startNs),
    durationNs: Number(endNs - startNs),
    attributes: JSON.parse(r.attributes as string),
    events: JSON.parse(r.events as string),
    statusCode: Number(r.status_code),
  };
  if (r.status_message != null) span.statusMessage = r.status_message as string;
  return span;
}

const OPTIONAL: Array<[keyof TraceListItem, string, 'n' | 's']> = [
  ['method', 'method', 's'],
  ['path', 'path', 's'],
  ['url', 'url', 's'],
  ['host', 'host', 's'],
  ['statusCode', 'status_code', 'n'],
  ['upstreamStatusCode', 'upstream_status_code', 'n'],
  ['routeId', 'route_id', 's'],
  ['serviceId', 'service_id', 's'],
  ['consumerId', 'consumer_id', 's'],
  ['clientAddress', 'client_address', 's'],
  ['requestId', 'request_id', 's'],
];

export function toTraceItem(r: Row): TraceListItem {
  const item: TraceListItem = {
    traceId: r.trace_id as string,
    startTimeUnixNano: String(r.start_ns),
    startTimeMs: Number(r.start_ms),
    durationNs: Number(r.duration_ns),
    error: truthy(r.error),
    spanCount: Number(r.span_count),
    dialect: r.dialect as 'enterprise' | 'oss',
    latency: JSON.parse(r.latency as string),
  };
  // `span_errors`: selected from the membership's digest (filters.ts SPAN_ERRORS); absent on rows stored before it
  if (r.span_errors != null) item.spanErrorCount = Number(r.span_errors);
  for (const [key, col, t] of OPTIONAL) {
    const v = r[col];
    if (v != null) (item as unknown as Record<string, unknown>)[key] = t === 'n' ? Number(v) : v;
  }
  return item;
}

/** a trace-list page from up to limit + 1 rows (newest first): the extra row only says there is a next page */
export function tracePage(rows: Row[], limit: number): TraceListResult {
  const page = rows.slice(0, limit).map(toTraceItem);
  const result: TraceListResult = { traces: page };
  if (rows.length > limit) {
    const last = page[page.length - 1];
    result.nextCursor = encodeCursor([String(last.startTimeMs), last.traceId]);
  }
  return result;
}

/**
 * A search page (filters.ts traceSearchStatements): as tracePage, and when the page came back short while the scan
 * stopped at its bound with older rows left (`bound`: the last row it examined and the next), the cursor continues
 * from the last row examined and the page is partial.
 */
export function searchPage(rows: Row[], limit: number, bound: Row[] = []): TraceListResult {
  const result = tracePage(rows, limit);
  if (!result.nextCursor && bound.length === 2) {
    result.nextCursor = encodeCursor([String(Number(bound[0].start_ms)), bound[0].trace_id as string]);
    result.partial = true;
  }
  return result;
}

/** a log row whose content (body, attributes) is already opened */
export function toLogRecord(r: Row, content: { body: unknown; attributes: unknown }): LogRecord {
  const ns = nsOf(r.time_ns);
  const rec: LogRecord = {
    id: String(r.id),
    sessionId: r.session_id as string,
    timeUnixNano: ns.toString(),
    timeMs: nsToMs(ns),
    level: r.level as LogLevel,
    severityNumber: Number(r.severity_number),
    body: content.body as LogRecord['body'],
    attributes: content.attributes as LogRecord['attributes'],
  };
  if (r.severity_text != null) rec.severityText = r.severity_text as string;
  if (r.trace_id != null) rec.traceId = r.trace_id as string;
  if (r.span_id != null) rec.spanId = r.span_id as string;
  if (r.span_name != null) rec.spanName = r.span_name as string;
  return rec;
}

export const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg', 'unknown']);

/** `level` filter value → the levels, or a RangeError naming the unknown one */
export function parseLevels(level: string): string[] {
  const levels = level
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const lv of levels) if (!LOG_LEVELS.has(lv)) throw new RangeError(`unknown log level "${lv}"; use ${[...LOG_LEVELS].join(', ')}`);
  return levels;
}

/**
 * A trace's summary digest as memberships store it: without the trace id and start, which the row has (about 70
 * bytes a trace less). Digests stored before carry them; the stored values then win, so both read the same.
 */
export function storedDigest(d: TraceDigest): Omit<TraceDigest, 'traceId' | 'startTimeMs'> {
  const { traceId, startTimeMs, ...rest } = d;
  void traceId;
  void startTimeMs;
  return rest;
}

/** the digest of a row with trace_id, start_ms and the stored digest */
export function toDigest(r: Row): TraceDigest {
  return { traceId: r.trace_id as string, startTimeMs: Number(r.start_ms), ...JSON.parse(r.digest as string) };
}

/** a stored trace row: the list item, the digest, and the resource and scope its span records carry */
export function toTraceRow(r: Row, origin: TraceOrigin): StoredTrace {
  return { ...toTraceItem(r), ...origin, digest: toDigest(r) };
}
