import type { Span, TraceSummary } from '../api';
import { factsFromContext, type TraceFacts } from '../spans/facts';
import { traceContext } from './context';
import { lifecycleFromContext } from './map';

/** Everything the Summary tab shows for one trace: information card, latency breakdown, lifecycle map. */
export function traceSummary(traceId: string, spans: Span[]): TraceSummary {
  return analyzeTrace(traceId, spans).summary;
}

/** The trace-list facts and the summary of one trace from a single pass over its spans (the ingest path needs both). */
export function analyzeTrace(traceId: string, spans: Span[]): { facts: TraceFacts; summary: TraceSummary } {
  const ctx = traceContext(spans);
  const facts = factsFromContext(ctx);
  const summary: TraceSummary = {
    traceId,
    startTimeUnixNano: facts.startTimeUnixNano,
    startTimeMs: facts.startTimeMs,
    latency: facts.latency,
    lifecycle: lifecycleFromContext(ctx, facts.dialect),
  };
  if (facts.statusCode !== undefined) summary.statusCode = facts.statusCode;
  if (facts.upstreamStatusCode !== undefined) summary.upstreamStatusCode = facts.upstreamStatusCode;
  return { facts, summary };
}
