import type { TraceSummary } from '../api';

/**
 * The small per-trace record the server stores beside a trace so a session summary never
 * re-reads spans. Latency values in ms as in the breakdown (absent = unknown);
 * `nodes` maps SessionSummary node keys ('clientOut', 'upstreamIn', 'upstreamOut', 'clientIn',
 * `<phase>.<plugin>`) to ns. Unmeasured edges are left out rather than stored as 0, so OSS
 * traces do not drag the client percentiles to zero. A plugin key seen twice in one trace
 * (same plugin, same phase, two spans) is summed. Plain JSON: safe to store as a TEXT column.
 */
export interface TraceDigest {
  traceId: string;
  startTimeMs: number;
  dialect: 'enterprise' | 'oss';
  latency: { totalMs?: number; internalMs?: number; upstreamMs?: number; thirdPartyMs?: number; clientMs?: number };
  nodes: Record<string, number>;
  /** spans with an error status or exception (TraceListItem.spanErrorCount); the store filters on it (`spanErrorsOnly`) */
  spanErrors?: number;
}

/** the latency values a digest keeps, in the order stores keep them */
export const DIGEST_LATENCY_KEYS = ['totalMs', 'internalMs', 'upstreamMs', 'thirdPartyMs', 'clientMs'] as const;
export type DigestLatencyKey = (typeof DIGEST_LATENCY_KEYS)[number];

export const EDGE_KEYS = ['clientOut', 'upstreamIn', 'upstreamOut', 'clientIn'] as const;

export function digestTrace(summary: TraceSummary): TraceDigest {
  const l = summary.latency;
  const latency: TraceDigest['latency'] = {};
  if (l.totalMs !== undefined) latency.totalMs = l.totalMs;
  if (l.internalMs !== undefined) latency.internalMs = l.internalMs;
  if (l.upstreamMs !== undefined) latency.upstreamMs = l.upstreamMs;
  if (l.thirdParty?.totalMs !== undefined) latency.thirdPartyMs = l.thirdParty.totalMs;
  if (l.clientMs !== undefined) latency.clientMs = l.clientMs;

  const nodes: Record<string, number> = {};
  const m = summary.lifecycle;
  for (const key of EDGE_KEYS) if (m[key].measured) nodes[key] = m[key].durationNs;
  for (const p of m.requestPlugins) nodes[p.key] = (nodes[p.key] ?? 0) + p.durationNs;
  for (const p of m.responsePlugins) nodes[p.key] = (nodes[p.key] ?? 0) + p.durationNs;
  const d: TraceDigest = { traceId: summary.traceId, startTimeMs: summary.startTimeMs, dialect: m.dialect, latency, nodes };
  if (summary.spanErrorCount !== undefined) d.spanErrors = summary.spanErrorCount;
  return d;
}
