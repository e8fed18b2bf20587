/**
 * What Grafana's data source proxy does with the `routes` of our plugin.json (pkg/api/pluginproxy/ds_proxy.go
 * `validateRequest`, and `ApplyRoute`), for the tests that stand in for Grafana. Test-only.
 * - The first route whose `method` is empty, `*` or the request's, and whose `path` is a prefix of the proxy path
 *   (the part after /api/datasources/proxy/uid/<uid>/), is used; `reqRole` is checked on it.
 * - No route: Grafana forwards to the data source's own URL with none of the routes' headers, so no token.
 * - The target is the route's `url` (templated) joined with what follows the route's `path`.
 */

export interface ProxyRoute {
  path: string;
  method?: string;
  url: string;
  reqRole?: 'Viewer' | 'Editor' | 'Admin';
  headers?: Array<{ name: string; content: string }>;
}

export function matchRoute(routes: readonly ProxyRoute[], method: string, proxyPath: string): ProxyRoute | undefined {
  const m = method.toUpperCase();
  return routes.find((r) => (!r.method || r.method === '*' || r.method.toUpperCase() === m) && proxyPath.startsWith(r.path));
}

/** Grafana's util.JoinURLFragments: one slash between the two, none added when the second is empty */
function joinUrlFragments(a: string, b: string): string {
  if (b === '') {
    return a;
  }
  const aSlash = a.endsWith('/');
  const bSlash = b.startsWith('/');
  if (aSlash && bSlash) {
    return a + b.slice(1);
  }
  return !aSlash && !bSlash ? `${a}/${b}` : a + b;
}

/** The URL and headers a matched route sends, with the two template values our plugin.json uses filled in. */
export function routeTarget(route: ProxyRoute, proxyPath: string, jsonData: { url: string }, secure: { apiToken: string }) {
  const fill = (s: string) =>
    s.replace(/\{\{\s*\.JsonData\.url\s*\}\}/g, jsonData.url).replace(/\{\{\s*\.SecureJsonData\.apiToken\s*\}\}/g, secure.apiToken);
  return {
    url: joinUrlFragments(fill(route.url), proxyPath.slice(route.path.length)),
    headers: Object.fromEntries((route.headers ?? []).map((h) => [h.name, fill(h.content)])),
  };
}
