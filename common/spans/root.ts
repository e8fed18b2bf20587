import type { Span } from '../api';
import { compareByStart } from './time';

const ALL_ZERO = /^0*$/;

/** True when `spanId` names no parent: '' or all zeros (both forms occur in OTLP exports). */
export function isNullParent(parentSpanId: string | undefined): boolean {
  return !parentSpanId || ALL_ZERO.test(parentSpanId);
}

/**
 * The request's root span. Preference, most to least certain:
 * 1. `kong` with kind SERVER whose parent is null or not in the trace (with an incoming
 *    traceparent Kong's root has the caller's span as parent, which we never receive);
 * 2. the earliest span with a null parent;
 * 3. the earliest span whose parent is not in the trace (the true root has not arrived yet:
 *    Kong may export it in a later POST). Returns undefined only for an empty list or a cycle.
 */
export function findRoot(spans: Span[]): Span | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  const orphan = (s: Span) => isNullParent(s.parentSpanId) || !ids.has(s.parentSpanId);
  const kong = spans.filter((s) => s.name === 'kong' && s.kind === 2 && orphan(s));
  if (kong.length) return earliest(kong);
  const nullParent = spans.filter((s) => isNullParent(s.parentSpanId));
  if (nullParent.length) return earliest(nullParent);
  const orphans = spans.filter(orphan);
  return orphans.length ? earliest(orphans) : undefined;
}

function earliest(spans: Span[]): Span {
  return spans.reduce((best, s) => (compareByStart(s, best) < 0 ? s : best));
}

/**
 * True when `span` is certainly the request's root (Kong's `kong` SERVER span, or a span with a
 * null parent), as opposed to findRoot's stand-in for a trace whose root has not arrived yet.
 * Durations and request attributes are only read from a certain root.
 */
export function isCertainRoot(span: Span | undefined): boolean {
  return !!span && ((span.name === 'kong' && span.kind === 2) || isNullParent(span.parentSpanId));
}
