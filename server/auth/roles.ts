/**
 * Who may do what. `admin` manages tokens and can do everything a debugger can; `debugger` creates, stops
 * and deletes sessions and reads everything; `viewer` reads; `ingest` may only send OTLP data.
 */
export const ROLES = ['admin', 'debugger', 'viewer', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

export type Permission = 'read' | 'manage-sessions' | 'manage-tokens' | 'ingest';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set<Permission>(['read', 'manage-sessions', 'manage-tokens']),
  debugger: new Set<Permission>(['read', 'manage-sessions']),
  viewer: new Set<Permission>(['read']),
  ingest: new Set<Permission>(['ingest']),
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** Tenant names: a team or one Grafana org; short and safe in URLs and logs. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
export const DEFAULT_TENANT = 'default';

/** The caller of a request, once its token is checked. */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  tenant: string;
  /** the Grafana user the call was made for (X-Grafana-User on a debugger token; see auth/grafana-user.ts) */
  grafanaUser?: string;
}
