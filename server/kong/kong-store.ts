import type { SessionTracing } from '../../common/api';

/** A route, service or consumer as read from a gateway's Admin API (what pickers and names need). */
export interface KongEntity {
  gateway: string;
  kind: 'route' | 'service' | 'consumer';
  id: string;
  /** routes/services: `name`; consumers: `username` (or `custom_id`) */
  name?: string;
  paths?: string[];
  hosts?: string[];
  methods?: string[];
  /** routes on the expressions router */
  expression?: string;
  /** routes: the service they proxy to */
  serviceId?: string;
  /** services: protocol://host:port/path */
  upstream?: string;
  tags?: string[];
}

/** A plugin as Kong returns it (the fields we restore exactly, the rest kept as is). */
export interface KongPlugin {
  id: string;
  name: string;
  enabled?: boolean;
  config: Record<string, unknown>;
  tags?: string[] | null;
  route?: { id: string } | null;
  service?: { id: string } | null;
  consumer?: { id: string } | null;
  protocols?: string[];
  instance_name?: string | null;
  [k: string]: unknown;
}

export type ScopeKind = 'route' | 'service' | 'global';

/**
 * One change the server makes (or made) in a gateway: an opentelemetry plugin at one scope, for the sessions
 * that need it. Written BEFORE the change is made, so a crash at any point leaves enough to undo it:
 * - `prior` null: the plugin `pluginId` did not exist; undo = delete it (its id was chosen by us and written
 *   here first, so even a create whose answer was lost is found and deleted).
 * - `prior` set: a plugin already existed at that scope (Kong allows one per name and scope); undo = PATCH it
 *   back to `prior` (its full config, enabled, tags).
 */
export interface KongChange {
  /** `<gateway>|<scope>|<scopeId>` */
  key: string;
  gateway: string;
  scope: ScopeKind;
  /** route or service id; '' for global */
  scopeId: string;
  pluginId: string;
  prior: KongPlugin | null;
  /** the running sessions this set-up serves (their tags in Kong) */
  sessions: string[];
  /** applying → applied → reverting → reverted; anything not `reverted` may still be in Kong */
  state: 'applying' | 'applied' | 'reverting' | 'reverted';
  /** the config we put in Kong, to re-apply after a crash or a drift */
  config: Record<string, unknown>;
  createdMs: number;
  updatedMs: number;
  /** last error applying or reverting it */
  error?: string;
}

export function changeKey(gateway: string, scope: ScopeKind, scopeId: string): string {
  return `${gateway}|${scope}|${scopeId}`;
}

/**
 * Where Kong's entities, the change journal and the sessions' tracing records live: in the server's database,
 * so every replica and every restart sees the same (kong-store-sqlite.ts, kong-store-pg.ts; their own tables).
 */
export interface KongStore {
  /** the gateway's entity list becomes exactly `entities` */
  replaceEntities(gateway: string, entities: KongEntity[], nowMs: number): Promise<void>;
  listEntities(): Promise<KongEntity[]>;
  /** when each gateway's entities were last read from Kong (Unix ms) */
  entitySyncTimes(): Promise<Map<string, number>>;
  getChange(key: string): Promise<KongChange | undefined>;
  /** changes that may still be in Kong (state ≠ reverted) */
  openChanges(): Promise<KongChange[]>;
  /** inserts or replaces */
  putChange(c: KongChange): Promise<void>;
  /** forgets changes reverted before `beforeMs`: they are out of Kong, and the journal must not grow forever */
  pruneReverted(beforeMs: number): Promise<number>;
  saveTracing(sessionId: string, t: SessionTracing): Promise<void>;
  tracingOf(sessionIds: string[]): Promise<Map<string, SessionTracing>>;
  deleteTracing(sessionId: string): Promise<void>;
  /**
   * Runs `fn` while no other replica runs it (the reconciler's passes must not interleave). Resolves to
   * undefined without running `fn` when the lock is held elsewhere and `wait` is false.
   */
  exclusive<T>(fn: () => Promise<T>, wait: boolean): Promise<T | undefined>;
  close(): Promise<void>;
}

export const ENTITY_COLUMNS = ['gateway', 'kind', 'id', 'name', 'body', 'synced_ms'] as const;

export function entityRow(e: KongEntity, nowMs: number): Array<string | number | null> {
  return [e.gateway, e.kind, e.id, e.name ?? null, JSON.stringify(e), nowMs];
}

export function changeValues(c: KongChange): Array<string | number | null> {
  return [c.key, c.state, JSON.stringify(c), c.updatedMs];
}
