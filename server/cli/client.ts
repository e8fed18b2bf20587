import type { ApiError } from '../../common/api';

export class ApiClientError extends Error {}

/** The CLI's HTTP client for the REST API; errors carry the server's own message. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.baseUrl.replace(/\/+$/, '') + path;
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ApiClientError(`cannot reach the debugger at ${this.baseUrl} (${cause}); is \`kong-debugger serve\` running?`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiClientError(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = json as ApiError | undefined;
      const detail = e?.errors?.length ? ` (${e.errors.map((x) => `at ${x.start}-${x.end}: ${x.message}`).join('; ')})` : '';
      throw new ApiClientError(`${e?.message ?? `HTTP ${res.status}`}${detail}`);
    }
    return json as T;
  }
}
