import type { Percentiles, PluginPhase, SessionSummary } from '../api';
import type { TraceDigest } from './digest';
import { EDGE_LABELS, isEdgeKey } from './edges';
import { percentilesInPlace } from './percentiles';
import { isRequestPhase, isResponsePhase } from './phases';


const LATENCY_KEYS = ['totalMs', 'internalMs', 'upstreamMs', 'thirdPartyMs', 'clientMs'] as const;

/**
 * p50/p95/p99/max per lifecycle node and per latency metric over a session's digests.
 * - `count` is the number of traces in which the node/metric was measured.
 * - Latency metrics are reported in ns like every `Percentiles` (ms × 1e6, rounded to whole ns),
 *   so the `…Ns` field names hold; metrics no trace measured are absent.
 * - Node keys that do not parse (no known phase) are skipped rather than mislabelled.
 * Linear in the number of values (selection, no sort per key).
 */
export function summarizeSession(sessionId: string, digests: TraceDigest[]): SessionSummary {
  // Each key occurs at most once per digest, so a typed buffer of digests.length per key is
  // always big enough: no growth, no copies, and selection runs on it in place.
  const total = digests.length;
  const byNode = new Map<string, Column>();
  const byLatency = new Map<string, Column>();
  const column = (m: Map<string, Column>, key: string): Column => {
    let c = m.get(key);
    if (!c) m.set(key, (c = { data: new Float64Array(total), n: 0 }));
    return c;
  };
  for (const d of digests) {
    const nodes = d.nodes;
    for (const key in nodes) {
      const v = nodes[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const c = column(byNode, key);
      c.data[c.n++] = v;
    }
    const l = d.latency;
    if (!l) continue;
    for (const key of LATENCY_KEYS) {
      const v = l[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const c = column(byLatency, key);
      c.data[c.n++] = Math.round(v * 1e6);
    }
  }

  const latency: SessionSummary['latency'] = {};
  for (const key of LATENCY_KEYS) {
    const c = byLatency.get(key);
    if (c) latency[key] = stats(c);
  }

  const nodes: SessionSummary['nodes'] = {};
  for (const [key, c] of byNode) {
    const meta = nodeMeta(key);
    if (meta) nodes[key] = { ...stats(c), ...meta };
  }
  return { sessionId, traceCount: total, latency, nodes };
}

interface Column {
  data: Float64Array;
  n: number;
}

function stats(c: Column): Percentiles {
  return percentilesInPlace(c.data.subarray(0, c.n));
}

function nodeMeta(key: string): { label: string; group: 'edge' | 'request' | 'response'; phase?: PluginPhase } | undefined {
  if (isEdgeKey(key)) return { label: EDGE_LABELS[key], group: 'edge' };
  const dot = key.indexOf('.');
  if (dot <= 0 || dot === key.length - 1) return undefined;
  const phase = key.slice(0, dot);
  const label = key.slice(dot + 1);
  if (isRequestPhase(phase)) return { label, group: 'request', phase };
  if (isResponsePhase(phase)) return { label, group: 'response', phase };
  return undefined;
}
