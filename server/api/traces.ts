import type { FastifyInstance } from 'fastify';
import type { TraceDetail } from '../../common/api';
import { traceSummary } from '../../common/lifecycle';
import { need } from '../auth/hooks';
import { tenantOf } from '../sessions/manager';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import { normaliseTraceId, parseTraceFilters, parseTraceSearch } from './params';
import { searchTraces } from '../store/trace-search';

export function registerTraceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions } = deps;

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/traces', async (req) => {
    const filters = parseTraceFilters(req.query as Record<string, unknown>);
    await sessions.get(req.params.id, need(req, 'read').tenant);
    return store.listTraces(req.params.id, filters);
  });

  // Across the caller's tenant's sessions: the SQL reads only the tenant's trace rows (store/filters.ts).
  app.get('/api/v1/traces', async (req) => {
    const filters = parseTraceSearch(req.query as Record<string, unknown>);
    return searchTraces(store, need(req, 'read').tenant, filters);
  });

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId', async (req): Promise<TraceDetail> => {
    const traceId = normaliseTraceId(req.params.traceId);
    const tenant = need(req, 'read').tenant;
    await visibleTrace(traceId, tenant);
    const detail = await store.getTraceDetail(tenant, traceId);
    if (!detail) throw new NotFoundError(`no stored trace with id ${traceId}`);
    return detail;
  });

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId/summary', async (req) => {
    const traceId = normaliseTraceId(req.params.traceId);
    const tenant = need(req, 'read').tenant;
    await visibleTrace(traceId, tenant);
    const spans = await store.getSpans(tenant, traceId);
    if (spans.length === 0) throw new NotFoundError(`no stored trace with id ${traceId}`);
    return traceSummary(traceId, spans);
  });

  /** A trace is visible to a tenant through one of its sessions; otherwise it is "not found", never "forbidden". */
  async function visibleTrace(traceId: string, tenant: string): Promise<void> {
    for (const id of await store.sessionsOfTrace(tenant, traceId)) {
      const s = await store.getSession(id);
      if (s && tenantOf(s) === tenant) return;
    }
    throw new NotFoundError(`no stored trace with id ${traceId}`);
  }
}
