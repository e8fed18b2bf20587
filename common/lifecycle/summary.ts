import type { Span, TraceSummary } from '../api';
import { contextDialect } from '../spans/dialect';
import { factsFromContext, routeLabel, type TraceFacts } from '../spans/facts';
import { requestFailure } from '../spans/outcome';
import { isCertainRoot } from '../spans/root';
import { traceContext } from './context';
import { lifecycleFromContext } from './map';
import { upstreamView } from './upstream';

/** Everything the Summary tab shows for one trace: information card, latency breakdown, lifecycle map. */
export function traceSummary(traceId: string, spans: Span[]): TraceSummary {
  return analyzeTrace(traceId, spans).summary;
}

/**
 * The trace-list facts and the summary of one trace from a single pass over its spans (the ingest
 * path needs both). The upstream view (upstream.ts) is computed once and feeds the breakdown, the
 * map, the facts and the error flag, so they cannot disagree.
 */
export function analyzeTrace(traceId: string, spans: Span[]): { facts: TraceFacts; summary: TraceSummary } {
  const ctx = traceContext(spans);
  const dialect = contextDialect(ctx);
  const upstream = upstreamView(ctx, dialect);
  const facts = factsFromContext(ctx, dialect, upstream);
  const summary: TraceSummary = {
    traceId,
    startTimeUnixNano: facts.startTimeUnixNano,
    startTimeMs: facts.startTimeMs,
    latency: facts.latency,
    lifecycle: lifecycleFromContext(ctx, dialect, upstream),
  };
  if (facts.statusCode !== undefined) summary.statusCode = facts.statusCode;
  if (facts.upstreamStatusCode !== undefined) summary.upstreamStatusCode = facts.upstreamStatusCode;
  summary.upstreamOutcome = upstream.outcome;
  summary.failed = facts.error;
  const failure = requestFailure(ctx, dialect, upstream);
  if (failure) summary.failure = failure;
  summary.spanErrorCount = facts.spanErrorCount ?? 0;
  if (isCertainRoot(ctx.root)) summary.route = routeLabel(ctx, facts);
  return { facts, summary };
}
