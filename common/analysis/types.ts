/**
 * REST shapes of the trace analyses (compare, abnormal steps, per-trace statistics), re-exported by
 * common/api.ts. Durations in ns, latency figures in ms (as in `LatencyBreakdown`).
 */
import type { LatencyBreakdown, PluginPhase } from '../api';

export type NodeGroup = 'edge' | 'request' | 'response';

/** One node of a trace's lifecycle map: the four client/upstream edges and each plugin node (`<phase>.<plugin>`). */
export interface MapNodeValue {
  key: string;
  label: string;
  group: NodeGroup;
  phase?: PluginPhase;
  durationNs: number;
  /** the plugin's span (first one when the plugin ran twice in a phase); absent for edges */
  spanId?: string;
}

export type LatencyMetric = 'totalMs' | 'internalMs' | 'upstreamMs' | 'thirdPartyMs' | 'clientMs';

export interface ComparedTrace {
  traceId: string;
  dialect: 'enterprise' | 'oss';
  startTimeUnixNano: string;
  statusCode?: number;
  latency: LatencyBreakdown;
  /** sessions of the caller's tenant holding the trace */
  sessionIds: string[];
}

export interface LatencyComparison {
  metric: LatencyMetric;
  label: string;
  aMs?: number;
  bMs?: number;
  /** a − b (positive: trace a took longer); absent unless both are known */
  diffMs?: number;
}

export interface NodeComparison {
  key: string;
  label: string;
  group: NodeGroup;
  phase?: PluginPhase;
  /** `onlyA` / `onlyB`: the node (or a measured edge) exists in one trace only */
  presence: 'both' | 'onlyA' | 'onlyB';
  aNs?: number;
  bNs?: number;
  /** a − b in ns, when both have the node */
  diffNs?: number;
  /** a / b, when both have it and b > 0 */
  ratio?: number;
  aSpanId?: string;
  bSpanId?: string;
}

/** Spans matched by canonical name and occurrence (the n-th `kong.dns` of a with the n-th of b). */
export interface SpanDifference {
  name: string;
  occurrence: number;
  aNs?: number;
  bNs?: number;
  /** a − b; a span missing on one side counts as 0 there */
  diffNs: number;
  aSpanId?: string;
  bSpanId?: string;
}

export interface TraceComparison {
  a: ComparedTrace;
  b: ComparedTrace;
  latency: LatencyComparison[];
  /** map order: client out, request plugins, upstream in, upstream out, response plugins, client in */
  nodes: NodeComparison[];
  /** the spans whose durations differ most (|diff| descending), at most `SPAN_DIFFERENCES` */
  spans: SpanDifference[];
}

export interface NodeBaseline {
  count: number;
  p50Ns: number;
  p95Ns: number;
  /** percent (0..100) of this population's values at or below the trace's value */
  percentile: number;
}

export interface NodeStanding extends MapNodeValue {
  session: NodeBaseline;
  /** the same node over the session's traces of the trace's route, when that route has enough of them */
  route?: NodeBaseline;
  /** above the session's p95 (only judged when the session measured the node in enough traces) */
  abnormal: boolean;
}

export interface TraceStanding {
  traceId: string;
  sessionId: string;
  routeId?: string;
  sessionTraceCount: number;
  routeTraceCount?: number;
  /** fewest traces measuring a node for its p95 to be judged */
  minSamples: number;
  nodes: NodeStanding[];
  abnormalKeys: string[];
}

export interface SpanStatisticsRow {
  /** canonical span name, or `plugin <name>` when grouped by plugin */
  group: string;
  plugin?: string;
  phase?: string;
  count: number;
  totalNs: number;
  /** time not covered by the span's children */
  selfNs: number;
  minNs: number;
  avgNs: number;
  maxNs: number;
  /** share of the trace's summed self time, percent */
  selfPercent: number;
}

export interface TraceStatistics {
  traceId: string;
  groupBy: 'name' | 'plugin';
  spanCount: number;
  /** sum of the rows' self times (the base of `selfPercent`; overlapping siblings each keep their own) */
  selfTotalNs: number;
  rows: SpanStatisticsRow[];
}

export interface UploadResult {
  sessionId: string;
  traceIds: string[];
  /** spans and log records stored */
  spans: number;
  logs: number;
}
