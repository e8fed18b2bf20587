import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { ApiError, Health, TraceDetail } from '../../common/api';
import { summarizeSession, traceSummary } from '../../common/lifecycle';
import type { AuditLog } from '../audit/audit';
import { ForbiddenError, installAuth, need, type AuthConfig } from '../auth/hooks';
import { isRole } from '../auth/roles';
import { TokenError } from '../auth/tokens';
import type { IngestPipeline } from '../ingest/pipeline';
import type { OtlpReceiverStats } from '../otlp/receiver';
import { validateExpression } from '../rules';
import { SessionConflictError, SessionNotFoundError, tenantOf, type SessionManager } from '../sessions/manager';
import { InvalidSessionError, parseCreateSession } from '../sessions/validate';
import { CursorError } from '../store/cursor';
import { LogKeyUnavailableError } from '../crypto/errors';
import { StoreUnavailableError } from '../store/errors';
import type { Store } from '../store/types';
import { BadRequestError, normaliseTraceId, parseLogFilters, parseTraceFilters } from './params';

export interface ApiDeps {
  store: Store;
  sessions: SessionManager;
  pipeline: IngestPipeline;
  version: string;
  startedAtMs: number;
  auth: AuthConfig;
  audit: AuditLog;
  /** the OTLP receiver's admission counters (requests refused with 429/503, bytes in flight) */
  receiver?: () => Readonly<OtlpReceiverStats> | undefined;
}

class NotFoundError extends Error {}

function send(reply: FastifyReply, statusCode: number, message: string, extra: Partial<ApiError> = {}): FastifyReply {
  const body: ApiError = { statusCode, error: httpReason(statusCode), message, ...extra };
  return reply.code(statusCode).send(body);
}

function httpReason(code: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type' } as Record<number, string>
  )[code] ?? (code >= 500 ? 'Internal Server Error' : 'Error');
}

/** The REST API under /api/v1 (JSON). Every failure is an ApiError body with a precise message. */
export function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions, pipeline } = deps;

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof InvalidSessionError) return send(reply, 400, err.message, err.errors ? { errors: err.errors } : {});
    if (err instanceof BadRequestError || err instanceof CursorError || err instanceof RangeError || err instanceof TokenError) return send(reply, 400, err.message);
    if (err instanceof ForbiddenError) return send(reply, 403, err.message);
    if (err instanceof SessionNotFoundError || err instanceof NotFoundError) return send(reply, 404, err.message);
    if (err instanceof SessionConflictError) return send(reply, 409, err.message);
    // Encrypted logs whose key is revoked or unreachable: a clear 503, traces stay served.
    if (err instanceof LogKeyUnavailableError) return send(reply, 503, err.message);
    // The shared database is unreachable (PostgreSQL restarting, network): retryable, not a server bug.
    if (err instanceof StoreUnavailableError) return send(reply.header('retry-after', String(err.retryAfterSeconds)), 503, err.message);
    const fe = err as FastifyError;
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      // fastify's own 4xx: malformed JSON, wrong content type, body too large.
      const msg = fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? `unsupported content type "${req.headers['content-type'] ?? ''}": send application/json` : fe.message;
      return send(reply, fe.statusCode, msg);
    }
    req.log.error({ err }, 'request failed');
    return send(reply, 500, 'internal error; see the server log');
  });

  app.setNotFoundHandler((req, reply) => send(reply, 404, `no such endpoint: ${req.method} ${req.url.split('?')[0]}`));

  installAuth(app, deps.auth, {
    open: (url) => url === '/api/v1/health' || url.startsWith('/api/v1/health?'),
    onFailure: (reply, status, message) => void send(reply, status, message),
  });
  const { audit } = deps;

  // Unhealthy (503) while the shared database is unreachable, so a load balancer or orchestrator routes around the replica.
  app.get('/api/v1/health', async (): Promise<Health> => {
    await store.ping?.();
    return health();
  });
  const health = (): Health => ({
    status: 'ok',
    version: deps.version,
    store: store.kind,
    uptimeSeconds: Math.round((Date.now() - deps.startedAtMs) / 1000),
    runningSessions: sessions.runningSessions().length,
  });

  // Ingest counters are server-wide, so only admins see them.
  app.get('/api/v1/stats', async (req) => {
    need(req, 'manage-tokens');
    return { ingest: pipeline.stats, receiver: deps.receiver?.() };
  });

  app.get('/api/v1/entities', async (req) => pipeline.entities.list(need(req, 'read').tenant));

  app.post('/api/v1/expressions/validate', async (req) => {
    need(req, 'read');
    const body = req.body as { expression?: unknown } | undefined;
    if (!body || typeof body.expression !== 'string') throw new BadRequestError('body must be {"expression": "<rule>"}');
    return validateExpression(body.expression);
  });

  app.post('/api/v1/sessions', async (req, reply) => {
    const who = need(req, 'manage-sessions');
    const session = await sessions.create(parseCreateSession(req.body), who.tenant);
    await audit.record({ tenant: who.tenant, actor: { tokenId: who.tokenId || undefined, name: who.name }, action: 'session.create', target: session.id, details: { name: session.name, rule: session.rule, durationSeconds: session.durationSeconds } });
    return reply.code(201).send(session);
  });

  app.get('/api/v1/sessions', async (req) => ({ sessions: await sessions.list(need(req, 'read').tenant) }));

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id', async (req) => sessions.get(req.params.id, need(req, 'read').tenant));

  app.post<{ Params: { id: string } }>('/api/v1/sessions/:id/stop', async (req) => {
    const who = need(req, 'manage-sessions');
    const stopped = await sessions.stop(req.params.id, who.tenant);
    await audit.record({ tenant: who.tenant, actor: { tokenId: who.tokenId || undefined, name: who.name }, action: 'session.stop', target: stopped.id });
    return stopped;
  });

  app.delete<{ Params: { id: string } }>('/api/v1/sessions/:id', async (req, reply) => {
    const who = need(req, 'manage-sessions');
    await sessions.delete(req.params.id, who.tenant);
    await audit.record({ tenant: who.tenant, actor: { tokenId: who.tokenId || undefined, name: who.name }, action: 'session.delete', target: req.params.id });
    return reply.code(204).send();
  });

  app.get('/api/v1/audit', async (req) => {
    const who = need(req, 'read');
    const q = req.query as Record<string, unknown>;
    for (const k of Object.keys(q)) if (k !== 'target' && k !== 'limit') throw new BadRequestError(`unknown query parameter "${k}"; accepted: target, limit`);
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new BadRequestError('query parameter "limit" must be a whole number from 1 to 1000');
    return { entries: await audit.list(who.tenant, { target: typeof q.target === 'string' ? q.target : undefined, limit }) };
  });

  app.get('/api/v1/tokens', async (req) => ({ tokens: await tokenStore().list(need(req, 'manage-tokens').tenant) }));

  app.post('/api/v1/tokens', async (req, reply) => {
    const who = need(req, 'manage-tokens');
    const body = (req.body ?? {}) as { name?: unknown; role?: unknown };
    if (typeof body.name !== 'string' || !isRole(body.role)) throw new BadRequestError('body must be {"name": "<who>", "role": "admin" | "debugger" | "viewer" | "ingest"}');
    // An admin manages its own tenant's tokens; tokens for other tenants are made with the CLI on the server.
    const created = await tokenStore().create(body.name, body.role, who.tenant);
    await audit.record({ tenant: who.tenant, actor: { tokenId: who.tokenId || undefined, name: who.name }, action: 'token.create', target: created.info.id, details: { name: created.info.name, role: created.info.role } });
    return reply.code(201).send({ ...created.info, token: created.token });
  });

  app.delete<{ Params: { id: string } }>('/api/v1/tokens/:id', async (req, reply) => {
    const who = need(req, 'manage-tokens');
    if (!(await tokenStore().revoke(req.params.id, who.tenant))) throw new NotFoundError(`no active token with id "${req.params.id}"`);
    await audit.record({ tenant: who.tenant, actor: { tokenId: who.tokenId || undefined, name: who.name }, action: 'token.revoke', target: req.params.id });
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/traces', async (req) => {
    const filters = parseTraceFilters(req.query as Record<string, unknown>);
    await sessions.get(req.params.id, need(req, 'read').tenant);
    return store.listTraces(req.params.id, filters);
  });

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/logs', async (req) => {
    const filters = parseLogFilters(req.query as Record<string, unknown>);
    await sessions.get(req.params.id, need(req, 'read').tenant);
    return store.listLogs(req.params.id, filters);
  });

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/summary', async (req) => {
    await sessions.get(req.params.id, need(req, 'read').tenant);
    const digests = await store.digests(req.params.id);
    return summarizeSession(req.params.id, digests);
  });

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId', async (req): Promise<TraceDetail> => {
    const traceId = normaliseTraceId(req.params.traceId);
    const tenant = need(req, 'read').tenant;
    await visibleTrace(traceId, tenant);
    const row = await store.getTraceRow(tenant, traceId);
    if (!row) throw new NotFoundError(`no stored trace with id ${traceId}`);
    const detail: TraceDetail = { traceId, resource: row.resource, spans: await store.getSpans(tenant, traceId) };
    if (row.scopeName) detail.scope = { name: row.scopeName, ...(row.scopeVersion ? { version: row.scopeVersion } : {}) };
    return detail;
  });

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId/summary', async (req) => {
    const traceId = normaliseTraceId(req.params.traceId);
    const tenant = need(req, 'read').tenant;
    await visibleTrace(traceId, tenant);
    const spans = await store.getSpans(tenant, traceId);
    if (spans.length === 0) throw new NotFoundError(`no stored trace with id ${traceId}`);
    return traceSummary(traceId, spans);
  });

  function tokenStore() {
    if (!deps.auth.tokens) throw new BadRequestError('this server runs without token management (started with --no-auth)');
    return deps.auth.tokens;
  }

  /** A trace is visible to a tenant through one of its sessions; otherwise it is "not found", never "forbidden". */
  async function visibleTrace(traceId: string, tenant: string): Promise<void> {
    for (const id of await store.sessionsOfTrace(tenant, traceId)) {
      const s = await store.getSession(id);
      if (s && tenantOf(s) === tenant) return;
    }
    throw new NotFoundError(`no stored trace with id ${traceId}`);
  }
}
