/**
 * The debugger's sampler fields (Konnect UI `SPAN_SAMPLER_ATTRIBUTES`, konnect-debugger.md §2.2.1)
 * and how each resolves against a root span of either Kong dialect: Enterprise debugger spans
 * (new OTel names) or the OSS opentelemetry plugin (old names). The first attribute present wins.
 */

export type FieldType = 'String' | 'Int' | 'IpAddr';

export interface FieldDef {
  /** name usable in an expression (canonical or alias) */
  name: string;
  type: FieldType;
  /** canonical field this name stands for (itself for canonical fields) */
  canonical: string;
  /** span attribute names tried in order */
  sources: readonly string[];
  /** post-processing of the raw string value (e.g. URL → path) */
  derive?: (s: string) => string;
}

/** "scheme://host:port/p/a/t/h?q#f" or "/p/a/t/h?q" → "/p/a/t/h" */
export function pathOf(url: string): string {
  let from = 0;
  const sep = url.indexOf('://');
  // a scheme is letters/digits/+.- before "://", and "://" comes before any path, query or fragment
  if (sep > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(url.slice(0, sep))) {
    from = sep + 3;
    while (from < url.length && url[from] !== '/' && url[from] !== '?' && url[from] !== '#') from++;
  }
  let to = from;
  while (to < url.length && url[to] !== '?' && url[to] !== '#') to++;
  return to === from ? '/' : url.slice(from, to);
}

/** Strip the query string and fragment: url.full is documented without them, OSS http.url has them. */
export function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

interface Canonical {
  name: string;
  type: FieldType;
  sources: string[];
  derive?: (s: string) => string;
  /** alias name → its own type when it differs (server.address: tls.sni String, net.dst.ip IpAddr) */
  aliases?: Array<string | { name: string; type: FieldType; sources?: string[] }>;
}

const lat = (name: string, ...legacy: string[]): Canonical => ({ name, type: 'Int', sources: [name, ...legacy] });

const CANONICAL: Canonical[] = [
  { name: 'http.request.method', type: 'String', sources: ['http.request.method', 'http.method'], aliases: ['http.method'] },
  // Konnect lists http.path as an alias of http.route, which holds the matched route's path
  // pattern. A user of Kong's router reads `http.path ^= "/v1"` as the REQUEST path, so here
  // http.path is its own field (below) and http.route stays the matched route attribute.
  { name: 'http.route', type: 'String', sources: ['http.route'] },
  {
    name: 'http.path',
    type: 'String',
    sources: ['url.path', 'url.full', 'http.url'],
    derive: pathOf,
  },
  {
    name: 'http.request.header.host',
    type: 'String',
    sources: ['http.request.header.host', 'http.host', 'proxy.kong.request.host'],
    aliases: ['http.host'],
  },
  { name: 'http.request.size', type: 'Int', sources: ['http.request.size'] },
  { name: 'http.response.status_code', type: 'Int', sources: ['http.response.status_code', 'http.status_code'] },
  { name: 'url.full', type: 'String', sources: ['url.full', 'http.url'], derive: withoutQuery },
  // net.protocol is listed as an alias of both url.scheme and network.protocol.name; in Kong's
  // router it is the scheme (http/https/grpc...), so it resolves to url.scheme.
  { name: 'url.scheme', type: 'String', sources: ['url.scheme', 'http.scheme'], aliases: ['net.protocol'] },
  { name: 'network.protocol.name', type: 'String', sources: ['network.protocol.name'] },
  { name: 'network.protocol.version', type: 'String', sources: ['network.protocol.version', 'http.flavor'] },
  { name: 'network.transport', type: 'String', sources: ['network.transport'] },
  { name: 'network.peer.address', type: 'IpAddr', sources: ['network.peer.address', 'net.peer.ip'] },
  { name: 'network.peer.name', type: 'String', sources: ['network.peer.name', 'net.peer.name'] },
  { name: 'network.peer.port', type: 'Int', sources: ['network.peer.port', 'net.peer.port'] },
  { name: 'client.address', type: 'IpAddr', sources: ['client.address', 'http.client_ip'], aliases: ['net.src.ip'] },
  { name: 'client.port', type: 'Int', sources: ['client.port'], aliases: ['net.src.port'] },
  {
    name: 'server.address',
    type: 'String',
    sources: ['server.address'],
    aliases: [
      // tls.sni is the SNI when Kong reports it, else the server address as Konnect maps it
      { name: 'tls.sni', type: 'String', sources: ['tls.client.server_name', 'server.address'] },
      { name: 'net.dst.ip', type: 'IpAddr' },
    ],
  },
  { name: 'server.port', type: 'Int', sources: ['server.port'], aliases: ['net.dst.port'] },
  { name: 'destination.address', type: 'IpAddr', sources: ['destination.address'] },
  { name: 'proxy.kong.route.id', type: 'String', sources: ['proxy.kong.route.id', 'proxy.kong.router.route_id'] },
  { name: 'proxy.kong.service.id', type: 'String', sources: ['proxy.kong.service.id', 'proxy.kong.router.service_id'] },
  { name: 'proxy.kong.consumer.id', type: 'String', sources: ['proxy.kong.consumer.id', 'proxy.kong.consumer_id'] },
  { name: 'proxy.kong.upstream.id', type: 'String', sources: ['proxy.kong.upstream.id', 'proxy.kong.upstream_id'] },
  { name: 'proxy.kong.upstream.host', type: 'String', sources: ['proxy.kong.upstream.host'] },
  { name: 'proxy.kong.upstream.addr', type: 'IpAddr', sources: ['proxy.kong.upstream.addr'] },
  {
    name: 'proxy.kong.upstream.status_code',
    type: 'Int',
    sources: ['proxy.kong.upstream.status_code', 'proxy.kong.upstream_status_code'],
  },
  { name: 'proxy.kong.target.id', type: 'String', sources: ['proxy.kong.target.id'] },
  lat('proxy.kong.latency.total', 'proxy.kong.latency_total_ms'),
  lat('proxy.kong.latency.internal'),
  lat('proxy.kong.latency.upstream'),
  lat('proxy.kong.latency.upstream.ttfb', 'proxy.kong.upstream.ttfb_ms', 'proxy.kong.latency.upstream.read_headers_duration'),
  lat('proxy.kong.latency.upstream.read_response_duration', 'proxy.kong.upstream.read_response_duration_ms'),
  lat('proxy.kong.latency.client'),
  lat('proxy.kong.latency.3p.total_io'),
  lat('proxy.kong.latency.3p.dns.total_io'),
  lat('proxy.kong.latency.3p.http_client.total_io'),
  lat('proxy.kong.latency.3p.redis.total_io', 'proxy.kong.redis.total_io_ms'),
  lat('proxy.kong.latency.3p.tcpsock.total_io', 'proxy.kong.tcpsock.total_io_ms'),
  // legacy field for 3.9 data planes, resolved from the new name too so old rules keep working
  lat('proxy.kong.latency_total_ms', 'proxy.kong.latency.total'),
];

/** For the plugin's editor and autocomplete. */
export const SAMPLER_FIELDS: ReadonlyArray<{ name: string; type: FieldType; aliases: string[] }> = CANONICAL.map((c) => ({
  name: c.name,
  type: c.type,
  aliases: (c.aliases ?? []).map((a) => (typeof a === 'string' ? a : a.name)),
}));

/** Every usable name (canonical and alias), indexed densely so RuleInput can cache by number. */
export const FIELD_DEFS: readonly FieldDef[] = CANONICAL.flatMap((c) => [
  { name: c.name, type: c.type, canonical: c.name, sources: c.sources, derive: c.derive },
  ...(c.aliases ?? []).map((a) =>
    typeof a === 'string'
      ? { name: a, type: c.type, canonical: c.name, sources: c.sources, derive: c.derive }
      : { name: a.name, type: a.type, canonical: c.name, sources: a.sources ?? c.sources, derive: c.derive },
  ),
]);

export const FIELD_INDEX: ReadonlyMap<string, number> = new Map(FIELD_DEFS.map((d, i) => [d.name, i]));

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest known field name, if close enough to be a plausible typo or old name. */
export function suggestField(name: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const d of FIELD_DEFS) {
    const dist = distance(name.toLowerCase(), d.name.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = d.name;
    }
  }
  // a suffix/prefix relation (status_code vs http.response.status_code) also counts as close
  if (best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3))) return best;
  const bySuffix = FIELD_DEFS.find((d) => d.name.endsWith('.' + name) || d.name.endsWith(name) || name.endsWith(d.name));
  return bySuffix?.name;
}
