/**
 * A BackendSrv that does what Grafana's data source proxy does for our `api` route, over real HTTP: strips the
 * proxy prefix, forwards to `<serverUrl>/api/...` and injects `Authorization: Bearer <token>`. Node's http module
 * is used because jsdom has no fetch. Test-only.
 */
import http from 'http';
import { Observable } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';

export function httpBackendSrv(proxyUrl: string, serverUrl: string, token?: string): BackendSrv {
  const fetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const prefix = `${proxyUrl}/api/`;
      const target = new URL(`${serverUrl}/api/${options.url.slice(prefix.length)}`);
      for (const [k, v] of Object.entries(options.params ?? {})) {
        target.searchParams.set(k, String(v));
      }
      const body = options.data === undefined ? undefined : JSON.stringify(options.data);
      const headers: Record<string, string> = {};
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
      }
      if (token) {
        headers.authorization = `Bearer ${token}`;
      }
      const req = http.request(target, { method: options.method ?? 'GET', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let data: unknown = text;
          try {
            data = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text, as Grafana does
          }
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            subscriber.error({ status, statusText: res.statusMessage ?? '', data, config: options });
            return;
          }
          subscriber.next({
            data: data as T,
            status,
            statusText: res.statusMessage ?? '',
            ok: true,
            headers: new Headers(),
            redirected: false,
            type: 'basic',
            url: options.url,
            config: options,
          });
          subscriber.complete();
        });
      });
      req.on('error', () => subscriber.error({ status: 502, statusText: 'Bad Gateway', data: { message: 'Bad Gateway' }, config: options }));
      if (body !== undefined) {
        req.write(body);
      }
      req.end();
    });
  return { fetch } as unknown as BackendSrv;
}
