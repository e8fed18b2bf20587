import type { FastifyInstance } from 'fastify';
import { need } from '../auth/hooks';
import { validateExpression } from '../rules';
import type { ApiDeps } from './deps';
import { BadRequestError } from './params';

/** What a rule can name: the routes and services seen in traffic, and the rule checker. */
export function registerEntityRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/entities', async (req) => deps.pipeline.entities.list(need(req, 'read').tenant));

  app.post('/api/v1/expressions/validate', async (req) => {
    need(req, 'read');
    const body = req.body as { expression?: unknown } | undefined;
    if (!body || typeof body.expression !== 'string') throw new BadRequestError('body must be {"expression": "<rule>"}');
    return validateExpression(body.expression);
  });
}
