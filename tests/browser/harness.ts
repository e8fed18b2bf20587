/**
 * The browser test's stand-in for a Grafana server: serves the host page, SystemJS, Grafana's icons and
 * the built plugin (dist/) at /public/plugins/<app id>/, and emulates Grafana's data source proxy
 * (/api/datasources/proxy/uid/<uid>/<route path>/...) using the `routes` of the built data source
 * plugin.json as Grafana matches them (src/datasource/testing/grafanaProxy.ts): method and path prefix,
 * `{{ .JsonData.url }}` and `{{ .SecureJsonData.apiToken }}` substituted, headers injected, then forwarded.
 *
 * The shared modules the host hands to the plugin (what Grafana provides at runtime: @grafana/*, React, ...) come
 * from the repository's node_modules, or from HARNESS_MODULES_DIR's when set: `npm run test:grafana-next` points it
 * at tests/grafana-next so the same dist/ runs in a @grafana/* 13.x, React 19 host.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build, type Plugin } from 'esbuild';
import { matchRoute, routeTarget, type ProxyRoute } from '../../src/datasource/testing/grafanaProxy';

const ROOT = path.resolve(__dirname, '..', '..');
const APP_ID = 'kongdbg-debugger-app';
const DS_UID = 'kongdbg-ds';
/** The folder whose node_modules provide the host's shared modules. */
const MODULES_DIR = process.env.HARNESS_MODULES_DIR ? path.resolve(process.env.HARNESS_MODULES_DIR) : ROOT;

function installedVersion(pkg: string): string {
  const file = path.join(MODULES_DIR, 'node_modules', pkg, 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/** The React and @grafana/* versions the host provides (the page reports its React as kongHost.reactVersion). */
export function hostVersions(): { react: string; grafana: string } {
  return { react: installedVersion('react'), grafana: installedVersion('@grafana/data') };
}

/**
 * esbuild resolves host.tsx's imports from MODULES_DIR first; a package's own imports resolve from where it is
 * installed, as usual.
 */
const resolveFromModulesDir: Plugin = {
  name: 'harness-modules-dir',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (
        MODULES_DIR === ROOT ||
        args.pluginData === 'retry' ||
        args.importer.includes(`${path.sep}node_modules${path.sep}`)
      ) {
        return undefined;
      }
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: MODULES_DIR, pluginData: 'retry' });
      return r.errors.length ? undefined : r;
    });
  },
};

/**
 * Bundles host.tsx (all shared libraries) into one IIFE script. Refuses a bundle that took React or @grafana/* from
 * anywhere but MODULES_DIR: two copies, or the pinned ones in a grafana-next run, would test the wrong thing.
 */
export async function buildHost(outFile: string): Promise<void> {
  const { metafile } = await build({
    metafile: true,
    plugins: [resolveFromModulesDir],
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
  // esbuild names inputs relative to the working directory, through symlinks (node_modules may be one).
  const shared = fs.realpathSync(path.join(MODULES_DIR, 'node_modules')) + path.sep;
  const strays = Object.keys(metafile.inputs)
    .map((f) => path.resolve(f))
    .filter((f) => /\/node_modules\/(react|react-dom|@grafana\/[^/]+)\//.test(f) && !f.startsWith(shared));
  if (strays.length) {
    throw new Error(`host bundle took shared modules from outside ${shared}: ${strays.slice(0, 5).join(', ')}`);
  }
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
<script>window.grafanaBootData = { settings: { featureToggles: {}, buildInfo: { version: '${hostVersions().grafana}', edition: 'Open Source', env: 'production' }, appSubUrl: '', datasources: {}, panels: {}, apps: {}, theme2: {} }, user: { id: 1, login: 'admin', orgRole: 'Admin', isSignedIn: true, timezone: 'utc', locale: 'en-US', language: 'en-US' }, navTree: [] };</script>
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
        path.join(
          MODULES_DIR,
          'node_modules/@grafana/ui/dist/public/img/icons',
          p.slice('/public/build/img/icons/'.length)
        )
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
