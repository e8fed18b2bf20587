import type { Percentiles, PluginPhase, SessionSummary } from '../api';
import { DIGEST_LATENCY_KEYS, type DigestLatencyKey, type TraceDigest } from './digest';
import { EDGE_LABELS, isEdgeKey } from './edges';
import { percentilesInPlace } from './percentiles';
import { isRequestPhase, isResponsePhase } from './phases';

/**
 * p50/p95/p99/max per lifecycle node and per latency metric over a session's digests.
 * - `count` is the number of traces in which the node/metric was measured.
 * - Latency metrics are reported in ns like every `Percentiles` (ms × 1e6, rounded to whole ns),
 *   so the `…Ns` field names hold; metrics no trace measured are absent.
 * - Node keys that do not parse (no known phase) are skipped rather than mislabelled.
 * Linear in the number of values (selection, no sort per key).
 */
export function summarizeSession(sessionId: string, digests: TraceDigest[]): SessionSummary {
  const columns = new SessionColumns(digests.length);
  for (const d of digests) columns.addDigest(d);
  return columns.summary(sessionId, digests.length);
}

/** One key's values over a session, in a typed buffer that selection reorders in place. */
export class Column {
  readonly data: Float64Array;
  n = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): void {
    this.data[this.n++] = v;
  }
}

/**
 * The values of a session's digests by key, then its summary: what summarizeSession does, open to readers that
 * take the values from stored digests without building TraceDigest objects (server/store/digest-summary.ts).
 * A key's column exists from its first finite value on, so keys come out in the order summarizeSession gives.
 * Each key occurs at most once per digest, so a column of `capacity` (the number of digests) is always big
 * enough: no growth, no copies.
 */
export class SessionColumns {
  private readonly byNode = new Map<string, Column>();
  private readonly byLatency = new Map<DigestLatencyKey, Column>();

  constructor(private readonly capacity: number) {}

  /** the column of a node key, made on first use */
  node(key: string): Column {
    let c = this.byNode.get(key);
    if (!c) this.byNode.set(key, (c = new Column(this.capacity)));
    return c;
  }

  /** a node's value (ns); non-finite values are skipped before the column is made */
  addNode(key: string, v: unknown): void {
    if (typeof v === 'number' && Number.isFinite(v)) this.node(key).push(v);
  }

  /** a latency value in ms, kept in ns (rounded to whole ns); non-finite values are skipped */
  addLatencyMs(key: DigestLatencyKey, v: unknown): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) return;
    let c = this.byLatency.get(key);
    if (!c) this.byLatency.set(key, (c = new Column(this.capacity)));
    c.push(Math.round(v * 1e6));
  }

  addDigest(d: TraceDigest): void {
    const nodes = d.nodes;
    for (const key in nodes) this.addNode(key, nodes[key]);
    const l = d.latency;
    if (!l) return;
    for (const key of DIGEST_LATENCY_KEYS) this.addLatencyMs(key, l[key]);
  }

  summary(sessionId: string, traceCount: number): SessionSummary {
    const latency: SessionSummary['latency'] = {};
    for (const key of DIGEST_LATENCY_KEYS) {
      const c = this.byLatency.get(key);
      if (c) latency[key] = stats(c);
    }
    const nodes: SessionSummary['nodes'] = {};
    for (const [key, c] of this.byNode) {
      const meta = nodeMeta(key);
      if (meta) nodes[key] = { ...stats(c), ...meta };
    }
    return { sessionId, traceCount, latency, nodes };
  }
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
