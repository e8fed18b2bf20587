import type { FastifyInstance } from 'fastify';
import { summarizeSession } from '../../common/lifecycle';
import { need } from '../auth/hooks';
import { parseCreateSession } from '../sessions/validate';
import { audited } from './audited';
import type { ApiDeps } from './deps';

export function registerSessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions, audit } = deps;

  app.post('/api/v1/sessions', async (req, reply) => {
    const who = need(req, 'manage-sessions');
    const session = await sessions.create(parseCreateSession(req.body), who.tenant);
    await audited(audit, who, 'session.create', session.id, { name: session.name, rule: session.rule, durationSeconds: session.durationSeconds });
    return reply.code(201).send(session);
  });

  app.get('/api/v1/sessions', async (req) => ({ sessions: await sessions.list(need(req, 'read').tenant) }));

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id', async (req) => sessions.get(req.params.id, need(req, 'read').tenant));

  app.post<{ Params: { id: string } }>('/api/v1/sessions/:id/stop', async (req) => {
    const who = need(req, 'manage-sessions');
    const stopped = await sessions.stop(req.params.id, who.tenant);
    await audited(audit, who, 'session.stop', stopped.id);
    return stopped;
  });

  app.delete<{ Params: { id: string } }>('/api/v1/sessions/:id', async (req, reply) => {
    const who = need(req, 'manage-sessions');
    await sessions.delete(req.params.id, who.tenant);
    deps.live.wake([req.params.id]); // its live streams end now (other replicas' on their poll)
    await audited(audit, who, 'session.delete', req.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/summary', async (req) => {
    await sessions.get(req.params.id, need(req, 'read').tenant);
    const digests = await store.digests(req.params.id);
    return summarizeSession(req.params.id, digests);
  });
}
