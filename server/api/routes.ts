import { timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError, Health, TraceDetail } from '../../common/api';
import { summarizeSession, traceSummary } from '../../common/lifecycle';
import type { IngestPipeline } from '../ingest/pipeline';
import { validateExpression } from '../rules';
import { SessionConflictError, SessionNotFoundError, type SessionManager } from '../sessions/manager';
import { InvalidSessionError, parseCreateSession } from '../sessions/validate';
import { CursorError } from '../store/cursor';
import type { Store } from '../store/types';
import { BadRequestError, normaliseTraceId, parseLogFilters, parseTraceFilters } from './params';

export interface ApiDeps {
  store: Store;
  sessions: SessionManager;
  pipeline: IngestPipeline;
  version: string;
  startedAtMs: number;
  /** when set, every endpoint but health needs `Authorization: Bearer <token>` */
  apiToken?: string;
}

class NotFoundError extends Error {}

function send(reply: FastifyReply, statusCode: number, message: string, extra: Partial<ApiError> = {}): FastifyReply {
  const body: ApiError = { statusCode, error: httpReason(statusCode), message, ...extra };
  return reply.code(statusCode).send(body);
}

function httpReason(code: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type' } as Record<number, string>
  )[code] ?? (code >= 500 ? 'Internal Server Error' : 'Error');
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The REST API under /api/v1 (JSON). Every failure is an ApiError body with a precise message. */
export function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, sessions, pipeline } = deps;

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof InvalidSessionError) return send(reply, 400, err.message, err.errors ? { errors: err.errors } : {});
    if (err instanceof BadRequestError || err instanceof CursorError || err instanceof RangeError) return send(reply, 400, err.message);
    if (err instanceof SessionNotFoundError || err instanceof NotFoundError) return send(reply, 404, err.message);
    if (err instanceof SessionConflictError) return send(reply, 409, err.message);
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

  if (deps.apiToken) {
    const token = deps.apiToken;
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.url === '/api/v1/health' || req.url.startsWith('/api/v1/health?')) return;
      if (!tokenMatches(req.headers.authorization, token)) {
        return send(reply, 401, req.headers.authorization ? 'the API token is not valid' : 'an API token is required: send Authorization: Bearer <token>');
      }
    });
  }

  app.get('/api/v1/health', async (): Promise<Health> => ({
    status: 'ok',
    version: deps.version,
    store: store.kind,
    uptimeSeconds: Math.round((Date.now() - deps.startedAtMs) / 1000),
    runningSessions: sessions.runningSessions().length,
  }));

  app.get('/api/v1/stats', async () => ({ ingest: pipeline.stats }));

  app.get('/api/v1/entities', async () => pipeline.entities.list());

  app.post('/api/v1/expressions/validate', async (req) => {
    const body = req.body as { expression?: unknown } | undefined;
    if (!body || typeof body.expression !== 'string') throw new BadRequestError('body must be {"expression": "<rule>"}');
    return validateExpression(body.expression);
  });

  app.post('/api/v1/sessions', async (req, reply) => {
    const session = await sessions.create(parseCreateSession(req.body));
    return reply.code(201).send(session);
  });

  app.get('/api/v1/sessions', async () => ({ sessions: await sessions.list() }));

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id', async (req) => sessions.get(req.params.id));

  app.post<{ Params: { id: string } }>('/api/v1/sessions/:id/stop', async (req) => sessions.stop(req.params.id));

  app.delete<{ Params: { id: string } }>('/api/v1/sessions/:id', async (req, reply) => {
    await sessions.delete(req.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/traces', async (req) => {
    const filters = parseTraceFilters(req.query as Record<string, unknown>);
    await sessions.get(req.params.id);
    return store.listTraces(req.params.id, filters);
  });

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/logs', async (req) => {
    const filters = parseLogFilters(req.query as Record<string, unknown>);
    await sessions.get(req.params.id);
    return store.listLogs(req.params.id, filters);
  });

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/summary', async (req) => {
    await sessions.get(req.params.id);
    const digests = await store.digests(req.params.id);
    return summarizeSession(req.params.id, digests);
  });

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId', async (req): Promise<TraceDetail> => {
    const traceId = normaliseTraceId(req.params.traceId);
    const row = await store.getTraceRow(traceId);
    if (!row) throw new NotFoundError(`no stored trace with id ${traceId}`);
    const detail: TraceDetail = { traceId, resource: row.resource, spans: await store.getSpans(traceId) };
    if (row.scopeName) detail.scope = { name: row.scopeName, ...(row.scopeVersion ? { version: row.scopeVersion } : {}) };
    return detail;
  });

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId/summary', async (req) => {
    const traceId = normaliseTraceId(req.params.traceId);
    const spans = await store.getSpans(traceId);
    if (spans.length === 0) throw new NotFoundError(`no stored trace with id ${traceId}`);
    return traceSummary(traceId, spans);
  });
}
