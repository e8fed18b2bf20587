import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestContext } from './context';
import { BadGrafanaUserError, GRAFANA_USER_HEADER, grafanaUserOf } from './grafana-user';
import { can, DEFAULT_TENANT, type Permission, type Principal } from './roles';
import type { TokenStore } from './tokens';

/**
 * `tokens`: every call needs a token from the token table (or the bootstrap `staticToken`, an admin of
 * the default tenant). `none`: the local demo: everyone is an anonymous admin of the default tenant.
 */
export interface AuthConfig {
  mode: 'tokens' | 'none';
  tokens?: TokenStore;
  /** bootstrap admin token (default tenant), e.g. for Grafana's data source before any token exists */
  staticToken?: string;
  /** bootstrap ingest token (default tenant), e.g. for a Kong configured from environment variables */
  staticIngestToken?: string;
  /** bootstrap debugger token (default tenant): what Grafana's data source needs, and no more (no token management) */
  staticDebuggerToken?: string;
}

export const ANONYMOUS: Principal = { tokenId: '', name: 'anonymous', role: 'admin', tenant: DEFAULT_TENANT };
const BOOTSTRAP_NAME = 'bootstrap token';

export class ForbiddenError extends Error {}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The principal of a request, or a reason it has none. Rejects only when the token table cannot be read. */
export async function authenticate(auth: AuthConfig, authorization: string | undefined): Promise<Principal | { error: string }> {
  if (auth.mode === 'none') return ANONYMOUS;
  const token = bearer(authorization);
  if (!token) return { error: 'an API token is required: send Authorization: Bearer <token>' };
  if (auth.staticToken && sameSecret(token, auth.staticToken)) return { tokenId: 'bootstrap', name: BOOTSTRAP_NAME, role: 'admin', tenant: DEFAULT_TENANT };
  if (auth.staticIngestToken && sameSecret(token, auth.staticIngestToken)) return { tokenId: 'bootstrap-ingest', name: 'bootstrap ingest token', role: 'ingest', tenant: DEFAULT_TENANT };
  if (auth.staticDebuggerToken && sameSecret(token, auth.staticDebuggerToken)) return { tokenId: 'bootstrap-debugger', name: 'bootstrap debugger token', role: 'debugger', tenant: DEFAULT_TENANT };
  return (await auth.tokens?.verify(token)) ?? { error: 'the API token is not valid (unknown, revoked or mistyped)' };
}

/**
 * Authenticates every request of `app` (but the paths in `open`), remembers the principal on the request
 * and in the async context for the code that handles it. `onFailure` writes the 401, 403 or 503 in the app's format.
 */
export function installAuth(
  app: FastifyInstance,
  auth: AuthConfig,
  opts: {
    open?: (url: string) => boolean;
    onFailure: (reply: FastifyReply, status: 401 | 403 | 503, message: string) => void;
    require?: Permission;
    /** read X-Grafana-User (the REST API; see grafana-user.ts); called with the 400 message when the header is malformed */
    onBadGrafanaUser?: (reply: FastifyReply, message: string) => void;
  },
): void {
  // A callback hook, not an async one: `done` must run inside requestContext.run for the handler to see the principal.
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (opts.open?.(req.url)) return done();
    authenticate(auth, req.headers.authorization).then(
      (who) => {
        if ('error' in who) return opts.onFailure(reply, 401, who.error);
        // Without auth (local demo) the anonymous caller may do everything, ingest included.
        if (opts.require && auth.mode === 'tokens' && !can(who.role, opts.require)) {
          return opts.onFailure(reply, 403, `a token with role "${who.role}" may not ${describe(opts.require)}`);
        }
        let principal = who;
        if (opts.onBadGrafanaUser) {
          try {
            const grafanaUser = grafanaUserOf(who, req.headers[GRAFANA_USER_HEADER]);
            if (grafanaUser) principal = { ...who, grafanaUser };
          } catch (err) {
            if (err instanceof BadGrafanaUserError) return opts.onBadGrafanaUser(reply, err.message);
            throw err;
          }
        }
        req.principal = principal;
        requestContext.run({ principal }, done);
      },
      // The token table is unreachable (database down): not the caller's fault, and worth retrying.
      (err: Error) => {
        req.log.error({ err }, 'token check failed');
        opts.onFailure(reply, 503, 'the token store is unavailable; retry shortly');
      },
    )
      // Whatever else throws goes to fastify's error handler, never an unhandled rejection that ends the process.
      .catch((err: Error) => done(err));
  });
}

export function describe(p: Permission): string {
  return { read: 'read sessions, traces and logs', 'manage-sessions': 'create, stop or delete sessions', 'manage-tokens': 'manage tokens', ingest: 'send OTLP data' }[p];
}

/** Throws a 403 when the request's principal lacks the permission. */
export function need(req: FastifyRequest, permission: Permission): Principal {
  const p = req.principal ?? ANONYMOUS;
  if (!can(p.role, permission)) throw new ForbiddenError(`a token with role "${p.role}" may not ${describe(permission)}`);
  return p;
}
