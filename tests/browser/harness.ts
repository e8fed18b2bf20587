/**
 * The browser test's stand-in for a Grafana server: serves the host page, SystemJS, Grafana's icons and
 * the built plugin (dist/) at /public/plugins/<app id>/, and emulates Grafana's data source proxy
 * (/api/datasources/proxy/uid/<uid>/<route path>/...) using the `routes` of the built data source
 * plugin.json as Grafana matches them (src/datasource/testing/grafanaProxy.ts): method and path prefix,
 * `{{ .JsonData.url }}` and `{{ .SecureJsonData.apiToken }}` substituted, headers injected, then forwarded.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { matchRoute, routeTarget, type ProxyRoute } from '../../src/datasource/testing/grafanaProxy';

const ROOT = path.resolve(__dirname, '..', '..');
const APP_ID = 'kongdbg-debugger-app';
const DS_UID = 'kongdbg-ds';

/** Bundles host.tsx (all shared libraries) into one IIFE script. */
export async function buildHost(outFile: string): Promise<void> {
  await build({
    entryPoints: [path.join(__dirname, 'host', 'host.tsx')],
    outfile: outFile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minify: false,
    sourcemap: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'text', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.png': 'empty' },
  });
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.html': 'text/html',
  '.map': 'application/json',
  '.png': 'image/png',
};

function sendFile(res: http.ServerResponse, file: string) {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end(`not found: ${file}`);
    return;
  }
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
}

export interface Harness {
  url: string;
  proxied: Array<{ method: string; path: string; status: number }>;
  close(): Promise<void>;
}

export async function startHarness(opts: {
  distDir: string;
  hostJs: string;
  backendUrl: string;
  apiToken: string;
}): Promise<Harness> {
  const dsJson = JSON.parse(fs.readFileSync(path.join(opts.distDir, 'datasource', 'plugin.json'), 'utf8')) as {
    routes?: ProxyRoute[];
  };
  const routes = dsJson.routes ?? [];
  const proxied: Harness['proxied'] = [];
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>kong-debugger harness</title>
<script>window.grafanaBootData = { settings: { featureToggles: {}, buildInfo: { version: '12.4.10', edition: 'Open Source', env: 'production' }, appSubUrl: '', datasources: {}, panels: {}, apps: {}, theme2: {} }, user: { id: 1, login: 'admin', orgRole: 'Admin', isSignedIn: true, timezone: 'utc', locale: 'en-US', language: 'en-US' }, navTree: [] };</script>
<script src="/host.js"></script>
<script src="/system.js"></script>
<script src="/amd.js"></script>
</head><body style="margin:0"><div id="root"></div></body></html>`;

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://harness');
    const p = u.pathname;
    if (p === '/' || p === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else if (p === '/host.js') {
      sendFile(res, opts.hostJs);
    } else if (p === '/system.js') {
      sendFile(res, path.join(ROOT, 'node_modules/systemjs/dist/system.js'));
    } else if (p === '/amd.js') {
      sendFile(res, path.join(ROOT, 'node_modules/systemjs/dist/extras/amd.js'));
    } else if (p.startsWith('/public/build/img/icons/')) {
      sendFile(
        res,
        path.join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons', p.slice('/public/build/img/icons/'.length))
      );
    } else if (p.startsWith(`/public/plugins/${APP_ID}/`)) {
      sendFile(res, path.join(opts.distDir, decodeURIComponent(p.slice(`/public/plugins/${APP_ID}/`.length))));
    } else if (p.startsWith(`/api/datasources/proxy/uid/${DS_UID}/`)) {
      const proxyPath = p.slice(`/api/datasources/proxy/uid/${DS_UID}/`.length);
      const method = (req.method ?? 'GET').toUpperCase();
      const route = matchRoute(routes, method, proxyPath);
      if (!route) {
        // Grafana would forward it without the token; the plugin must never need that.
        proxied.push({ method, path: p, status: 404 });
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: `no plugin.json route for ${method} ${proxyPath}` }));
        return;
      }
      const target = routeTarget(route, proxyPath, { url: opts.backendUrl }, { apiToken: opts.apiToken });
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        try {
          const body = chunks.length ? Buffer.concat(chunks) : undefined;
          const r = await fetch(`${target.url}${u.search}`, {
            method,
            headers: {
              ...(body ? { 'content-type': req.headers['content-type'] ?? 'application/json' } : {}),
              ...target.headers,
            },
            body,
          });
          const buf = Buffer.from(await r.arrayBuffer());
          proxied.push({ method, path: p, status: r.status });
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(buf);
        } catch (e) {
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end(JSON.stringify({ message: `proxy error: ${String(e)}` }));
        }
      });
    } else {
      res.writeHead(404).end(`not found: ${p}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    proxied,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
