import type { FastifyInstance } from 'fastify';
import { installAuth } from '../auth/hooks';
import { alertPath, registerAlertRoutes } from './alerts';
import { registerAuditRoutes } from './audit';
import type { ApiDeps } from './deps';
import { registerEntityRoutes } from './entities';
import { installErrorHandlers, send } from './errors';
import { openPath, registerHealthRoutes } from './health';
import { registerLogRoutes } from './logs';
import { registerSessionRoutes } from './sessions';
import { registerStatsRoutes } from './stats';
import { registerStreamRoutes } from './stream';
import { registerTokenRoutes } from './tokens';
import { registerTraceRoutes } from './traces';
import { registerAnalysisRoutes } from './analysis';

export type { ApiDeps } from './deps';

/** The REST API under /api/v1 (JSON). Every failure is an ApiError body with a precise message. */
export function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  installErrorHandlers(app);
  // The alert webhooks check their own credentials: a token, or Grafana's signature (api/alerts.ts).
  installAuth(app, deps.auth, {
    open: (url) => openPath(url) || alertPath(url),
    onFailure: (reply, status, message) => void send(reply, status, message),
    onBadGrafanaUser: (reply, message) => void send(reply, 400, message),
  });
  registerHealthRoutes(app, deps);
  registerStatsRoutes(app, deps);
  registerEntityRoutes(app, deps);
  registerSessionRoutes(app, deps);
  registerTraceRoutes(app, deps);
  registerLogRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerAnalysisRoutes(app, deps);
  registerAlertRoutes(app, deps);
}
