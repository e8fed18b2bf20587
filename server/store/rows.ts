import type { LatencyBreakdown, LogLevel, LogRecord, Span, TraceListItem } from '../../common/api';
import { DIGEST_LATENCY_KEYS, type TraceDigest } from '../../common/lifecycle';
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

const BREAKDOWN_KEYS = ['totalMs', 'internalMs', 'upstreamMs', 'clientMs'] as const;
const THIRD_PARTY_KEYS = ['totalMs', 'dnsMs', 'httpClientMs', 'redisMs', 'tcpSocketMs'] as const;

/** values at `keys` in order, null for an absent one, trailing nulls left out */
function valuesOf<K extends string>(o: Partial<Record<K, number>>, keys: readonly K[]): Array<number | null> {
  const out = keys.map((k) => o[k] ?? null);
  while (out.length && out[out.length - 1] === null) out.pop();
  return out;
}

/**
 * A trace row's latency breakdown as stored, compact (issue 17: about 150 bytes a trace as an object, 65 this way):
 * a JSON array `[totalMs, internalMs, upstreamMs, clientMs, thirdParty?]`, thirdParty itself
 * `[totalMs, dnsMs, httpClientMs, redisMs, tcpSocketMs]`, null for an absent value, trailing nulls left out.
 */
export function storedLatency(l: LatencyBreakdown): string {
  const out: unknown[] = valuesOf(l, BREAKDOWN_KEYS);
  if (l.thirdParty) {
    while (out.length < BREAKDOWN_KEYS.length) out.push(null);
    out.push(valuesOf(l.thirdParty, THIRD_PARTY_KEYS));
  }
  return JSON.stringify(out);
}

/** a stored latency breakdown: the compact array, or the object rows stored before it */
export function readLatency(text: string): LatencyBreakdown {
  const v = JSON.parse(text) as LatencyBreakdown | Array<number | null | Array<number | null>>;
  if (!Array.isArray(v)) return v;
  const l: LatencyBreakdown = {};
  const set = <K extends string>(o: Partial<Record<K, number>>, keys: readonly K[], vals: unknown[]) => {
    keys.forEach((k, i) => {
      if (vals[i] != null) o[k] = vals[i] as number;
    });
  };
  set(l, ['totalMs', 'internalMs', 'upstreamMs'] as const, v);
  if (Array.isArray(v[4])) set((l.thirdParty = {}), THIRD_PARTY_KEYS, v[4]);
  if (v[3] != null) l.clientMs = v[3] as number;
  return l;
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
    latency: readLatency(r.latency as string),
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

const DIALECTS = ['oss', 'enterprise'] as const;
const LATENCY_KEYS = DIGEST_LATENCY_KEYS;

/** a digest as memberships store it (storedDigest) */
export type StoredDigest = [number, number | null, PackedNodes, ...Array<number | null>];

/** digest nodes with each phase's plugins under the phase: `{"access": {"key-auth": ns}}` for `access.key-auth` */
type PackedNodes = Record<string, number | Record<string, number>>;

/**
 * Digest nodes with the plugins of a phase under it (the phase name once, not once a plugin), in the same order:
 * edges (no '.') stay as they are. Undefined when that cannot keep the order or meaning (a phase's plugins not
 * next to each other, a phase named as another key): the nodes are then stored as they are, which unpackNodes
 * reads the same way (a number is a key's value, an object a phase's plugins).
 */
function packNodes(nodes: Record<string, number>): PackedNodes | undefined {
  const out: PackedNodes = Object.create(null);
  let group: Record<string, number> | undefined;
  let groupPhase = '';
  for (const key in nodes) {
    const dot = key.indexOf('.');
    if (dot <= 0) {
      if (key in out) return undefined;
      out[key] = nodes[key];
      group = undefined;
      continue;
    }
    const phase = key.slice(0, dot);
    if (group && phase === groupPhase) {
      group[key.slice(dot + 1)] = nodes[key];
      continue;
    }
    if (phase in out) return undefined;
    group = out[phase] = Object.create(null) as Record<string, number>;
    group[key.slice(dot + 1)] = nodes[key];
    groupPhase = phase;
  }
  return out;
}

/**
 * `phase.plugin` keys already built, so a session summary's 10,000 digests share one string a key instead of
 * concatenating (and hashing) a new one each time (measured: twice the summary's digest reading without it).
 * Bounded: past KEY_CACHE_MAX keys it starts over.
 */
const nodeKeys = new Map<string, Map<string, string>>();
let nodeKeyCount = 0;
const KEY_CACHE_MAX = 10_000;

function nodeKey(phase: string, plugin: string): string {
  let byPlugin = nodeKeys.get(phase);
  if (!byPlugin) {
    if (nodeKeyCount >= KEY_CACHE_MAX) {
      nodeKeys.clear();
      nodeKeyCount = 0;
    }
    nodeKeys.set(phase, (byPlugin = new Map()));
  }
  let key = byPlugin.get(plugin);
  if (key === undefined) {
    if (nodeKeyCount >= KEY_CACHE_MAX) return `${phase}.${plugin}`;
    byPlugin.set(plugin, (key = `${phase}.${plugin}`));
    nodeKeyCount++;
  }
  return key;
}

function unpackNodes(packed: PackedNodes): Record<string, number> {
  const nodes: Record<string, number> = {};
  for (const key in packed) {
    const v = packed[key];
    if (typeof v !== 'object' || v === null) nodes[key] = v;
    else for (const plugin in v) nodes[nodeKey(key, plugin)] = v[plugin];
  }
  return nodes;
}

/**
 * A trace's summary digest as memberships store it, compact (issue 17: the digest was about 440 of a membership's
 * 620 bytes on PostgreSQL): a JSON array `[dialect, spanErrors, nodes, totalMs, internalMs, upstreamMs, thirdPartyMs,
 * clientMs]`, dialect 0 = oss, 1 = enterprise, null for an absent value, trailing nulls left out, nodes with each
 * phase's plugins under the phase (packNodes). Without the trace
 * id and start, which the row has. Digests stored before are objects (with or without id and start): toDigest reads
 * both, and `spanErrors` sits at index 1 so SQL can read it from either (filters.ts SPAN_ERRORS).
 */
export function storedDigest(d: TraceDigest): StoredDigest {
  const out: StoredDigest = [d.dialect === 'enterprise' ? 1 : 0, d.spanErrors ?? null, packNodes(d.nodes) ?? d.nodes];
  for (const k of LATENCY_KEYS) out.push(d.latency[k] ?? null);
  while (out.length > 3 && out[out.length - 1] === null) out.pop();
  return out;
}

/** the digest of a row with trace_id, start_ms and the stored digest (either form) */
export function toDigest(r: Row): TraceDigest {
  const traceId = r.trace_id as string;
  const startTimeMs = Number(r.start_ms);
  const s = JSON.parse(r.digest as string) as StoredDigest | Omit<TraceDigest, 'traceId' | 'startTimeMs'>;
  // an object: stored before the compact form; its own id and start, when it carries them, win
  if (!Array.isArray(s)) return { traceId, startTimeMs, ...s };
  const latency: TraceDigest['latency'] = {};
  for (let i = 0; i < LATENCY_KEYS.length; i++) {
    const v = s[3 + i];
    if (v != null) latency[LATENCY_KEYS[i]] = v as number;
  }
  const d: TraceDigest = { traceId, startTimeMs, dialect: DIALECTS[s[0]], latency, nodes: unpackNodes(s[2]) };
  if (s[1] !== null) d.spanErrors = s[1];
  return d;
}

/** a stored trace row: the list item, the digest, and the resource and scope its span records carry */
export function toTraceRow(r: Row, origin: TraceOrigin): StoredTrace {
  return { ...toTraceItem(r), ...origin, digest: toDigest(r) };
}
