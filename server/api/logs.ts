import type { FastifyInstance } from 'fastify';
import type { LogList, Session } from '../../common/api';
import { need } from '../auth/hooks';
import { tenantOf } from '../sessions/manager';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import { BadRequestError, normaliseTraceId, parseLogFilters } from './params';

/** A trace-wide page's cursor: the session it pages in, and that session's own cursor (opaque to clients). */
function wrapCursor(sessionId: string, cursor: string): string {
  return Buffer.from(JSON.stringify({ s: sessionId, c: cursor })).toString('base64url');
}

function unwrapCursor(raw: string): { s: string; c: string } {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { s?: unknown; c?: unknown };
    if (typeof v.s === 'string' && typeof v.c === 'string') return { s: v.s, c: v.c };
  } catch {
    // reported below
  }
  throw new BadRequestError(`query parameter "cursor" is not a cursor this endpoint gave out; got "${raw}"`);
}

export function registerLogRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions } = deps;

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/logs', async (req) => {
    const filters = parseLogFilters(req.query as Record<string, unknown>);
    await sessions.get(req.params.id, need(req, 'read').tenant);
    return store.listLogs(req.params.id, filters);
  });

  /**
   * A trace's (or span's) logs without knowing the session: what Grafana's "Logs for this span" needs from a trace
   * opened by id. Logs are stored per session; the page comes from the newest session of the tenant that holds
   * the trace's logs (copies in other sessions are the same records), named in `sessionId`.
   */
  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId/logs', async (req): Promise<LogList> => {
    const q = req.query as Record<string, unknown>;
    if ('traceId' in q) throw new BadRequestError('the trace id is in the path: drop the "traceId" query parameter');
    const filters = parseLogFilters(q);
    const traceId = normaliseTraceId(req.params.traceId);
    const tenant = need(req, 'read').tenant;
    const visible: Session[] = [];
    for (const id of await store.sessionsOfTrace(tenant, traceId)) {
      const s = await store.getSession(id);
      if (s && tenantOf(s) === tenant) visible.push(s);
    }
    if (visible.length === 0) throw new NotFoundError(`no stored trace with id ${traceId}`);

    let sessionId: string | undefined;
    let cursor: string | undefined;
    if (filters.cursor) {
      const c = unwrapCursor(filters.cursor);
      if (!visible.some((s) => s.id === c.s)) throw new BadRequestError('query parameter "cursor" belongs to another trace');
      sessionId = c.s;
      cursor = c.c;
    } else {
      visible.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
      for (const s of visible.filter((x) => x.captureLogs)) {
        if ((await store.listLogs(s.id, { traceId, limit: 1 })).logs.length > 0) {
          sessionId = s.id;
          break;
        }
      }
      if (!sessionId) return { logs: [], sessionId: visible[0].id };
    }
    const page = await store.listLogs(sessionId, { ...filters, traceId, cursor });
    return { logs: page.logs, sessionId, ...(page.nextCursor ? { nextCursor: wrapCursor(sessionId, page.nextCursor) } : {}) };
  });
}
