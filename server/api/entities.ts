import type { FastifyInstance } from 'fastify';
import type { EntityInfo, EntityList } from '../../common/api';
import { need } from '../auth/hooks';
import { validateExpression } from '../rules';
import type { ApiDeps } from './deps';
import { BadRequestError } from './params';

/**
 * What a rule can name, and the rule checker.
 * `GET /api/v1/entities`: Kong's routes, services and consumers with their names (from the database, so the
 * same on every replica and after a restart), plus ids only seen in this tenant's traffic and unknown to Kong
 * (kept as bare ids). `POST /api/v1/entities/refresh`: reads Kong's lists now (on demand).
 */
export function registerEntityRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/entities', async (req): Promise<EntityList> => entityList(deps, need(req, 'read').tenant));

  app.post('/api/v1/entities/refresh', async (req) => {
    need(req, 'manage-sessions');
    if (!deps.kong) return { gateways: [] };
    return { gateways: await deps.kong.refreshEntities(true) };
  });

  app.post('/api/v1/expressions/validate', async (req) => {
    need(req, 'read');
    const body = req.body as { expression?: unknown } | undefined;
    if (!body || typeof body.expression !== 'string') throw new BadRequestError('body must be {"expression": "<rule>"}');
    return validateExpression(body.expression);
  });
}

/** What a tenant's rules can name: Kong's entities, and the ids (with names) its traffic carried. Alerts resolve their labels with it. */
export async function entityList(deps: Pick<ApiDeps, 'pipeline' | 'kong'>, tenant: string): Promise<EntityList> {
  const seen = deps.pipeline.entities.list(tenant);
  const known = deps.kong ? await deps.kong.entities() : { routes: [], services: [], consumers: [] };
  return { routes: merge(known.routes, seen.routes), services: merge(known.services, seen.services), consumers: known.consumers };
}

/** Kong's entities first (by name), then ids seen in traffic that Kong does not list, most recent first */
function merge(known: EntityInfo[], seen: Array<{ id: string; name?: string; lastSeenMs: number }>): EntityInfo[] {
  const byId = new Map(known.map((e) => [e.id, e]));
  const extra: EntityInfo[] = [];
  for (const s of seen) {
    const k = byId.get(s.id);
    if (k) k.lastSeenMs = s.lastSeenMs;
    else extra.push({ id: s.id, ...(s.name ? { name: s.name } : {}), lastSeenMs: s.lastSeenMs });
  }
  const sorted = [...known].sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.id.localeCompare(b.id));
  return [...sorted, ...extra];
}
