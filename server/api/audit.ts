import type { FastifyInstance } from 'fastify';
import { need } from '../auth/hooks';
import type { ApiDeps } from './deps';
import { BadRequestError } from './params';

/** The caller's tenant's audit log, newest first. */
export function registerAuditRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/audit', async (req) => {
    const who = need(req, 'read');
    const q = req.query as Record<string, unknown>;
    for (const k of Object.keys(q)) if (k !== 'target' && k !== 'limit') throw new BadRequestError(`unknown query parameter "${k}"; accepted: target, limit`);
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new BadRequestError('query parameter "limit" must be a whole number from 1 to 1000');
    return { entries: await deps.audit.list(who.tenant, { target: typeof q.target === 'string' ? q.target : undefined, limit }) };
  });
}
