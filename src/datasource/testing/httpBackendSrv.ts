/**
 * A BackendSrv that does what Grafana's data source proxy does with the `routes` of our plugin.json, over real
 * HTTP: matches the route as Grafana does (grafanaProxy.ts), forwards to its URL with `{{ .JsonData.url }}` =
 * serverUrl and injects its headers (`Authorization: Bearer <token>`); a path no route covers gets Grafana's
 * answer without the token, here a 404. Node's http module is used because jsdom has no fetch. Test-only.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';
import { matchRoute, routeTarget, type ProxyRoute } from './grafanaProxy';
import { Observable } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';

const ROUTES: ProxyRoute[] = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'plugin.json'), 'utf8')).routes;

export function httpBackendSrv(proxyUrl: string, serverUrl: string, token = ''): BackendSrv {
  const fetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const proxyPath = options.url.slice(`${proxyUrl}/`.length);
      const route = matchRoute(ROUTES, options.method ?? 'GET', proxyPath);
      if (!route) {
        subscriber.error({ status: 404, statusText: 'Not Found', data: { message: `no plugin.json route for ${proxyPath}` }, config: options });
        return;
      }
      const routed = routeTarget(route, proxyPath, { url: serverUrl }, { apiToken: token });
      const target = new URL(routed.url);
      for (const [k, v] of Object.entries(options.params ?? {})) {
        target.searchParams.set(k, String(v));
      }
      const body = options.data === undefined ? undefined : JSON.stringify(options.data);
      const headers: Record<string, string> = {};
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
      }
      Object.assign(headers, routed.headers);
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

/**
 * `fetch` for live queries' event streams (live/connect.ts), through the same emulated proxy over node's http
 * (jsdom has no fetch): the route's headers injected, the body streamed chunk by chunk as it arrives. Test-only.
 */
export function httpStreamFetch(proxyUrl: string, serverUrl: string, token = ''): typeof fetch {
  return ((input: string | URL, init?: RequestInit) =>
    new Promise((resolve, reject) => {
      const url = String(input);
      const [pathPart, query = ''] = url.slice(`${proxyUrl}/`.length).split('?');
      const route = matchRoute(ROUTES, 'GET', pathPart);
      if (!route) {
        reject(new Error(`no plugin.json route for ${pathPart}`));
        return;
      }
      const routed = routeTarget(route, pathPart, { url: serverUrl }, { apiToken: token });
      const req = http.request(`${routed.url}${query ? `?${query}` : ''}`, { headers: { ...routed.headers, accept: 'text/event-stream' } }, (res) => {
        const iterator = res[Symbol.asyncIterator]();
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          statusText: res.statusMessage ?? '',
          body: {
            getReader: () => ({
              read: async () => {
                const next = await iterator.next().catch(() => ({ done: true, value: undefined }));
                return next.done ? { done: true, value: undefined } : { done: false, value: new Uint8Array(next.value as Buffer) };
              },
            }),
          },
          text: async () => {
            const chunks: Buffer[] = [];
            for await (const c of res) {
              chunks.push(c as Buffer);
            }
            return Buffer.concat(chunks).toString('utf8');
          },
        } as unknown as Response);
      });
      init?.signal?.addEventListener('abort', () => req.destroy());
      req.on('error', reject);
      req.end();
    })) as typeof fetch;
}
