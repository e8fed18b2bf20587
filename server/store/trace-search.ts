import type { AttributeValue, Span, TraceListItem, TraceSearchFilters, TraceSearchItem, TraceSearchResult } from '../../common/api';
import { encodeCursor } from './cursor';
import type { Store, TraceListResult } from './types';

/**
 * Bounds of one search request, so no search holds the server however little its filters match. A page that stops at
 * a bound is `partial` and its `nextCursor` continues from there (common/api.ts TraceSearchResult).
 */
export interface SearchBounds {
  scanRows: number;
  scanRecords: number;
  recordsPerTurn: number;
}

export const SEARCH_BOUNDS: Readonly<SearchBounds> = {
  /** trace rows a request's SQL examines (filters.ts traceSearchStatements) */
  scanRows: 20_000,
  /** traces whose span records an `attr.` search opens in one request (each is decoded) */
  scanRecords: 2_000,
  /** span records opened between two yields to the event loop (SQLite decodes synchronously) */
  recordsPerTurn: 100,
};

/**
 * `GET /api/v1/traces`: the tenant's traces across its sessions, newest first, each with the sessions holding it.
 * The SQL filters run in the store; `attributes` are matched on span records, candidates taken from the SQL filters'
 * pages, at most SEARCH_BOUNDS.scanRecords of them a request.
 */
export async function searchTraces(store: Store, tenant: string, f: TraceSearchFilters, bounds: Readonly<SearchBounds> = SEARCH_BOUNDS): Promise<TraceSearchResult> {
  const attrs = f.attributes && Object.keys(f.attributes).length ? f.attributes : undefined;
  const page = attrs ? await matchAttributes(store, tenant, f, attrs, bounds) : await store.searchTraces(tenant, f, bounds.scanRows);
  const held = page.traces.length ? await store.sessionsOfTraces(tenant, page.traces.map((t) => t.traceId)) : new Map<string, string[]>();
  const result: TraceSearchResult = { traces: page.traces.map((t): TraceSearchItem => ({ ...t, sessionIds: held.get(t.traceId) ?? [] })) };
  if (page.nextCursor) result.nextCursor = page.nextCursor;
  if (page.partial) result.partial = true;
  return result;
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
    const candidates = await store.searchTraces(tenant, { ...f, attributes: undefined, cursor, limit: chunk }, bounds.scanRows);
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
    await new Promise((resolve) => setImmediate(resolve));
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
