import { DATASOURCE_TYPE } from '../pages/constants';
import { concrete, isSpanId, isTraceId } from './paths';

/** The parts of a query (DataQuery + our fields) and of a result frame the links read. */
export interface QueryLike {
  refId?: string;
  datasource?: { type?: string; uid?: string } | null;
  queryType?: string;
  traceId?: string;
  spanId?: string;
  sessionId?: string;
}
export interface FrameLike {
  refId?: string;
  meta?: { custom?: Record<string, unknown> | null } | null;
}

export function isOurs(q: QueryLike): boolean {
  return q.datasource?.type === DATASOURCE_TYPE;
}

/**
 * The trace (and span) a set of our queries shows: a query's own trace id when it is concrete, else the id our
 * frames carry (`meta.custom.traceId`: trace, summary and statistics frames), which holds the value after template
 * variables were replaced.
 */
export function traceOf(queries: QueryLike[], frames: FrameLike[] = []): { traceId: string; spanId?: string } | undefined {
  for (const q of queries) {
    const traceId = concrete(q.traceId);
    if (isTraceId(traceId)) {
      const spanId = concrete(q.spanId);
      return { traceId: traceId.toLowerCase(), spanId: isSpanId(spanId) ? spanId.toLowerCase() : undefined };
    }
  }
  const refIds = new Set(queries.map((q) => q.refId));
  for (const f of frames) {
    const traceId = f.meta?.custom?.traceId;
    if ((f.refId === undefined || refIds.has(f.refId)) && isTraceId(traceId)) {
      return { traceId: traceId.toLowerCase() };
    }
  }
  return undefined;
}

/** The session our queries (or their frames: `meta.custom.sessionId`) are about. */
export function sessionOf(queries: QueryLike[], frames: FrameLike[] = []): string | undefined {
  for (const q of queries) {
    const id = concrete(q.sessionId);
    if (id) {
      return id;
    }
  }
  const refIds = new Set(queries.map((q) => q.refId));
  for (const f of frames) {
    const id = f.meta?.custom?.sessionId;
    if ((f.refId === undefined || refIds.has(f.refId)) && typeof id === 'string' && id) {
      return id;
    }
  }
  return undefined;
}
