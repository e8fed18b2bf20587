import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AlertPayload } from '../alerts/payload';
import { AlertPayloadError, parseAlertmanagerPayload, parseGrafanaPayload } from '../alerts/payload';
import { InvalidAlertError } from '../alerts/intake';
import { verifySignature } from '../alerts/signature';
import { authenticate, describe } from '../auth/hooks';
import { can, type Principal } from '../auth/roles';
import type { ApiDeps } from './deps';
import { send } from './errors';

export const GRAFANA_ALERTS_PATH = '/api/v1/alerts/grafana';
export const ALERTMANAGER_ALERTS_PATH = '/api/v1/alerts/alertmanager';

/** These routes authenticate themselves (a bearer token, or Grafana's signature): the API's token hook lets them through. */
export const alertPath = (url: string): boolean => {
  const p = url.split('?')[0];
  return p === GRAFANA_ALERTS_PATH || p === ALERTMANAGER_ALERTS_PATH;
};

type Outcome<T> = { ok: T } | { status: 401 | 403 | 503; message: string };

/** the usual bearer token, as the API's hook checks it, and the right to start sessions */
async function tokenCaller(deps: ApiDeps, req: FastifyRequest): Promise<Outcome<Principal>> {
  let who: Principal | { error: string };
  try {
    who = await authenticate(deps.auth, req.headers.authorization);
  } catch (err) {
    req.log.error({ err }, 'token check failed');
    return { status: 503, message: 'the token store is unavailable; retry shortly' };
  }
  if ('error' in who) return { status: 401, message: who.error };
  if (deps.auth.mode === 'tokens' && !can(who.role, 'manage-sessions'))
    return { status: 403, message: `a token with role "${who.role}" may not ${describe('manage-sessions')}` };
  return { ok: who };
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new AlertPayloadError(`body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Alerts start sessions (server/alerts). `POST /api/v1/alerts/grafana`: Grafana's webhook contact point; with
 * `--grafana-webhook-secret` every request must carry Grafana's HMAC signature, and then a bearer token is
 * optional (with one, the session goes to its tenant; without, to `--grafana-webhook-tenant`). Without a secret
 * the usual bearer token is required. `POST /api/v1/alerts/alertmanager`: Alertmanager's webhook_config, bearer
 * token only (Alertmanager does not sign).
 *
 * Answers: 200 with what happened to each alert whenever the payload was valid, refused alerts included.
 * A non-2xx tells the sender the notification failed: Grafana (grafana/alerting http/webhook.go: anything but
 * 2xx is an error) then marks the contact point failing and sends the whole group again on its next flush, and
 * Alertmanager retries 5xx with backoff; neither would change a refused alert, so refusals are answers, not
 * failures. 400 is kept for what the sender's configuration must fix: a malformed payload, or an alert rule whose
 * kong_debugger_* annotations are invalid (Grafana shows the message as the contact point's last error).
 */
export function registerAlertRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const intake = deps.alerts;
  const webhook = deps.alertWebhook ?? {};

  const handle = async (
    req: FastifyRequest,
    reply: FastifyReply,
    parse: (b: unknown) => AlertPayload,
    who: Principal
  ) => {
    if (!intake) return send(reply, 404, 'alerts do not start sessions on this server');
    let payload: AlertPayload;
    try {
      payload = parse(parseJson(req.body as Buffer));
      return await intake.receive(payload, who);
    } catch (e) {
      if (e instanceof AlertPayloadError) return send(reply, 400, e.message);
      if (e instanceof InvalidAlertError) return send(reply, 400, e.message, e.errors ? { errors: e.errors } : {});
      throw e;
    }
  };

  app.register(async (scope) => {
    // The raw body, as signed: the signature covers the exact bytes Grafana sent.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    scope.post(GRAFANA_ALERTS_PATH, async (req, reply) => {
      const body = req.body as Buffer | undefined;
      if (!Buffer.isBuffer(body))
        return send(
          reply,
          400,
          "body must be the JSON of Grafana's webhook contact point (Content-Type: application/json)"
        );
      let who: Principal;
      if (webhook.signature) {
        const check = verifySignature(webhook.signature, req.headers, body, Date.now());
        if (!check.ok) return send(reply, 401, `${check.reason}; nothing was started`);
        if (req.headers.authorization === undefined) {
          who = {
            tokenId: '',
            name: 'Grafana webhook (HMAC signed)',
            role: 'debugger',
            tenant: webhook.tenant ?? 'default',
          };
        } else {
          const t = await tokenCaller(deps, req);
          if (!('ok' in t)) return send(reply, t.status, t.message);
          who = t.ok;
        }
      } else {
        const t = await tokenCaller(deps, req);
        if (!('ok' in t)) return send(reply, t.status, t.message);
        who = t.ok;
      }
      return handle(req, reply, parseGrafanaPayload, who);
    });

    scope.post(ALERTMANAGER_ALERTS_PATH, async (req, reply) => {
      const body = req.body as Buffer | undefined;
      if (!Buffer.isBuffer(body))
        return send(reply, 400, "body must be the JSON of Alertmanager's webhook (Content-Type: application/json)");
      const t = await tokenCaller(deps, req);
      if (!('ok' in t)) return send(reply, t.status, t.message);
      return handle(req, reply, parseAlertmanagerPayload, t.ok);
    });
  });
}
