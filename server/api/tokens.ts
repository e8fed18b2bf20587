import type { FastifyInstance } from 'fastify';
import { need } from '../auth/hooks';
import { isRole } from '../auth/roles';
import { audited } from './audited';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import { BadRequestError } from './params';

const SHAPE = 'body must be {"name": "<who>", "role": "admin" | "debugger" | "viewer" | "ingest"}';

/** An admin manages its own tenant's tokens; tokens for other tenants are made with the CLI on the server. */
export function registerTokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { audit } = deps;
  const tokenStore = () => {
    if (!deps.auth.tokens) throw new BadRequestError('this server runs without token management (started with --no-auth)');
    return deps.auth.tokens;
  };

  app.get('/api/v1/tokens', async (req) => ({ tokens: await tokenStore().list(need(req, 'manage-tokens').tenant) }));

  app.post('/api/v1/tokens', async (req, reply) => {
    const who = need(req, 'manage-tokens');
    const body = (req.body ?? {}) as { name?: unknown; role?: unknown };
    if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError(SHAPE);
    // A misspelt or unsupported field is refused, never ignored: `tenant` in particular would not do what it says.
    for (const field of Object.keys(body)) {
      if (field === 'tenant') throw new BadRequestError(`unknown field "tenant": a token belongs to its creator's tenant ("${who.tenant}"); tokens of other tenants are made with \`kong-debugger token create --tenant\` on the server`);
      if (field !== 'name' && field !== 'role') throw new BadRequestError(`unknown field "${field}"; accepted: name, role`);
    }
    if (typeof body.name !== 'string' || !isRole(body.role)) throw new BadRequestError(SHAPE);
    const created = await tokenStore().create(body.name, body.role, who.tenant);
    await audited(audit, who, 'token.create', created.info.id, { name: created.info.name, role: created.info.role });
    return reply.code(201).send({ ...created.info, token: created.token });
  });

  app.delete<{ Params: { id: string } }>('/api/v1/tokens/:id', async (req, reply) => {
    const who = need(req, 'manage-tokens');
    if (!(await tokenStore().revoke(req.params.id, who.tenant))) throw new NotFoundError(`no active token with id "${req.params.id}"`);
    await audited(audit, who, 'token.revoke', req.params.id);
    return reply.code(204).send();
  });
}
