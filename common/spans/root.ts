import type { Span } from '../api';
import { canonicalSpanName, isLogPhaseSpanName } from './names';
import { compareStarts, parseNs } from './time';

const SPAN_KIND_SERVER = 2;

/** True when `spanId` names no parent: '' or all zeros (both forms occur in OTLP exports). */
export function isNullParent(parentSpanId: string | undefined): boolean {
  if (!parentSpanId) return true;
  for (let i = 0; i < parentSpanId.length; i++) if (parentSpanId.charCodeAt(i) !== 48) return false; // '0'
  return true;
}

/** The fields root detection reads: API spans and the receiver's decoded spans both have them. */
export interface RootCandidate {
  name: string;
  kind: number;
  parentSpanId: string;
}

/**
 * THE definition of a request's root span, used by ingest (which judges a trace on its root), the
 * Summary, the trace facts and the plugin:
 * - Kong's `kong` span of kind SERVER (3.3+), or its 3.0–3.2 form "<METHOD> <path>" of kind
 *   SERVER. Its parent may be set (an incoming traceparent) and point at a span we never receive.
 * - For other producers, a span without a parent,
 * - except Kong's log-phase spans (`kong.phase.log`, `kong.log.plugin.*`, analytics): Enterprise
 *   3.13+ exports the log phase as a separate trace after the request's own; that trace must not
 *   become a second "request" (it is not judged and never gets a trace-list row).
 */
export function isRequestRoot(span: RootCandidate | undefined): boolean {
  if (!span) return false;
  if (span.kind === SPAN_KIND_SERVER && canonicalSpanName(span.name, span.kind) === 'kong') return true;
  return isNullParent(span.parentSpanId) && !isLogPhaseSpanName(span.name);
}

/**
 * The request's root span. Preference, most to least certain:
 * 1. Kong's root (`isRequestRoot` first rule) whose parent is null or not in the trace;
 * 2. the earliest other `isRequestRoot` span (a parentless span);
 * 3. the earliest span whose parent is not in the trace (the true root has not arrived yet:
 *    Kong may export it in a later POST). Returns undefined only for an empty list or a cycle.
 */
export function findRoot(spans: Span[]): Span | undefined {
  return rootAmong(
    spans,
    new Set(spans.map((s) => s.spanId)),
    spans.map((s) => canonicalSpanName(s.name, s.kind)),
    spans.map((s) => parseNs(s.startTimeUnixNano))
  );
}

/**
 * findRoot in one pass over spans whose ids, canonical names and starts are already known (a trace's
 * context has them): `names[i]` and `starts[i]` belong to `spans[i]`; starts are bigints, or offsets
 * exact enough to order the spans as their timestamps (compareStarts).
 */
export function rootAmong(
  spans: readonly Span[],
  ids: { has(id: string): boolean },
  names: readonly string[],
  starts: ReadonlyArray<number | bigint | undefined>
): Span | undefined {
  // the earliest span of each preference; on a tie (same start and id) the first one stays
  let kong = -1;
  let request = -1;
  let orphan = -1;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const nullParent = isNullParent(s.parentSpanId);
    const isOrphan = nullParent || !ids.has(s.parentSpanId);
    const kongRoot = s.kind === SPAN_KIND_SERVER && names[i] === 'kong';
    if (kongRoot && isOrphan && earlier(spans, starts, i, kong)) kong = i;
    if ((kongRoot || (nullParent && !isLogPhaseSpanName(s.name))) && earlier(spans, starts, i, request)) request = i;
    if (isOrphan && earlier(spans, starts, i, orphan)) orphan = i;
  }
  const best = kong >= 0 ? kong : request >= 0 ? request : orphan;
  return best >= 0 ? spans[best] : undefined;
}

function earlier(spans: readonly Span[], starts: ReadonlyArray<number | bigint | undefined>, i: number, best: number): boolean {
  return best < 0 || compareStarts(starts[i], spans[i].spanId, starts[best], spans[best].spanId) < 0;
}

/**
 * True when `span` is certainly the request's root (`isRequestRoot`), as opposed to findRoot's
 * stand-in for a trace whose root has not arrived yet. Durations and request attributes are only
 * read from a certain root.
 */
export function isCertainRoot(span: Span | undefined): boolean {
  return isRequestRoot(span);
}
