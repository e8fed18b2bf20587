/**
 * Compare mode and abnormal flags on the lifecycle map: pure functions that lay the API's comparison
 * (GET /traces/{a}/compare/{b}) or standing (GET /traces/{id}/abnormal) over a trace's map view.
 * Nodes are matched by key (`clientOut`, `access.key-auth`, ...), as the server builds both.
 */
import type { NodeComparison, TraceComparison, TraceStanding } from '../../../common/analysis/types';
import { colorIndex } from '../../../common/lifecycle/color';
import { EDGE_KEYS, LatencyRow, LifecycleView, MapNode } from './model';

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
