import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { ApiError } from '../../common/api';
import { ForbiddenError } from '../auth/hooks';
import { TokenError } from '../auth/tokens';
import { LogKeyUnavailableError } from '../crypto/errors';
import { SessionConflictError, SessionNotFoundError } from '../sessions/manager';
import { InvalidSessionError } from '../sessions/validate';
import { CursorError } from '../store/cursor';
import { StoreUnavailableError } from '../store/errors';
import { BadRequestError } from './params';

/** A 404 whose message names what is missing. */
export class NotFoundError extends Error {}

/** Writes an ApiError body: the status, its reason phrase and a precise message. */
export function send(reply: FastifyReply, statusCode: number, message: string, extra: Partial<ApiError> = {}): FastifyReply {
  const body: ApiError = { statusCode, error: httpReason(statusCode), message, ...extra };
  return reply.code(statusCode).send(body);
}

/** the standard reason phrase (403 Forbidden, 413 Payload Too Large, ...) */
function httpReason(code: number): string {
  return STATUS_CODES[code] ?? (code >= 500 ? 'Internal Server Error' : 'Bad Request');
}

/** Every failure of the REST API as an ApiError body; only a bug is a 500. */
export function installErrorHandlers(app: FastifyInstance): void {
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
}
