import type { Principal } from './roles';

/** The header Grafana's data source proxy sets to the signed-in user's login when `send_user_header` is on. */
export const GRAFANA_USER_HEADER = 'x-grafana-user';
/** Grafana's logins (and e-mails used as logins) fit in this; anything longer is not from Grafana. */
export const MAX_GRAFANA_USER_LENGTH = 256;

export class BadGrafanaUserError extends Error {}

/**
 * The Grafana user a request acts for, when it can be believed.
 *
 * Any HTTP client can send `X-Grafana-User`, so the header alone proves nothing. It is trusted only on calls
 * made with a `debugger` token: that is the token the Grafana data source is configured with (README "In
 * Grafana"), and Grafana's proxy replaces whatever header a browser sent with the signed-in user's login
 * (pkg/util/proxyutil ApplyUserHeader). A viewer, ingest or admin token is a person's or Kong's own credential:
 * its name is the identity, and a header it sends is ignored. A `debugger` token's holder could still claim any
 * user; that token is meant for Grafana only, and the audit log keeps the token next to the user either way.
 *
 * Returns undefined when there is no header to believe; throws BadGrafanaUserError (a 400) when a debugger
 * token sends one that is not a Grafana login (repeated, empty, too long, control characters).
 */
export function grafanaUserOf(who: Principal, header: string | string[] | undefined): string | undefined {
  if (who.role !== 'debugger' || header === undefined) return undefined;
  if (Array.isArray(header)) throw new BadGrafanaUserError('X-Grafana-User must be sent once');
  const login = header.trim();
  if (!login) throw new BadGrafanaUserError('X-Grafana-User is empty: send the Grafana login, or no header');
  if (login.length > MAX_GRAFANA_USER_LENGTH) throw new BadGrafanaUserError(`X-Grafana-User is longer than ${MAX_GRAFANA_USER_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(login)) throw new BadGrafanaUserError('X-Grafana-User contains control characters');
  return login;
}

/** Who a session or audit entry names: the Grafana user when one acted through Grafana, else the token's name. */
export function actorName(who: Principal): string {
  return who.grafanaUser ?? who.name;
}
