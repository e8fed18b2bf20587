import type { TraceDigest } from '../lifecycle/digest';
import { percentiles } from '../lifecycle/percentiles';
import type { MapNodeValue, NodeBaseline, NodeStanding, TraceStanding } from './types';

/**
 * Fewest traces measuring a node before its p95 is judged (and before a route gets its own baseline).
 * With nearest-rank percentiles and fewer than 20 values, p95 is the maximum, so nothing could be above it.
 */
export const MIN_SAMPLES = 20;

export interface StandingInput {
  traceId: string;
  sessionId: string;
  routeId?: string;
  /** the trace's map nodes (`mapNodes(summary.lifecycle)`) */
  nodes: MapNodeValue[];
  /** every trace of the session (the trace itself included) */
  sessionDigests: TraceDigest[];
  /** the session's traces of the trace's route, when it has one */
  routeDigests?: TraceDigest[];
  minSamples?: number;
}

/**
 * Abnormal steps: each node's percentile among the same node of the session's traces (and of the
 * route's, where there are enough), flagged when above the session's p95. Percentiles are
 * nearest-rank, as in the session summary, so p50/p95 shown here equal the summary's.
 */
export function traceStanding(input: StandingInput): TraceStanding {
  const minSamples = input.minSamples ?? MIN_SAMPLES;
  const session = columns(input.sessionDigests);
  const routeColumns = input.routeDigests ? columns(input.routeDigests) : undefined;
  const nodes: NodeStanding[] = input.nodes.map((n) => {
    const s = baseline(session.get(n.key) ?? [], n.durationNs);
    const standing: NodeStanding = { ...n, session: s, abnormal: s.count >= minSamples && n.durationNs > s.p95Ns };
    const r = routeColumns?.get(n.key);
    if (r && r.length >= minSamples) standing.route = baseline(r, n.durationNs);
    return standing;
  });
  const out: TraceStanding = {
    traceId: input.traceId,
    sessionId: input.sessionId,
    sessionTraceCount: input.sessionDigests.length,
    minSamples,
    nodes,
    abnormalKeys: nodes.filter((n) => n.abnormal).map((n) => n.key),
  };
  if (input.routeId !== undefined) out.routeId = input.routeId;
  if (input.routeDigests) out.routeTraceCount = input.routeDigests.length;
  return out;
}

function columns(digests: TraceDigest[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const d of digests) {
    for (const [key, v] of Object.entries(d.nodes ?? {})) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const list = m.get(key);
      if (list) list.push(v);
      else m.set(key, [v]);
    }
  }
  return m;
}

function baseline(values: number[], value: number): NodeBaseline {
  const p = percentiles(values);
  let atOrBelow = 0;
  for (const v of values) if (v <= value) atOrBelow++;
  return { count: p.count, p50Ns: p.p50Ns, p95Ns: p.p95Ns, percentile: values.length ? Math.round((1000 * atOrBelow) / values.length) / 10 : 0 };
}
