import type { AttributeValue, Span, TraceListItem, TraceSearchFilters, TraceSearchItem, TraceSearchResult } from '../../common/api';
import { encodeCursor } from './cursor';
import type { Store, TraceListResult } from './types';

/**
 * Bounds of one search request, so no search holds the server however little its filters match. A page that stops at
 * a bound is `partial` and its `nextCursor` continues from there (common/api.ts TraceSearchResult).
 */
export interface SearchBounds {
  scanRows: number;
  scanRowsPerTurn: number;
  scanRecords: number;
  recordsPerTurn: number;
}

export const SEARCH_BOUNDS: Readonly<SearchBounds> = {
  /** trace rows a request's SQL examines (filters.ts traceSearchStatements) */
  scanRows: 20_000,
  /** of which one statement examines at most this many (SQLite holds the event loop while it runs: ~15 ms measured) */
  scanRowsPerTurn: 5_000,
  /** traces whose span records an `attr.` search opens in one request (each is decoded) */
  scanRecords: 2_000,
  /** span records opened between two yields to the event loop (SQLite decodes synchronously) */
  recordsPerTurn: 100,
};

/**
 * `GET /api/v1/traces`: the tenant's traces across its sessions, newest first, each with the sessions holding it.
 * The SQL filters run in the store, at most SEARCH_BOUNDS.scanRows rows a request; `attributes` are matched on span
 * records, candidates taken from the SQL filters' pages, at most SEARCH_BOUNDS.scanRecords of them a request.
 */
export async function searchTraces(store: Store, tenant: string, f: TraceSearchFilters, bounds: Readonly<SearchBounds> = SEARCH_BOUNDS): Promise<TraceSearchResult> {
  const attrs = f.attributes && Object.keys(f.attributes).length ? f.attributes : undefined;
  const page = attrs ? await matchAttributes(store, tenant, f, attrs, bounds) : await scanRows(store, tenant, f, bounds);
  const held = page.traces.length ? await store.sessionsOfTraces(tenant, page.traces.map((t) => t.traceId)) : new Map<string, string[]>();
  const result: TraceSearchResult = { traces: page.traces.map((t): TraceSearchItem => ({ ...t, sessionIds: held.get(t.traceId) ?? [] })) };
  if (page.nextCursor) result.nextCursor = page.nextCursor;
  if (page.partial) result.partial = true;
  return result;
}

/** the SQL filters' page: statements of at most scanRowsPerTurn rows each, other requests served between them */
async function scanRows(store: Store, tenant: string, f: TraceSearchFilters, bounds: Readonly<SearchBounds>): Promise<TraceListResult> {
  const limit = f.limit ?? 50;
  const found: TraceListItem[] = [];
  let cursor = f.cursor;
  for (let scanned = 0; ; ) {
    // a partial page holds fewer rows than asked, so there is always room for the next statement's
    const page = await store.searchTraces(tenant, { ...f, cursor, limit: limit - found.length }, bounds.scanRowsPerTurn);
    found.push(...page.traces);
    if (!page.partial) return page.nextCursor ? { traces: found, nextCursor: page.nextCursor } : { traces: found };
    scanned += bounds.scanRowsPerTurn;
    cursor = page.nextCursor;
    if (scanned >= bounds.scanRows) return { traces: found, nextCursor: cursor, partial: true };
    await nextTurn();
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function matchAttributes(
  store: Store,
  tenant: string,
  f: TraceSearchFilters,
  attrs: Record<string, string>,
  bounds: Readonly<SearchBounds>,
): Promise<TraceListResult> {
  const limit = f.limit ?? 50;
  const found: TraceListItem[] = [];
  let cursor = f.cursor;
  let examined = 0;
  for (;;) {
    const chunk = Math.min(bounds.recordsPerTurn, bounds.scanRecords - examined);
    const candidates = await store.searchTraces(tenant, { ...f, attributes: undefined, cursor, limit: chunk }, bounds.scanRowsPerTurn);
    const spans = await store.spansOfTraces(tenant, candidates.traces.map((t) => t.traceId));
    for (const t of candidates.traces) {
      examined++;
      if (!hasAttributes(spans.get(t.traceId) ?? [], attrs)) continue;
      found.push(t);
      // one more than the page says there is a next page; the cursor is then the page's last row, as tracePage's
      if (found.length > limit) return { traces: found.slice(0, limit), nextCursor: cursorOf(found[limit - 1]) };
    }
    if (!candidates.nextCursor) return { traces: found };
    // the chunk's cursor: after its last trace, or where its SQL scan stopped at the bound
    cursor = candidates.nextCursor;
    if (examined >= bounds.scanRecords || candidates.partial) return { traces: found, nextCursor: cursor, partial: true };
    await nextTurn();
  }
}

function cursorOf(t: TraceListItem): string {
  return encodeCursor([String(t.startTimeMs), t.traceId]);
}

/** every `key=value` is on some span of the trace (values compared as text; an array matches by any element) */
export function hasAttributes(spans: Span[], attrs: Record<string, string>): boolean {
  return Object.entries(attrs).every(([key, value]) => spans.some((sp) => sp.attributes && Object.hasOwn(sp.attributes, key) && matches(sp.attributes[key], value)));
}

function matches(v: AttributeValue, want: string): boolean {
  if (Array.isArray(v)) return v.some((x) => matches(x, want));
  if (v === null || typeof v === 'object') return JSON.stringify(v) === want;
  return String(v) === want;
}
