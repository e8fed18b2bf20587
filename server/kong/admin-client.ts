/**
 * A client of Kong's Admin API (one gateway). What it follows, from Kong's source:
 * - Lists are pages `{data, next, offset}` (kong/api/endpoints.lua get_collection_endpoint); `next` is a path
 *   such as `/routes?offset=…` or `/services/<id>/plugins?offset=…` WITHOUT the workspace prefix and without
 *   the base URL's own path, so it is resolved against base + workspace here, and `null` ends the list.
 * - Errors are `{message, name, code, fields}` (kong/db/errors.lua) with 400 schema/foreign-key violation,
 *   404 `{"message":"Not found"}`, 409 unique violation, and 405 `operation unsupported`
 *   ("cannot create 'plugins' entities when not using a database") for writes on DB-less Kong.
 *   Kong Enterprise RBAC answers 401 (no/invalid `Kong-Admin-Token`) and 403 (no permission).
 * - The workspace (Enterprise) is a path prefix: `/<workspace>/routes`.
 * Transient failures (connection errors, timeouts, 5xx, 429) are retried with exponential backoff; Kong's
 * 4xx answers are final and surface as KongAdminError with a `kind` the caller can decide on.
 */

export type KongErrorKind =
  | 'unreachable' // connection refused, DNS, timeout
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'read_only' // 405 on a write: DB-less / data plane
  | 'conflict' // 409 unique violation
  | 'invalid' // 400: schema or foreign key violation, or a field this Kong does not know
  | 'server'; // 5xx after the retries

export class KongAdminError extends Error {
  constructor(
    readonly kind: KongErrorKind,
    message: string,
    readonly status?: number,
    readonly body?: KongErrorBody,
  ) {
    super(message);
  }
  get transient(): boolean {
    return this.kind === 'unreachable' || this.kind === 'server';
  }
}

/** Kong's error body (kong/db/errors.lua new_err_t, or `{message}` for 401/403/404/405 from the router). */
export interface KongErrorBody {
  message?: string;
  name?: string;
  code?: number;
  fields?: unknown;
}

export interface KongPage<T> {
  data: T[];
  next: string | null;
  offset?: string;
}

export interface AdminClientOptions {
  /** e.g. http://kong:8001 (a path prefix is kept: http://proxy/kong-admin) */
  url: string;
  /** sent as `Kong-Admin-Token` (Kong Enterprise RBAC) */
  token?: string;
  /** Kong Enterprise workspace; omitted = Kong's default workspace */
  workspace?: string;
  /** attempts for transient failures (default 4: 1 + 3 retries) */
  attempts?: number;
  /** first backoff delay, doubled each retry (default 200 ms) */
  backoffMs?: number;
  /** per request (default 5000 ms) */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class KongAdminClient {
  private readonly base: string;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(readonly opts: AdminClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.attempts = Math.max(1, opts.attempts ?? 4);
    this.backoffMs = opts.backoffMs ?? 200;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** `GET /` is not workspace-scoped: version, configuration (database, tracing_*), plugins. */
  info(): Promise<KongInfo> {
    return this.request<KongInfo>('GET', '/', undefined, { workspace: false });
  }

  /** every item of a paginated list, following `next` until it is null */
  async list<T>(path: string, size = 1000): Promise<T[]> {
    const out: T[] = [];
    let next: string | null = `${path}${path.includes('?') ? '&' : '?'}size=${size}`;
    for (let pages = 0; next; pages++) {
      if (pages > 10_000) throw new KongAdminError('server', `Kong's ${path} list does not end (more than 10000 pages)`);
      const page: KongPage<T> = await this.request<KongPage<T>>('GET', next);
      if (!page || !Array.isArray(page.data)) throw new KongAdminError('server', `Kong answered ${path} without a "data" list`);
      out.push(...page.data);
      next = typeof page.next === 'string' && page.next !== '' ? this.stripPrefix(page.next) : null;
    }
    return out;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  /** A `next` may come back with the workspace or base path on it (behind a proxy, Enterprise): keep only Kong's path. */
  private stripPrefix(next: string): string {
    let p = next;
    if (/^https?:\/\//i.test(p)) {
      const u = new URL(p);
      p = u.pathname + u.search;
    }
    const basePath = new URL(this.base).pathname.replace(/\/+$/, '');
    if (basePath && p.startsWith(basePath + '/')) p = p.slice(basePath.length);
    const ws = this.opts.workspace ? `/${encodeURIComponent(this.opts.workspace)}` : '';
    if (ws && p.startsWith(ws + '/')) p = p.slice(ws.length);
    return p;
  }

  private url(path: string, workspace: boolean): string {
    const ws = workspace && this.opts.workspace ? `/${encodeURIComponent(this.opts.workspace)}` : '';
    return `${this.base}${ws}${path}`;
  }

  async request<T>(method: string, path: string, body?: unknown, o: { workspace?: boolean } = {}): Promise<T> {
    const url = this.url(path, o.workspace !== false);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.token) headers['kong-admin-token'] = this.opts.token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let last: KongAdminError | undefined;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await sleep(this.backoffMs * 2 ** (attempt - 1));
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        last = new KongAdminError('unreachable', `Kong's Admin API at ${this.base} is unreachable (${causeOf(e)})`);
        continue;
      }
      const text = await res.text().catch(() => '');
      if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
      const parsed = parseBody(text);
      const err = errorFor(res.status, method, path, parsed, this.base);
      // A write that may have been applied before a 5xx is retried too: every write we make is idempotent
      // (ids chosen by us, PATCH to a full state, DELETE of an id) and re-checked by the caller on conflict.
      if (res.status >= 500 || res.status === 429) {
        last = err;
        continue;
      }
      throw err;
    }
    throw last ?? new KongAdminError('unreachable', `Kong's Admin API at ${this.base} did not answer`);
  }
}

function causeOf(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

function parseBody(text: string): KongErrorBody | undefined {
  try {
    const b = JSON.parse(text);
    return b && typeof b === 'object' ? (b as KongErrorBody) : undefined;
  } catch {
    return text ? { message: text.slice(0, 300) } : undefined;
  }
}

function errorFor(status: number, method: string, path: string, body: KongErrorBody | undefined, base: string): KongAdminError {
  const said = body?.message ? `: ${body.message}` : '';
  const what = `${method} ${path}`;
  switch (status) {
    case 401:
      return new KongAdminError('unauthorized', `Kong refused the Admin API token (401 on ${what}${said}); give --kong-admin-token`, status, body);
    case 403:
      return new KongAdminError('forbidden', `the Admin API token may not do this (403 on ${what}${said})`, status, body);
    case 404:
      return new KongAdminError('not_found', `not found in Kong (404 on ${what}${said})`, status, body);
    case 405:
      return new KongAdminError('read_only', `Kong refuses writes (405 on ${what}${said})`, status, body);
    case 409:
      return new KongAdminError('conflict', `Kong reports a conflict (409 on ${what}${said})`, status, body);
    default:
      if (status >= 500 || status === 429) return new KongAdminError('server', `Kong's Admin API at ${base} failed (${status} on ${what}${said})`, status, body);
      return new KongAdminError('invalid', `Kong refused ${what} (${status}${said})`, status, body);
  }
}

/** The parts of `GET /` we read (kong/api/routes/kong.lua). */
export interface KongInfo {
  version: string;
  hostname?: string;
  node_id?: string;
  configuration?: {
    database?: string;
    role?: string;
    tracing_instrumentations?: string[] | string;
    tracing_sampling_rate?: number;
    [k: string]: unknown;
  };
  plugins?: { available_on_server?: Record<string, unknown> | string[]; enabled_in_cluster?: string[] };
}
