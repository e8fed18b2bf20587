import type { LatencyBreakdown, Span, TraceSummary } from '../api';
import { canonicalSpanName } from '../spans/names';
import { compareByStart, safeDuration } from '../spans/time';
import { mapNodes } from './nodes';
import type { ComparedTrace, LatencyComparison, LatencyMetric, MapNodeValue, NodeComparison, SpanDifference, TraceComparison } from './types';

/** How many span differences a comparison lists. */
export const SPAN_DIFFERENCES = 10;

const LATENCY: Array<{ metric: LatencyMetric; label: string; get: (l: LatencyBreakdown) => number | undefined }> = [
  { metric: 'totalMs', label: 'Total', get: (l) => l.totalMs },
  { metric: 'internalMs', label: 'Kong (internal)', get: (l) => l.internalMs },
  { metric: 'upstreamMs', label: 'Upstream', get: (l) => l.upstreamMs },
  { metric: 'thirdPartyMs', label: '3rd-party', get: (l) => l.thirdParty?.totalMs },
  { metric: 'clientMs', label: 'Client', get: (l) => l.clientMs },
];

export interface CompareInput {
  summary: TraceSummary;
  spans: Span[];
  sessionIds: string[];
}

/**
 * Trace a against trace b: the Summary's latency figures, every lifecycle node side by side and the
 * spans that differ most. Differences are a − b, so a positive number says how much longer a took.
 * Works across dialects: an edge one dialect cannot measure (OSS client edges) is `onlyA`/`onlyB`.
 */
export function compareTraces(a: CompareInput, b: CompareInput): TraceComparison {
  return {
    a: side(a),
    b: side(b),
    latency: LATENCY.map(({ metric, label, get }) => {
      const row: LatencyComparison = { metric, label };
      const x = get(a.summary.latency);
      const y = get(b.summary.latency);
      if (x !== undefined) row.aMs = x;
      if (y !== undefined) row.bMs = y;
      // rounded to the ns: ms figures are floats and 0.1 + 0.2 should not print as 0.30000000000000004
      if (x !== undefined && y !== undefined) row.diffMs = Math.round((x - y) * 1e6) / 1e6;
      return row;
    }),
    nodes: compareNodes(mapNodes(a.summary.lifecycle), mapNodes(b.summary.lifecycle)),
    spans: spanDifferences(a.spans, b.spans).slice(0, SPAN_DIFFERENCES),
  };
}

function side(x: CompareInput): ComparedTrace {
  const s = x.summary;
  const out: ComparedTrace = { traceId: s.traceId, dialect: s.lifecycle.dialect, startTimeUnixNano: s.startTimeUnixNano, latency: s.latency, sessionIds: x.sessionIds };
  if (s.statusCode !== undefined) out.statusCode = s.statusCode;
  return out;
}

const SLOTS = ['clientOut', 'request', 'upstreamIn', 'upstreamOut', 'response', 'clientIn'];
const slotOf = (n: MapNodeValue) => SLOTS.indexOf(n.group === 'edge' ? n.key : n.group);

/** Both maps' nodes in map order: a's order within a group, then b's nodes a does not have. */
export function compareNodes(a: MapNodeValue[], b: MapNodeValue[]): NodeComparison[] {
  const bByKey = new Map(b.map((n) => [n.key, n]));
  const aKeys = new Set(a.map((n) => n.key));
  const rows: Array<{ slot: number; row: NodeComparison }> = [];
  for (const x of a) {
    const y = bByKey.get(x.key);
    const row: NodeComparison = { key: x.key, label: x.label, group: x.group, presence: y ? 'both' : 'onlyA', aNs: x.durationNs };
    if (x.phase) row.phase = x.phase;
    if (x.spanId) row.aSpanId = x.spanId;
    if (y) {
      row.bNs = y.durationNs;
      row.diffNs = x.durationNs - y.durationNs;
      if (y.durationNs > 0) row.ratio = x.durationNs / y.durationNs;
      if (y.spanId) row.bSpanId = y.spanId;
    }
    rows.push({ slot: slotOf(x), row });
  }
  for (const y of b) {
    if (aKeys.has(y.key)) continue;
    const row: NodeComparison = { key: y.key, label: y.label, group: y.group, presence: 'onlyB', bNs: y.durationNs };
    if (y.phase) row.phase = y.phase;
    if (y.spanId) row.bSpanId = y.spanId;
    rows.push({ slot: slotOf(y), row });
  }
  // stable sort by slot keeps a's order, then b-only nodes, inside each group
  return rows.sort((p, q) => p.slot - q.slot).map((r) => r.row);
}

/**
 * Spans paired by canonical name and occurrence in start order (legacy names match current ones),
 * sorted by |a − b| descending, then name. A span on one side only differs by its whole duration.
 */
export function spanDifferences(a: Span[], b: Span[]): SpanDifference[] {
  const byName = (spans: Span[]) => {
    const m = new Map<string, Span[]>();
    for (const s of [...spans].sort(compareByStart)) {
      const name = canonicalSpanName(s.name);
      const list = m.get(name);
      if (list) list.push(s);
      else m.set(name, [s]);
    }
    return m;
  };
  const am = byName(a);
  const bm = byName(b);
  const out: SpanDifference[] = [];
  for (const name of new Set([...am.keys(), ...bm.keys()])) {
    const xs = am.get(name) ?? [];
    const ys = bm.get(name) ?? [];
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      const d: SpanDifference = { name, occurrence: i + 1, diffNs: 0 };
      const x = xs[i];
      const y = ys[i];
      if (x) {
        d.aNs = safeDuration(x);
        d.aSpanId = x.spanId;
      }
      if (y) {
        d.bNs = safeDuration(y);
        d.bSpanId = y.spanId;
      }
      d.diffNs = (d.aNs ?? 0) - (d.bNs ?? 0);
      out.push(d);
    }
  }
  return out.sort((p, q) => Math.abs(q.diffNs) - Math.abs(p.diffNs) || (p.name < q.name ? -1 : p.name > q.name ? 1 : p.occurrence - q.occurrence));
}
