/**
 * Compare mode and abnormal flags on the lifecycle map: pure functions that lay the API's comparison
 * (GET /traces/{a}/compare/{b}) or standing (GET /traces/{id}/abnormal) over a trace's map view.
 * Nodes are matched by key (`clientOut`, `access.key-auth`, ...), as the server builds both. The data source's
 * trace summary carries both in its lifecycle frame's `meta.custom` (readFrameAnalysis).
 */
import type { NodeComparison, TraceComparison, TraceStanding } from '../../../common/analysis/types';
import { colorIndex } from '../../../common/lifecycle/color';
import type { DataFrame } from '@grafana/data';
import { EDGE_KEYS, LatencyRow, LifecycleView, MapNode, readLifecycleFrames, type ReadResult } from './model';

const LATENCY_OF: Record<string, string> = {
  total: 'totalMs',
  internal: 'internalMs',
  upstream: 'upstreamMs',
  thirdParty: 'thirdPartyMs',
  client: 'clientMs',
};

/** The view of trace a with b's values beside each node; nodes of b only are added to their group, after a's. */
export function withComparison(view: LifecycleView, c: TraceComparison, label = 'other'): LifecycleView {
  const rows = new Map(c.nodes.map((r) => [r.key, r]));
  const annotate = (n: MapNode): MapNode => {
    const r = rows.get(n.key);
    return r ? { ...n, compare: compareOf(r) } : n;
  };
  const group = (nodes: MapNode[], g: 'request' | 'response'): MapNode[] => {
    const own = new Map(nodes.map((n) => [n.key, n]));
    const out = nodes.map(annotate);
    for (const r of c.nodes) {
      if (r.group !== g || own.has(r.key) || r.presence !== 'onlyB') {
        continue;
      }
      out.push({
        key: r.key,
        label: r.label,
        group: g,
        phase: r.phase ?? '',
        spanId: '',
        measured: true,
        colorIndex: colorIndex(r.bNs ?? 0),
        compare: compareOf(r),
      });
    }
    return out;
  };
  const edges = { ...view.edges };
  for (const k of EDGE_KEYS) {
    edges[k] = annotate(edges[k]);
  }
  const latency = new Map(c.latency.map((l) => [l.metric, l]));
  return {
    ...view,
    edges,
    requestPlugins: group(view.requestPlugins, 'request'),
    responsePlugins: group(view.responsePlugins, 'response'),
    latency: view.latency.map((row): LatencyRow => {
      const l = latency.get(LATENCY_OF[row.metric] as never);
      return l ? { ...row, otherMs: l.bMs, diffMs: l.diffMs } : row;
    }),
    compareWith: { traceId: c.b.traceId, label },
  };
}

function compareOf(r: NodeComparison): MapNode['compare'] {
  return { presence: r.presence, otherNs: r.bNs, diffNs: r.diffNs };
}

/** Each node's p50/p95 in the session and its percentile; `abnormal` when above the session's p95. */
export function withStanding(view: LifecycleView, s: TraceStanding): LifecycleView {
  const byKey = new Map(s.nodes.map((n) => [n.key, n]));
  const annotate = (n: MapNode): MapNode => {
    const x = byKey.get(n.key);
    if (!x || x.session.count === 0) {
      return n;
    }
    return {
      ...n,
      standing: {
        abnormal: x.abnormal,
        count: x.session.count,
        p50Ns: x.session.p50Ns,
        p95Ns: x.session.p95Ns,
        percentile: x.session.percentile,
      },
    };
  };
  const edges = { ...view.edges };
  for (const k of EDGE_KEYS) {
    edges[k] = annotate(edges[k]);
  }
  return {
    ...view,
    edges,
    requestPlugins: view.requestPlugins.map(annotate),
    responsePlugins: view.responsePlugins.map(annotate),
  };
}

/** A comparison as the API answers it; with `typical`, the trace picked as typical and from what. */
export type MapComparison = TraceComparison & { typical?: { traceId: string; basis: string } };

/** What a trace summary's lifecycle frame says beyond the map: the analyses asked for and their results. */
export interface FrameAnalysis {
  /** the session the standing was asked against */
  sessionId?: string;
  standing?: TraceStanding;
  standingError?: string;
  /** 'typical' or another trace id, as asked */
  compareTo?: string;
  comparison?: MapComparison;
  comparisonError?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The analysis in the lifecycle frame's `meta.custom`; a malformed result becomes its error, never a half-drawn flag. */
export function readFrameAnalysis(series: DataFrame[] | undefined): FrameAnalysis {
  const custom = series?.find((f) => f.name === 'lifecycle')?.meta?.custom;
  if (!isObject(custom) || custom.kind === 'session') {
    return {};
  }
  const out: FrameAnalysis = {
    sessionId: str(custom.sessionId),
    compareTo: str(custom.compareTo),
    standingError: str(custom.standingError),
    comparisonError: str(custom.comparisonError),
  };
  const s = custom.standing;
  if (s !== undefined) {
    if (isObject(s) && Array.isArray(s.nodes) && Array.isArray(s.abnormalKeys)) {
      out.standing = s as unknown as TraceStanding;
    } else {
      out.standingError ??= 'the standing in the frame is malformed (nodes and abnormalKeys must be lists)';
    }
  }
  const c = custom.comparison;
  if (c !== undefined) {
    if (isObject(c) && Array.isArray(c.nodes) && Array.isArray(c.latency) && Array.isArray(c.spans) && isObject(c.b) && typeof c.b.traceId === 'string') {
      out.comparison = c as unknown as MapComparison;
    } else {
      out.comparisonError ??= 'the comparison in the frame is malformed (nodes, latency, spans and b.traceId are needed)';
    }
  }
  return out;
}

/** The heading of the other trace's column: `typical`, or the other trace's id cut to 8 characters. */
export function comparisonLabel(c: MapComparison): string {
  return c.typical ? 'typical' : c.b.traceId.slice(0, 8);
}

/** The view with the standing's flags and the comparison's values, those present. */
export function applyFrameAnalysis(view: LifecycleView, a: FrameAnalysis): LifecycleView {
  let v = view;
  if (a.standing) {
    v = withStanding(v, a.standing);
  }
  if (a.comparison) {
    v = withComparison(v, a.comparison, comparisonLabel(a.comparison));
  }
  return v;
}

/** The lifecycle frames read into a view with their analysis laid over it (what the map panel draws). */
export function readAnalysedLifecycle(series: DataFrame[] | undefined): ReadResult {
  const result = readLifecycleFrames(series);
  return result.ok === true ? { ok: true, view: applyFrameAnalysis(result.view, readFrameAnalysis(series)) } : result;
}
