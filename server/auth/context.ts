import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_TENANT, type Principal } from './roles';

/**
 * The caller of the request being handled, for code far from the HTTP layer (the ingest pipeline routes
 * a trace to its own tenant's sessions only). Set by the auth hooks around each request.
 */
export const requestContext = new AsyncLocalStorage<{ principal?: Principal }>();

export function currentTenant(): string {
  return requestContext.getStore()?.principal?.tenant ?? DEFAULT_TENANT;
}
