import type { FastifyInstance } from 'fastify';
import { need } from '../auth/hooks';
import type { ApiDeps } from './deps';
import { parseLogFilters } from './params';

export function registerLogRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions } = deps;

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/logs', async (req) => {
    const filters = parseLogFilters(req.query as Record<string, unknown>);
    await sessions.get(req.params.id, need(req, 'read').tenant);
    return store.listLogs(req.params.id, filters);
  });
}
