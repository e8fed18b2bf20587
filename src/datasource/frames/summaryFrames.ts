import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type {
  LatencyBreakdown,
  LifecycleEdge,
  LifecyclePluginNode,
  Percentiles,
  SessionSummary,
  TraceSummary,
} from '../../../common/api';
import { colorIndex } from '../../../common/lifecycle/color';
import { EDGE_LABELS, type EdgeKey } from '../../../common/lifecycle/edges';
import { REQUEST_PHASES, RESPONSE_PHASES } from '../../../common/lifecycle/phases';
import { compareNs } from './traceFrame';

/** Our lifecycle-map panel: Explore (and "Add to dashboard") draw summary frames with it, falling back when it is missing. */
export const LIFECYCLE_MAP_PANEL_ID = 'kongdbg-lifecyclemap-panel';


/** Rows of the `latency` frame, in Konnect's order and with its labels. */
export const LATENCY_METRICS = [
  { metric: 'total', label: 'Total' },
  { metric: 'internal', label: 'Kong (internal)' },
  { metric: 'upstream', label: 'Upstream' },
  { metric: 'thirdParty', label: '3rd-party' },
  { metric: 'thirdParty.dns', label: 'DNS' },
  { metric: 'thirdParty.httpClient', label: 'HTTP client' },
  { metric: 'thirdParty.redis', label: 'Redis' },
  { metric: 'thirdParty.tcpSocket', label: 'TCP socket' },
  { metric: 'client', label: 'Client' },
] as const;
type Metric = (typeof LATENCY_METRICS)[number]['metric'];

/** One row of the `lifecycle` frame of one trace: an edge or a plugin node. */
interface LifecycleRow {
  key: string;
  label: string;
  group: 'edge' | 'request' | 'response';
  phase: string;
  spanId: string;
  measured: boolean;
  colorIndex: number;
  durationNs: number;
}

function edgeRow(key: EdgeKey, edge: LifecycleEdge): LifecycleRow {
  return {
    key,
    label: EDGE_LABELS[key],
    group: 'edge',
    phase: '',
    spanId: '',
    measured: edge.measured,
    colorIndex: edge.colorIndex,
    durationNs: edge.durationNs,
  };
}

function pluginRows(nodes: LifecyclePluginNode[], group: 'request' | 'response'): LifecycleRow[] {
  return [...nodes]
    .sort((a, b) => compareNs(a.startTimeUnixNano, b.startTimeUnixNano))
    .map((n) => ({
      key: n.key,
      label: n.plugin,
      group,
      phase: n.phase,
      spanId: n.spanId,
      measured: true,
      colorIndex: n.colorIndex,
      durationNs: n.durationNs,
    }));
}

/**
 * The upstream's status as Kong's data proves it: the code Kong reported, else why there is none.
 * Never a guess (open-source Kong does not report the upstream's status at all).
 */
export function upstreamStatusText(summary: TraceSummary): string {
  if (summary.upstreamStatusCode !== undefined) {
    return String(summary.upstreamStatusCode);
  }
  switch (summary.upstreamOutcome) {
    case 'no_answer':
      return 'none: no answer';
    case 'not_proxied':
      return 'none: not proxied';
    default:
      return 'unknown';
  }
}

const FAILURE_TEXT: Record<NonNullable<TraceSummary['failure']>, string> = {
  server_error: 'server error (5xx)',
  no_upstream_answer: 'no answer from the upstream',
  plugin_error: 'plugin error',
  client_abort: 'client aborted',
};

/**
 * Frames `lifecycle` + `latency` of one trace (the panel draws the map from them, in row order), and
 * `tries` (one row per upstream try) when the request reached the balancer. The request facts and the
 * map's notes travel in the lifecycle frame's `meta.custom` (`info`, `notes`).
 */
export function buildTraceSummaryFrames(summary: TraceSummary, refId?: string): DataFrame[] {
  const map = summary.lifecycle;
  const rows: LifecycleRow[] = [
    edgeRow('clientOut', map.clientOut),
    ...pluginRows(map.requestPlugins, 'request'),
    edgeRow('upstreamIn', map.upstreamIn),
    edgeRow('upstreamOut', map.upstreamOut),
    ...pluginRows(map.responsePlugins, 'response'),
    edgeRow('clientIn', map.clientIn),
  ];
  const lifecycle = createDataFrame({
    name: 'lifecycle',
    refId,
    meta: {
      preferredVisualisationPluginId: LIFECYCLE_MAP_PANEL_ID,
      custom: {
        kind: 'trace',
        traceId: summary.traceId,
        // exact start (ns as a decimal string) for the app's trace card; ms floats lose the last digits
        startTimeUnixNano: summary.startTimeUnixNano,
        dialect: map.dialect,
        notes: map.notes ?? [],
        info: {
          statusCode: summary.statusCode ?? null,
          upstreamStatus: upstreamStatusText(summary),
          failure: summary.failure ? FAILURE_TEXT[summary.failure] : null,
          spanErrorCount: summary.spanErrorCount ?? null,
          route: summary.route ?? null,
        },
      },
    },
    fields: [
      ...commonFields(rows),
      { name: 'durationNs', type: FieldType.number, values: rows.map((r) => r.durationNs), config: { unit: 'ns' } },
    ],
  });

  const values = LATENCY_METRICS.map(({ metric }) => traceLatencyMs(summary.latency, metric));
  const latency = createDataFrame({
    name: 'latency',
    refId,
    meta: { preferredVisualisationPluginId: LIFECYCLE_MAP_PANEL_ID, custom: { kind: 'trace', traceId: summary.traceId } },
    fields: [
      { name: 'metric', type: FieldType.string, values: LATENCY_METRICS.map((m) => m.metric) },
      { name: 'label', type: FieldType.string, values: LATENCY_METRICS.map((m) => m.label) },
      { name: 'valueMs', type: FieldType.number, values, config: { unit: 'ms', decimals: 1 } },
    ],
  });
  const tries = map.tries ?? [];
  if (!tries.length) {
    return [lifecycle, latency];
  }
  const triesFrame = createDataFrame({
    name: 'tries',
    refId,
    meta: { custom: { kind: 'trace', traceId: summary.traceId } },
    fields: [
      { name: 'tryCount', type: FieldType.number, values: tries.map((t) => t.tryCount) },
      { name: 'target', type: FieldType.string, values: tries.map((t) => t.target ?? '') },
      { name: 'peerName', type: FieldType.string, values: tries.map((t) => t.peerName ?? '') },
      { name: 'outcome', type: FieldType.string, values: tries.map((t) => t.outcome) },
      { name: 'statusCode', type: FieldType.number, values: tries.map((t) => t.statusCode ?? null) },
      { name: 'spanId', type: FieldType.string, values: tries.map((t) => t.spanId) },
      {
        name: 'spanDurationNs',
        type: FieldType.number,
        values: tries.map((t) => t.spanDurationNs),
        config: { unit: 'ns' },
      },
      { name: 'durationNs', type: FieldType.number, values: tries.map((t) => t.durationNs), config: { unit: 'ns' } },
      { name: 'colorIndex', type: FieldType.number, values: tries.map((t) => t.colorIndex) },
    ],
  });
  return [lifecycle, latency, triesFrame];
}

/** A breakdown value, or null when Kong did not report it (OSS traces lack most of them). */
function traceLatencyMs(l: LatencyBreakdown, metric: Metric): number | null {
  const pick: Record<Metric, number | undefined> = {
    total: l.totalMs,
    internal: l.internalMs,
    upstream: l.upstreamMs,
    thirdParty: l.thirdParty?.totalMs,
    'thirdParty.dns': l.thirdParty?.dnsMs,
    'thirdParty.httpClient': l.thirdParty?.httpClientMs,
    'thirdParty.redis': l.thirdParty?.redisMs,
    'thirdParty.tcpSocket': l.thirdParty?.tcpSocketMs,
    client: l.clientMs,
  };
  return pick[metric] ?? null;
}

function commonFields(rows: Array<Omit<LifecycleRow, 'durationNs'>>) {
  return [
    { name: 'key', type: FieldType.string, values: rows.map((r) => r.key) },
    { name: 'label', type: FieldType.string, values: rows.map((r) => r.label) },
    { name: 'group', type: FieldType.string, values: rows.map((r) => r.group) },
    { name: 'phase', type: FieldType.string, values: rows.map((r) => r.phase) },
    { name: 'spanId', type: FieldType.string, values: rows.map((r) => r.spanId) },
    { name: 'measured', type: FieldType.boolean, values: rows.map((r) => r.measured) },
    { name: 'colorIndex', type: FieldType.number, values: rows.map((r) => r.colorIndex) },
  ];
}

const ZERO: Percentiles = { count: 0, p50Ns: 0, p95Ns: 0, p99Ns: 0, maxNs: 0 };

/**
 * Frames `lifecycle` + `latency` aggregated over a session. Node order: the four edges in map order, plugin nodes
 * grouped by phase in lifecycle order (certificate, rewrite, access / response, header_filter, body_filter) and,
 * within a phase, in the order the backend lists them (first seen) — a session has no single start time per node.
 * An edge no trace measured is a row with count 0 and `measured: false`, so the map always has its skeleton.
 */
export function buildSessionSummaryFrames(summary: SessionSummary, refId?: string, dialect?: string): DataFrame[] {
  const entries = Object.entries(summary.nodes);
  const byPhase = (phases: readonly string[]) =>
    entries
      .filter(([, n]) => n.group !== 'edge' && n.phase !== undefined && phases.includes(n.phase))
      .map((e, i) => ({ e, i }))
      .sort((a, b) => phases.indexOf(a.e[1].phase!) - phases.indexOf(b.e[1].phase!) || a.i - b.i)
      .map(({ e }) => e);
  const edge = (key: EdgeKey): [string, SessionSummary['nodes'][string]] => [
    key,
    summary.nodes[key] ?? { ...ZERO, label: EDGE_LABELS[key], group: 'edge' },
  ];
  const ordered = [
    edge('clientOut'),
    ...byPhase(REQUEST_PHASES),
    edge('upstreamIn'),
    edge('upstreamOut'),
    ...byPhase(RESPONSE_PHASES),
    edge('clientIn'),
  ];
  const rows = ordered.map(([key, n]) => ({
    key,
    label: n.label,
    group: n.group,
    phase: n.phase ?? '',
    spanId: '',
    measured: n.count > 0,
    colorIndex: colorIndex(n.p50Ns),
  }));
  const pct = (pick: (p: Percentiles) => number) => ordered.map(([, n]) => pick(n));

  const lifecycle = createDataFrame({
    name: 'lifecycle',
    refId,
    meta: {
      preferredVisualisationPluginId: LIFECYCLE_MAP_PANEL_ID,
      custom: { kind: 'session', sessionId: summary.sessionId, dialect: dialect ?? '', traceCount: summary.traceCount },
    },
    fields: [
      ...commonFields(rows),
      { name: 'count', type: FieldType.number, values: pct((p) => p.count) },
      { name: 'p50Ns', type: FieldType.number, values: pct((p) => p.p50Ns), config: { unit: 'ns' } },
      { name: 'p95Ns', type: FieldType.number, values: pct((p) => p.p95Ns), config: { unit: 'ns' } },
      { name: 'p99Ns', type: FieldType.number, values: pct((p) => p.p99Ns), config: { unit: 'ns' } },
      { name: 'maxNs', type: FieldType.number, values: pct((p) => p.maxNs), config: { unit: 'ns' } },
    ],
  });

  // The session summary carries percentiles (in ns) for total, internal, upstream, 3rd-party and client only;
  // the 3rd-party children are per-trace values and stay null here.
  const sessionLatency: Partial<Record<Metric, Percentiles | undefined>> = {
    total: summary.latency.totalMs,
    internal: summary.latency.internalMs,
    upstream: summary.latency.upstreamMs,
    thirdParty: summary.latency.thirdPartyMs,
    client: summary.latency.clientMs,
  };
  const ms = (pick: (p: Percentiles) => number) =>
    LATENCY_METRICS.map(({ metric }) => {
      const p = sessionLatency[metric];
      return p && p.count > 0 ? pick(p) / 1e6 : null;
    });
  const latency = createDataFrame({
    name: 'latency',
    refId,
    meta: { preferredVisualisationPluginId: LIFECYCLE_MAP_PANEL_ID, custom: { kind: 'session', sessionId: summary.sessionId, traceCount: summary.traceCount } },
    fields: [
      { name: 'metric', type: FieldType.string, values: LATENCY_METRICS.map((m) => m.metric) },
      { name: 'label', type: FieldType.string, values: LATENCY_METRICS.map((m) => m.label) },
      { name: 'p50Ms', type: FieldType.number, values: ms((p) => p.p50Ns), config: { unit: 'ms', decimals: 1 } },
      { name: 'p95Ms', type: FieldType.number, values: ms((p) => p.p95Ns), config: { unit: 'ms', decimals: 1 } },
      { name: 'p99Ms', type: FieldType.number, values: ms((p) => p.p99Ns), config: { unit: 'ms', decimals: 1 } },
      { name: 'maxMs', type: FieldType.number, values: ms((p) => p.maxNs), config: { unit: 'ms', decimals: 1 } },
    ],
  });
  return [lifecycle, latency];
}
