/**
 * A stand-in for Kong's Admin API (Kong cannot run here), following Kong's own code (Kong/kong):
 * - paths: `GET /`, `/routes`, `/services`, `/consumers`, `/plugins`, `/routes/{id|name}/plugins`,
 *   `/services/{id|name}/plugins`, `/plugins/{id}`, each also under a workspace prefix `/{workspace}/…`
 *   (unknown workspace → 404); `GET /` is not workspace-scoped.
 * - lists: `{data, next, offset}`, `size` (default 100, 1..1000, else 400 invalid size), `next` =
 *   `/<entity>?offset=…[&size=N]` for top-level lists and `/<parent>/<id>/<entity>?offset=…` for nested ones
 *   (no workspace prefix, as kong/api/endpoints.lua builds it), `null` on the last page.
 * - errors: `{code, name, message, fields}` (kong/db/errors.lua): 400 schema violation (code 2), 400 primary
 *   key violation (3), 400 foreign key violation (4), 409 unique violation (5) for a second plugin of one name
 *   at one scope, 404 `{"message":"Not found"}`, 405 operation unsupported (12) for writes with
 *   `database = off`, 401/403 like Kong Enterprise RBAC. DELETE answers 204 also when nothing was there.
 * - PATCH merges: top-level fields replaced, `config` merged field by field and its nested records
 *   (queue, propagation) merged again, maps and arrays replaced; `updated_at` moves.
 * - the opentelemetry plugin's schema as of the configured version: traces_endpoint/logs_endpoint 3.8+
 *   (before: `endpoint`), sampling_rate 3.6+, at least one endpoint, sampling_rate 0..1, unknown fields refused.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInOptions {
  version?: string;
  /** kong.conf database: `postgres` or `off` (DB-less) */
  database?: 'postgres' | 'off';
  role?: 'traditional' | 'control_plane' | 'data_plane';
  /** when set, every call needs this Kong-Admin-Token (401 otherwise) */
  token?: string;
  /** a token that may read but not write (403 on writes) */
  readOnlyToken?: string;
  /** workspaces besides `default` */
  workspaces?: string[];
  tracingInstrumentations?: string[];
  tracingSamplingRate?: number;
  plugins?: string[];
}

type Entity = Record<string, any> & { id: string; created_at: number; updated_at: number };
interface Ws {
  routes: Entity[];
  services: Entity[];
  consumers: Entity[];
  plugins: Entity[];
}

const OTEL_DEFAULTS = (version: string): Record<string, unknown> => {
  const [maj, min] = version.split('.').map(Number);
  const ge = (a: number, b: number) => maj > a || (maj === a && min >= b);
  const c: Record<string, unknown> = {
    headers: null,
    resource_attributes: null,
    batch_span_count: null,
    batch_flush_delay: null,
    connect_timeout: 1000,
    send_timeout: 5000,
    read_timeout: 5000,
    http_response_header_for_traceid: null,
    header_type: 'preserve',
    queue: { max_batch_size: 200, max_coalescing_delay: 1, max_entries: 10000, max_bytes: null, max_retry_time: 60, initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1 },
  };
  if (ge(3, 8)) Object.assign(c, { traces_endpoint: null, logs_endpoint: null });
  else c.endpoint = null;
  if (ge(3, 6)) c.sampling_rate = null;
  if (ge(3, 7)) c.propagation = { extract: null, clear: null, inject: null, default_format: 'w3c' };
  return c;
};
const RECORDS = new Set(['queue', 'propagation']);

class KongError {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {}
}
const notFound = () => new KongError(404, { message: 'Not found' });
const schemaViolation = (fields: Record<string, unknown>, parts: string[]) =>
  new KongError(400, { code: 2, name: 'schema violation', message: parts.length === 1 ? `schema violation (${parts[0]})` : `${parts.length} schema violations (${parts.join('; ')})`, fields });

export class KongAdminStandIn {
  readonly opts: Required<Omit<StandInOptions, 'token' | 'readOnlyToken'>> & Pick<StandInOptions, 'token' | 'readOnlyToken'>;
  private readonly ws = new Map<string, Ws>();
  private server?: http.Server;
  private port = 0;
  /** every request: method, path (with query), status */
  readonly requests: Array<{ method: string; path: string; status: number }> = [];
  /** answer the next N requests with this status (e.g. 500, 503) */
  failNext: { count: number; status: number } = { count: 0, status: 500 };
  /** carry out the next N writes, then drop the connection before answering (a crash or network cut mid-call) */
  loseAnswers = 0;
  /** answer every request this much later (a slow or overloaded Admin API) */
  delayMs = 0;
  private clock = 1_700_000_000;

  constructor(opts: StandInOptions = {}) {
    this.opts = {
      version: opts.version ?? '3.9.1',
      database: opts.database ?? 'postgres',
      role: opts.role ?? 'traditional',
      token: opts.token,
      readOnlyToken: opts.readOnlyToken,
      workspaces: opts.workspaces ?? [],
      tracingInstrumentations: opts.tracingInstrumentations ?? ['all'],
      tracingSamplingRate: opts.tracingSamplingRate ?? 0,
      plugins: opts.plugins ?? ['opentelemetry', 'key-auth', 'rate-limiting'],
    };
    for (const w of ['default', ...this.opts.workspaces]) this.ws.set(w, { routes: [], services: [], consumers: [], plugins: [] });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await this.up();
    return this;
  }

  /** listens (again, on the same port after down()) */
  async up(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** stops listening: connections are refused, as with Kong down */
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  stop(): Promise<void> {
    return this.down();
  }

  // ---- direct access for tests (what an operator would have configured in Kong) ----
  private tick(): number {
    return ++this.clock;
  }
  addService(s: { name?: string; host?: string; id?: string; tags?: string[] }, workspace = 'default'): Entity {
    const t = this.tick();
    const e: Entity = { id: s.id ?? randomUUID(), name: s.name ?? null, protocol: 'http', host: s.host ?? 'upstream.local', port: 80, path: null, tags: s.tags ?? null, created_at: t, updated_at: t, retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true };
    this.w(workspace).services.push(e);
    return e;
  }
  addRoute(r: { name?: string; paths?: string[]; service?: string; id?: string; expression?: string; tags?: string[] }, workspace = 'default'): Entity {
    const t = this.tick();
    const e: Entity = { id: r.id ?? randomUUID(), name: r.name ?? null, paths: r.paths ?? null, hosts: null, methods: null, expression: r.expression ?? null, service: r.service ? { id: r.service } : null, protocols: ['http', 'https'], strip_path: true, preserve_host: false, tags: r.tags ?? null, created_at: t, updated_at: t };
    this.w(workspace).routes.push(e);
    return e;
  }
  addConsumer(c: { username?: string; custom_id?: string }, workspace = 'default'): Entity {
    const t = this.tick();
    const e: Entity = { id: randomUUID(), username: c.username ?? null, custom_id: c.custom_id ?? null, tags: null, created_at: t, updated_at: t };
    this.w(workspace).consumers.push(e);
    return e;
  }
  /** a plugin configured by the operator (bypasses DB-less refusal: it stands for declarative config) */
  addPlugin(p: { name: string; route?: string; service?: string; config?: Record<string, unknown>; tags?: string[]; enabled?: boolean }, workspace = 'default'): Entity {
    const e = this.buildPlugin({ name: p.name, route: p.route ? { id: p.route } : null, service: p.service ? { id: p.service } : null, config: p.config ?? {}, tags: p.tags ?? null, enabled: p.enabled ?? true }, workspace);
    this.w(workspace).plugins.push(e);
    return e;
  }
  plugins(workspace = 'default'): Entity[] {
    return structuredClone(this.w(workspace).plugins);
  }

  private w(name: string): Ws {
    const w = this.ws.get(name);
    if (!w) throw new Error(`no workspace ${name}`);
    return w;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const method = req.method ?? 'GET';
    const rawPath = req.url ?? '/';
    let status = 200;
    let body: unknown;
    try {
      if (this.failNext.count > 0) {
        this.failNext.count--;
        throw new KongError(this.failNext.status, { message: 'An unexpected error occurred' });
      }
      this.authorize(req, method);
      let json: any;
      if (chunks.length) {
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          throw new KongError(400, { message: 'Cannot parse JSON body' });
        }
      }
      const r = this.route(method, new URL(rawPath, 'http://x'), json);
      status = r.status;
      body = r.body;
    } catch (e) {
      if (!(e instanceof KongError)) throw e;
      status = e.status;
      body = e.body;
    }
    this.requests.push({ method, path: rawPath, status });
    if (this.loseAnswers > 0 && method !== 'GET') {
      this.loseAnswers--;
      req.socket.destroy();
      return;
    }
    res.statusCode = status;
    if (status === 204) return void res.end();
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }

  private authorize(req: http.IncomingMessage, method: string): void {
    if (!this.opts.token && !this.opts.readOnlyToken) return;
    const t = req.headers['kong-admin-token'];
    if (t === this.opts.token && t !== undefined) return;
    if (t !== undefined && t === this.opts.readOnlyToken) {
      if (method === 'GET') return;
      const verb = method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : 'update';
      throw new KongError(403, { message: `you do not have permissions to ${verb} this resource` });
    }
    throw new KongError(401, { message: 'Invalid credentials. Token or User credentials required' });
  }

  private route(method: string, url: URL, body: any): { status: number; body?: unknown } {
    let parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts.length === 0) {
      if (method !== 'GET') throw new KongError(405, { message: 'Method not allowed' });
      return { status: 200, body: this.info() };
    }
    let wsName = 'default';
    if (!['routes', 'services', 'consumers', 'plugins'].includes(parts[0])) {
      if (!this.ws.has(parts[0])) throw notFound();
      wsName = parts[0];
      parts = parts.slice(1);
    }
    const ws = this.w(wsName);
    const [coll, id, sub, ...rest] = parts;
    if (rest.length || !['routes', 'services', 'consumers', 'plugins'].includes(coll)) throw notFound();
    const list = (ws as unknown as Record<string, Entity[]>)[coll];
    if (id === undefined) {
      if (method === 'GET') return { status: 200, body: this.page(this.tagged(list, url), url, `/${coll}`, true) };
      if (method === 'POST') {
        if (coll !== 'plugins') this.writable('create', coll);
        return { status: 201, body: this.createPlugin(ws, wsName, body ?? {}, {}) };
      }
      throw new KongError(405, { message: 'Method not allowed' });
    }
    const entity = this.find(list, id, coll);
    if (sub !== undefined) {
      if (sub !== 'plugins' || (coll !== 'routes' && coll !== 'services')) throw notFound();
      if (!entity) throw notFound();
      const fk = coll === 'routes' ? 'route' : 'service';
      if (method === 'GET') return { status: 200, body: this.page(ws.plugins.filter((p) => p[fk]?.id === entity.id), url, `/${coll}/${entity.id}/plugins`, false) };
      if (method === 'POST') return { status: 201, body: this.createPlugin(ws, wsName, body ?? {}, { [fk]: { id: entity.id } }) };
      throw new KongError(405, { message: 'Method not allowed' });
    }
    if (method === 'GET') {
      if (!entity) throw notFound();
      return { status: 200, body: entity };
    }
    if (method === 'DELETE') {
      this.writable('remove', coll);
      if (entity) list.splice(list.indexOf(entity), 1);
      return { status: 204 };
    }
    if (method === 'PATCH') {
      this.writable('update', coll);
      if (!entity) throw notFound();
      if (coll !== 'plugins') throw new KongError(405, { message: 'Method not allowed' });
      const next = this.mergePlugin(entity, body ?? {});
      const checked = this.buildPlugin(next, wsName, entity);
      this.unique(ws, checked, entity.id);
      Object.assign(entity, checked, { updated_at: this.tick() });
      for (const k of Object.keys(entity)) if (!(k in checked) && k !== 'updated_at') delete entity[k];
      return { status: 200, body: entity };
    }
    throw new KongError(405, { message: 'Method not allowed' });
  }

  private writable(op: string, coll: string): void {
    if (this.opts.database === 'off') throw new KongError(405, { code: 12, name: 'operation unsupported', message: `cannot ${op} '${coll}' entities when not using a database` });
  }

  private find(list: Entity[], idOrName: string, coll: string): Entity | undefined {
    return list.find((e) => e.id === idOrName) ?? (coll !== 'plugins' ? list.find((e) => e.name === idOrName || e.username === idOrName) : undefined);
  }

  /** `?tags=a,b` (all of them) or `?tags=a/b` (any of them), as Kong's list endpoints filter */
  private tagged(list: Entity[], url: URL): Entity[] {
    const q = url.searchParams.get('tags');
    if (!q) return list;
    const any = q.includes('/');
    const want = q.split(any ? '/' : ',');
    return list.filter((e) => {
      const have: string[] = e.tags ?? [];
      return any ? want.some((t) => have.includes(t)) : want.every((t) => have.includes(t));
    });
  }

  private page(all: Entity[], url: URL, path: string, topLevel: boolean): { data: Entity[]; next: string | null; offset?: string } {
    const sizeArg = url.searchParams.get('size');
    const size = sizeArg === null ? 100 : Number(sizeArg);
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw new KongError(400, { code: 9, name: 'invalid size', message: "size must be an integer between 1 and 1000" });
    const sorted = [...all].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
    const offsetArg = url.searchParams.get('offset');
    let start = 0;
    if (offsetArg !== null) {
      const decoded = Buffer.from(offsetArg, 'base64').toString('utf8');
      start = Number(decoded);
      if (!/^\d+$/.test(decoded)) throw new KongError(400, { code: 7, name: 'invalid offset', message: `'${offsetArg}' is not a valid offset: bad base64 encoding` });
    }
    const data = sorted.slice(start, start + size);
    const more = start + size < sorted.length;
    if (!more) return { data, next: null };
    const offset = Buffer.from(String(start + size)).toString('base64');
    const tags = url.searchParams.get('tags');
    const next = topLevel
      ? `${path}?offset=${encodeURIComponent(offset)}${tags ? `&tags=${encodeURIComponent(tags)}` : ''}${sizeArg !== null ? `&size=${sizeArg}` : ''}`
      : `${path}?offset=${encodeURIComponent(offset)}`;
    return { data, next, offset };
  }

  private info() {
    const available: Record<string, unknown> = {};
    for (const p of this.opts.plugins) available[p] = { version: this.opts.version, priority: p === 'opentelemetry' ? 14 : 1000 };
    const inCluster = [...new Set([...this.ws.values()].flatMap((w) => w.plugins.map((p) => p.name)))];
    return {
      tagline: 'Welcome to kong',
      version: this.opts.version,
      hostname: 'kong-stand-in',
      node_id: '6f4c4bb4-8f55-4cd4-9d5b-8f0b6a6f1f11',
      lua_version: 'LuaJIT 2.1.0-20231117',
      plugins: { available_on_server: available, enabled_in_cluster: inCluster },
      configuration: {
        database: this.opts.database,
        role: this.opts.role,
        tracing_instrumentations: this.opts.tracingInstrumentations,
        tracing_sampling_rate: this.opts.tracingSamplingRate,
        admin_listen: ['0.0.0.0:8001'],
      },
    };
  }

  private createPlugin(ws: Ws, wsName: string, body: any, scope: Record<string, unknown>): Entity {
    this.writable('create', 'plugins');
    const e = this.buildPlugin({ ...body, ...scope }, wsName);
    if (ws.plugins.some((p) => p.id === e.id))
      throw new KongError(400, { code: 3, name: 'primary key violation', message: `primary key violation on key '{id="${e.id}"}'`, fields: { id: e.id } });
    this.unique(ws, e);
    ws.plugins.push(e);
    return e;
  }

  /** one plugin per name per scope (Kong's plugins cache_key) */
  private unique(ws: Ws, e: Entity, self?: string): void {
    const key = (p: Entity) => JSON.stringify([p.name, p.route?.id ?? null, p.service?.id ?? null, p.consumer?.id ?? null]);
    if (ws.plugins.some((p) => p.id !== self && key(p) === key(e))) {
      const show = (v: { id: string } | null) => (v ? `{id="${v.id}"}` : 'null');
      throw new KongError(409, {
        code: 5,
        name: 'unique constraint violation',
        message: `UNIQUE violation detected on '{consumer=${show(e.consumer)},name="${e.name}",route=${show(e.route)},service=${show(e.service)}}'`,
        fields: { consumer: e.consumer, name: e.name, route: e.route, service: e.service },
      });
    }
  }

  private mergePlugin(cur: Entity, patch: Record<string, any>): Record<string, any> {
    const next: Record<string, any> = { ...cur };
    for (const [k, v] of Object.entries(patch)) {
      if (k === 'config' && v && typeof v === 'object') {
        const c: Record<string, any> = { ...cur.config };
        for (const [ck, cv] of Object.entries(v as Record<string, any>)) c[ck] = RECORDS.has(ck) && cv && typeof cv === 'object' && c[ck] ? { ...c[ck], ...cv } : cv;
        next.config = c;
      } else next[k] = v;
    }
    return next;
  }

  /** validates like the plugin's schema and returns the full entity (defaults filled) */
  private buildPlugin(b: Record<string, any>, wsName: string, existing?: Entity): Entity {
    const ws = this.w(wsName);
    const fields: Record<string, unknown> = {};
    const parts: string[] = [];
    if (typeof b.name !== 'string') (fields.name = 'required field missing'), parts.push('name: required field missing');
    else if (!this.opts.plugins.includes(b.name)) (fields.name = `plugin '${b.name}' not enabled; add it to the 'plugins' configuration property`), parts.push(`name: ${fields.name}`);
    const id = b.id ?? existing?.id ?? randomUUID();
    if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) (fields.id = 'expected a valid UUID'), parts.push('id: expected a valid UUID');
    if (b.tags !== null && b.tags !== undefined && (!Array.isArray(b.tags) || b.tags.some((t: unknown) => typeof t !== 'string' || t === '' || /,|\//.test(t))))
      (fields.tags = 'invalid tags'), parts.push('tags: invalid tags');
    const cfg: Record<string, unknown> = b.name === 'opentelemetry' ? { ...OTEL_DEFAULTS(this.opts.version) } : {};
    const cfgErrors: Record<string, string> = {};
    for (const [k, v] of Object.entries((b.config ?? {}) as Record<string, unknown>)) {
      if (b.name === 'opentelemetry' && !(k in cfg)) cfgErrors[k] = 'unknown field';
      else cfg[k] = RECORDS.has(k) && v && typeof v === 'object' ? { ...(cfg[k] as object), ...(v as object) } : v;
    }
    const entityErrors: string[] = [];
    if (b.name === 'opentelemetry') {
      const sr = cfg.sampling_rate;
      if (sr !== null && sr !== undefined && (typeof sr !== 'number' || sr < 0 || sr > 1)) cfgErrors.sampling_rate = 'value should be between 0 and 1';
      for (const k of ['traces_endpoint', 'logs_endpoint', 'endpoint'])
        if (cfg[k] !== null && cfg[k] !== undefined && (typeof cfg[k] !== 'string' || !/^https?:\/\/[^/]+/.test(cfg[k] as string))) cfgErrors[k] = 'missing host in url';
      for (const k of ['resource_attributes', 'headers'])
        if (cfg[k] !== null && cfg[k] !== undefined && (typeof cfg[k] !== 'object' || Object.values(cfg[k] as object).some((v) => typeof v !== 'string' || v === '')))
          cfgErrors[k] = 'expected a map of non-empty strings';
      if ('traces_endpoint' in cfg ? cfg.traces_endpoint == null && cfg.logs_endpoint == null : cfg.endpoint == null)
        entityErrors.push('traces_endpoint' in cfg ? "at least one of these fields must be non-empty: 'config.traces_endpoint', 'config.logs_endpoint'" : 'config.endpoint: required field missing');
    }
    for (const [k, v] of Object.entries(cfgErrors)) parts.push(`config.${k}: ${v}`);
    if (Object.keys(cfgErrors).length) fields.config = cfgErrors;
    if (entityErrors.length) (fields['@entity'] = entityErrors), parts.unshift(...entityErrors);
    if (parts.length) throw schemaViolation(fields, parts);
    for (const [fk, coll] of [['route', 'routes'], ['service', 'services'], ['consumer', 'consumers']] as const) {
      const ref = b[fk];
      if (ref && !(ws as unknown as Record<string, Entity[]>)[coll].some((e) => e.id === ref.id))
        throw new KongError(400, { code: 4, name: 'foreign key violation', message: `the foreign key '{id="${ref.id}"}' does not reference an existing '${coll}' entity.`, fields: { [fk]: ref } });
    }
    const t = existing ? existing.created_at : this.tick();
    return {
      id,
      name: b.name,
      created_at: t,
      updated_at: existing?.updated_at ?? t,
      route: b.route ?? null,
      service: b.service ?? null,
      consumer: b.consumer ?? null,
      consumer_group: null,
      instance_name: b.instance_name ?? null,
      config: cfg,
      protocols: b.protocols ?? ['grpc', 'grpcs', 'http', 'https'],
      enabled: b.enabled ?? true,
      tags: b.tags ?? null,
      ordering: null,
    };
  }
}
