import type { FastifyInstance } from 'fastify';
import type { Health } from '../../common/api';
import type { ApiDeps } from './deps';

/** Paths that answer without a token. */
export const openPath = (url: string): boolean => url === '/api/v1/health' || url.startsWith('/api/v1/health?');

export function registerHealthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions } = deps;
  // Unhealthy (503) while the shared database is unreachable, so a load balancer or orchestrator routes around the replica.
  app.get('/api/v1/health', async (): Promise<Health> => {
    await store.ping?.();
    return {
      status: 'ok',
      version: deps.version,
      store: store.kind,
      uptimeSeconds: Math.round((Date.now() - deps.startedAtMs) / 1000),
      runningSessions: sessions.runningSessions().length,
      ...(deps.kong ? { kong: deps.kong.health() } : {}),
    };
  });
}
