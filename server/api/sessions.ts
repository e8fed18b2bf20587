import type { FastifyInstance } from 'fastify';
import { actorName } from '../auth/grafana-user';
import { need } from '../auth/hooks';
import { parseCreateSession } from '../sessions/validate';
import { audited } from './audited';
import type { ApiDeps } from './deps';
import { BadRequestError } from './params';

export function registerSessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions, audit } = deps;

  app.post('/api/v1/sessions', async (req, reply) => {
    const who = need(req, 'manage-sessions');
    const session = await sessions.create(parseCreateSession(req.body), who.tenant, { createdBy: actorName(who) });
    await audited(audit, who, 'session.create', session.id, { name: session.name, rule: session.rule, durationSeconds: session.durationSeconds });
    return reply.code(201).send(session);
  });

  // `?alert=<fingerprint>`: the sessions an alert started; `?alertRule=<uid>`: those a Grafana rule's alerts started
  // (the Grafana alert instance's link knows the rule, not the fingerprint).
  app.get('/api/v1/sessions', async (req) => {
    const tenant = need(req, 'read').tenant;
    const q = req.query as Record<string, unknown>;
    for (const k of Object.keys(q)) if (k !== 'alert' && k !== 'alertRule') throw new BadRequestError(`unknown query parameter "${k}"; accepted: alert, alertRule`);
    if (q.alert !== undefined && (typeof q.alert !== 'string' || q.alert === '')) throw new BadRequestError('query parameter "alert" must be one alert fingerprint');
    if (q.alertRule !== undefined && (typeof q.alertRule !== 'string' || q.alertRule === '')) throw new BadRequestError('query parameter "alertRule" must be one Grafana alert rule uid');
    const list = await sessions.list(tenant, q.alert !== undefined ? { alert: q.alert as string } : {});
    return { sessions: q.alertRule === undefined ? list : list.filter((s) => s.alert?.ruleUid === q.alertRule) };
  });

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
    return store.sessionSummary(req.params.id);
  });
}
