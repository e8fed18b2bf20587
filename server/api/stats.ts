import type { FastifyInstance } from 'fastify';
import { need } from '../auth/hooks';
import type { ApiDeps } from './deps';

export function registerStatsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // Ingest counters are server-wide, so only admins see them.
  app.get('/api/v1/stats', async (req) => {
    need(req, 'manage-tokens');
    return { ingest: deps.pipeline.stats, receiver: deps.receiver?.() };
  });
}
