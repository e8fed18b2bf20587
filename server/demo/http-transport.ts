/**
 * The last hop of the demo's OTLP exporters: POST one encoded batch, like Kong's
 * lua-resty-http client does (kong-otel.md §2.2): HTTP/1.1 keepalive, Content-Length body, no
 * compression, Kong's User-Agent, retry with backoff on 429/502/503/504 and network errors.
 *
 * Why not the SDK's own node transport: it loads `http` with a dynamic `import()`, which fails
 * under Jest without --experimental-vm-modules, and the server's tests run the demo in Jest.
 * Everything above this hop (OTLPExporterBase, export delegate, bounded queue, serializers,
 * batch processors) is the SDK's. This plugs into its public IExporterTransport extension point.
 */
import http from 'node:http';
import https from 'node:https';
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';

export const KONG_USER_AGENT = 'lua-resty-http/0.17.2 (Lua) ngx_lua/10026';

const RETRYABLE = new Set([429, 502, 503, 504]);

export interface TransportOptions {
  url: string;
  headers: Record<string, string>;
  /** attempts in total for retryable failures; default 4 */
  maxAttempts?: number;
  /** first backoff; doubles each time; default 100 ms */
  initialBackoffMs?: number;
}

function postOnce(url: URL, agent: http.Agent, headers: Record<string, string>, data: Uint8Array, timeoutMs: number): Promise<ExportResponse> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        agent,
        headers: { ...headers, 'Content-Length': String(data.byteLength), 'User-Agent': KONG_USER_AGENT },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (error) => resolve({ status: 'retryable', error }));
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          const body = Buffer.concat(chunks);
          if (code >= 200 && code <= 299) resolve({ status: 'success', data: body });
          else if (RETRYABLE.has(code)) resolve({ status: 'retryable', error: new OTLPExporterError(res.statusMessage, code, body.toString('utf8')) });
          else resolve({ status: 'failure', error: new OTLPExporterError(`${code} ${res.statusMessage ?? ''}: ${body.toString('utf8').slice(0, 300)}`.trim(), code, body.toString('utf8')) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${url.href} timed out after ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ status: 'retryable', error }));
    req.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}

export function createKongHttpTransport(opts: TransportOptions): IExporterTransport {
  const url = new URL(opts.url);
  const agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const maxAttempts = opts.maxAttempts ?? 4;
  const initialBackoff = opts.initialBackoffMs ?? 100;
  return {
    async send(data, timeoutMillis) {
      const deadline = Date.now() + timeoutMillis;
      let last: ExportResponse = { status: 'failure', error: new Error('not sent') };
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        last = await postOnce(url, agent, opts.headers, data, left);
        if (last.status !== 'retryable') return last;
        const backoff = initialBackoff * 2 ** (attempt - 1);
        if (attempt === maxAttempts || Date.now() + backoff >= deadline) break;
        await new Promise((r) => setTimeout(r, backoff));
      }
      // out of attempts: report the cause instead of a bare "retryable"
      return { status: 'failure', error: last.error ?? new Error(`export to ${url.href} failed`) };
    },
    shutdown() {
      agent.destroy();
    },
  };
}
