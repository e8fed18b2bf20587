/** A candidate for "the typical trace": its id, total latency (ms) and start, from the trace list or digests. */
export interface TypicalCandidate {
  traceId: string;
  totalMs?: number;
  startTimeMs: number;
}

/**
 * "Compare with a typical trace": the median trace by total latency among the candidates (the
 * session's traces of the same route, or the whole session when the route has no other trace),
 * the trace itself excluded. Nearest-rank (lower) median, ties broken by start time then id, so the
 * answer is one real trace and does not change between calls. Traces without a total are skipped.
 */
export function typicalTrace(candidates: TypicalCandidate[], excludeTraceId: string): string | undefined {
  const usable = candidates.filter((c) => c.traceId !== excludeTraceId && typeof c.totalMs === 'number' && Number.isFinite(c.totalMs));
  if (usable.length === 0) return undefined;
  usable.sort((a, b) => a.totalMs! - b.totalMs! || a.startTimeMs - b.startTimeMs || (a.traceId < b.traceId ? -1 : 1));
  return usable[Math.ceil(usable.length / 2) - 1].traceId;
}
