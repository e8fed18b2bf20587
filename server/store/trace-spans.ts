import type { Span, TraceDetail } from '../../common/api';
import { analyzeTrace, digestTrace, type TraceDigest } from '../../common/lifecycle';
import { mergeSpans } from '../../common/spans';
import type { Row } from './rows';
import { decodeRecord, type TraceOrigin } from './span-codec';

/**
 * A trace's spans from its stored records (span-codec), oldest record first: one record normally; more when spans
 * of the trace arrived in several writes (PostgreSQL appends a record per write, so replicas never overwrite each
 * other's spans). A span stored twice is merged as ingest merges it. Ordered by start time, then span id.
 */
export function spansFromRecords(traceId: string, records: Array<Buffer | Uint8Array>): Span[] {
  return traceFromRecords(traceId, records).spans;
}

/** the spans (as spansFromRecords) and the origin the latest record carrying one gives (none: an empty resource) */
export function traceFromRecords(traceId: string, records: Array<Buffer | Uint8Array>): { spans: Span[]; origin: TraceOrigin } {
  let spans: Span[] = [];
  let origin: TraceOrigin = { resource: {} };
  for (const r of records) {
    const d = decodeRecord(traceId, r);
    spans = spans.length ? mergeSpans(spans, d.spans) : d.spans;
    if (d.origin) origin = d.origin;
  }
  spans.sort((a, b) => {
    const d = BigInt(a.startTimeUnixNano || 0) - BigInt(b.startTimeUnixNano || 0);
    return d < 0n ? -1 : d > 0n ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
  });
  return { spans, origin };
}

/** a trace's detail (`GET /traces/{id}`) from its stored records: spans, resource and scope in one decoding */
export function traceDetailFromRecords(traceId: string, records: Array<Buffer | Uint8Array>): TraceDetail {
  const { spans, origin } = traceFromRecords(traceId, records);
  const detail: TraceDetail = { traceId, resource: origin.resource, spans };
  if (origin.scopeName) detail.scope = { name: origin.scopeName, ...(origin.scopeVersion ? { version: origin.scopeVersion } : {}) };
  return detail;
}

/** the summary digest of a trace, as ingest computes it, from its stored spans (for a trace no membership describes) */
export function digestOfSpans(traceId: string, spans: Span[]): TraceDigest {
  return digestTrace(analyzeTrace(traceId, spans).summary);
}

/**
 * Log rows get the name of the span they name, from the spans of their trace (`spansOf`: trace id → spans), so the
 * log view can show it without a second request.
 */
export function nameLogSpans(rows: Row[], spansOf: (traceId: string) => Span[]): void {
  const names = new Map<string, Map<string, string>>();
  for (const r of rows) {
    if (r.span_id == null || r.trace_id == null) continue;
    const traceId = r.trace_id as string;
    let byId = names.get(traceId);
    if (!byId) names.set(traceId, (byId = new Map(spansOf(traceId).map((s) => [s.spanId, s.name]))));
    const name = byId.get(r.span_id as string);
    if (name !== undefined) r.span_name = name;
  }
}
