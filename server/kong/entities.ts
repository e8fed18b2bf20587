import type { KongEntity } from './kong-store';
import type { Gateway } from './gateways';
import { KongAdminError } from './admin-client';

interface KongRoute {
  id: string;
  name?: string | null;
  paths?: string[] | null;
  hosts?: string[] | null;
  methods?: string[] | null;
  expression?: string | null;
  service?: { id: string } | null;
  tags?: string[] | null;
}
interface KongService {
  id: string;
  name?: string | null;
  protocol?: string;
  host?: string;
  port?: number;
  path?: string | null;
  tags?: string[] | null;
}
interface KongConsumer {
  id: string;
  username?: string | null;
  custom_id?: string | null;
  tags?: string[] | null;
}

const list = (xs: string[] | null | undefined) => (xs && xs.length ? xs : undefined);
const str = (s: string | null | undefined) => (typeof s === 'string' && s !== '' ? s : undefined);

function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * Reads a gateway's routes, services and consumers (every page). Consumers are optional: a token allowed to
 * read routes and services but not consumers (RBAC) still gives names to routes and services.
 */
export async function readEntities(g: Gateway): Promise<KongEntity[]> {
  const gateway = g.spec.name;
  const [routes, services] = await Promise.all([g.client.list<KongRoute>('/routes'), g.client.list<KongService>('/services')]);
  let consumers: KongConsumer[] = [];
  try {
    consumers = await g.client.list<KongConsumer>('/consumers');
  } catch (e) {
    if (!(e instanceof KongAdminError) || (e.kind !== 'forbidden' && e.kind !== 'not_found')) throw e;
  }
  return [
    ...routes.map((r) =>
      clean<KongEntity>({ gateway, kind: 'route', id: r.id, name: str(r.name), paths: list(r.paths), hosts: list(r.hosts), methods: list(r.methods), expression: str(r.expression), serviceId: r.service?.id, tags: list(r.tags) }),
    ),
    ...services.map((s) =>
      clean<KongEntity>({ gateway, kind: 'service', id: s.id, name: str(s.name), upstream: s.host ? `${s.protocol ?? 'http'}://${s.host}${s.port ? `:${s.port}` : ''}${s.path ?? ''}` : undefined, tags: list(s.tags) }),
    ),
    ...consumers.map((c) => clean<KongEntity>({ gateway, kind: 'consumer', id: c.id, name: str(c.username) ?? str(c.custom_id), tags: list(c.tags) })),
  ];
}
