import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Health, KongGatewayHealth } from '../../common/api';
import { authenticate } from '../auth/hooks';
import { can } from '../auth/roles';
import type { ApiDeps } from './deps';

/** Paths that answer without a token. */
export const openPath = (url: string): boolean => url === '/api/v1/health' || url.startsWith('/api/v1/health?');

/** What anyone may learn of a gateway: its name and whether it answers. Its Admin URL, version and last error are for readers only. */
const publicGateway = (g: KongGatewayHealth): KongGatewayHealth => ({ name: g.name, reachable: g.reachable });

export function registerHealthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions } = deps;
  // A load balancer asks without a token, so health stays open; a valid reader's token adds Kong's details.
  const mayRead = async (req: FastifyRequest): Promise<boolean> => {
    if (!deps.kong) return false;
    const who = await authenticate(deps.auth, req.headers.authorization).catch(() => ({ error: 'token store unavailable' }));
    return !('error' in who) && can(who.role, 'read');
  };
  // Unhealthy (503) while the shared database is unreachable, so a load balancer or orchestrator routes around the replica.
  app.get('/api/v1/health', async (req): Promise<Health> => {
    await store.ping?.();
    const kong = deps.kong?.health();
    const full = kong ? await mayRead(req) : false;
    return {
      status: 'ok',
      version: deps.version,
      store: store.kind,
      uptimeSeconds: Math.round((Date.now() - deps.startedAtMs) / 1000),
      runningSessions: sessions.runningSessions().length,
      ...(kong ? { kong: full ? kong : kong.map(publicGateway) } : {}),
    };
  });
}
