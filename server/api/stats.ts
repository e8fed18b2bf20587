import type { FastifyInstance } from 'fastify';
import { ForbiddenError, need } from '../auth/hooks';
import { DEFAULT_TENANT } from '../auth/roles';
import type { ApiDeps } from './deps';

/**
 * Ingest and admission counters count every tenant's traffic, so they are for the server's operator only: an admin
 * of the default tenant (the first-start admin token, --api-token, `token create` without --tenant; everyone with
 * --auth none). An admin of another tenant gets 403: the counters would tell it about the other tenants' traffic.
 */
export function registerStatsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/stats', async (req) => {
    const who = need(req, 'manage-tokens');
    if (who.tenant !== DEFAULT_TENANT) {
      throw new ForbiddenError(`stats count the traffic of every tenant: only an admin of the "${DEFAULT_TENANT}" tenant (the server's operator) may read them`);
    }
    return { ingest: deps.pipeline.stats, receiver: deps.receiver?.() };
  });
}
