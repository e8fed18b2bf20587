/**
 * Span names: legacy → current mapping (Konnect UI `utils/spans.ts`, Kong 3.0–3.2 OSS names) and
 * plugin-span parsing. Every rule reads canonical names, so a trace from any supported version
 * goes through the same code.
 */

// A Map, not an object literal: a span named like an Object.prototype member ('toString',
// 'constructor') must not map to the inherited function.
const LEGACY_NAMES = new Map<string, string>(Object.entries({
  // Enterprise debugger, older releases (Konnect UI utils/spans.ts)
  'kong.upstream.try_select': 'kong.find_upstream',
  'kong.upstream.find_upstream': 'kong.find_upstream',
  'kong.upstream.ttfb': 'kong.read_headers_from_upstream',
  'kong.waiting_for_upstream': 'kong.read_headers_from_upstream',
  'kong.upstream.read_response': 'kong.read_body_from_upstream',
  'kong.read_response_from_upstream': 'kong.read_body_from_upstream',
  // Kong OSS 3.0–3.2 (kong/tracing/instrumentation.lua at tags 3.0.0…3.2.2; renamed in 3.3)
  router: 'kong.router',
  query: 'kong.database.query',
}));

// Kong 3.0–3.2 names built from data (same file): "<phase> phase: <plugin>", "balancer try #<n>",
// "DNS: <host>", "HTTP <METHOD> <uri>", and the root "<METHOD> <path>" (kind SERVER).
const OLD_PLUGIN = /^(rewrite|access|header_filter) phase: (.+)$/;
const OLD_BALANCER = /^balancer try #(\d+)$/;
const OLD_DNS = /^DNS: /;
const OLD_HTTP_CLIENT = /^HTTP [A-Z]+ /;
const OLD_ROOT = /^[A-Z]+ \//;
const SPAN_KIND_SERVER = 2;

// Bounded memo tables: Kong's span names are few, but 3.0–3.2 put paths and hosts in some of them
// ("GET /orders/42", "DNS: host"), so a table that fills up starts over instead of growing.
const MEMO_LIMIT = 2048;
const serverNames = new Map<string, string>();
const otherNames = new Map<string, string>();
const pluginSpans = new Map<string, PluginSpan | null>();
const enterpriseNames = new Map<string, boolean>();

function remember<V>(m: Map<string, V>, k: string, v: V): void {
  if (m.size >= MEMO_LIMIT) m.clear();
  m.set(k, v);
}

/**
 * The current name for a span name Kong used in an older version; other names pass through
 * unchanged. `kind` is needed for Kong 3.0–3.2's root, whose name was "<METHOD> <path>": only a
 * SERVER span with that shape is taken for `kong` (a CLIENT "GET /x" from a plugin's tracer is not).
 */
export function canonicalSpanName(name: string, kind?: number): string {
  const legacy = LEGACY_NAMES.get(name);
  if (legacy) return legacy;
  if (name.startsWith('kong')) return name;
  // Older names: the regexes below, memoised (names repeat from trace to trace).
  const cache = kind === SPAN_KIND_SERVER ? serverNames : otherNames;
  let c = cache.get(name);
  if (c === undefined) {
    c = oldName(name, kind);
    remember(cache, name, c);
  }
  return c;
}

function oldName(name: string, kind: number | undefined): string {
  const p = OLD_PLUGIN.exec(name);
  if (p) return `kong.${p[1]}.plugin.${p[2]}`;
  if (OLD_BALANCER.test(name)) return 'kong.balancer';
  if (OLD_DNS.test(name)) return 'kong.dns';
  if (OLD_HTTP_CLIENT.test(name)) return 'kong.internal.request';
  if (kind === SPAN_KIND_SERVER && OLD_ROOT.test(name)) return 'kong';
  return name;
}

/** The try number a Kong 3.0–3.2 balancer span carries in its name ("balancer try #2"); 3.3+ use `try_count`. */
export function tryNumberFromName(name: string): number | undefined {
  const m = OLD_BALANCER.exec(name);
  return m ? Number(m[1]) : undefined;
}

// `kong.<phase>.plugin.<name>`: the phase is one word (certificate, rewrite, access, response,
// header_filter, body_filter, log, ...); the plugin name is everything after `.plugin.`.
const PLUGIN_SPAN = /^kong\.([a-z_]+)\.plugin\.(.+)$/;

export interface PluginSpan {
  readonly phase: string;
  readonly plugin: string;
}

/**
 * Phase and plugin of a plugin span (canonical name), or undefined for any other span (phase spans
 * `kong.phase.*` included). Memoised: the answer for one name is one shared (read-only) object.
 */
export function parsePluginSpan(name: string): PluginSpan | undefined {
  return pluginOfCanonical(canonicalSpanName(name));
}

/** parsePluginSpan of a name that is already canonical (a trace's context has them). */
export function pluginOfCanonical(n: string): PluginSpan | undefined {
  // a cheap test decides for every span that is not a plugin's
  if (!n.startsWith('kong.') || !n.includes('.plugin.')) return undefined;
  let p = pluginSpans.get(n);
  if (p === undefined) {
    const m = PLUGIN_SPAN.exec(n);
    p = m && m[1] !== 'phase' ? { phase: m[1], plugin: m[2] } : null;
    remember(pluginSpans, n, p);
  }
  return p ?? undefined;
}

/**
 * Spans of Kong's log phase. Enterprise 3.13+ exports them as a trace of their own, after the
 * request's trace; such a trace is not a request (see root.ts).
 */
export function isLogPhaseSpanName(name: string): boolean {
  return name === 'kong.phase.log' || name.startsWith('kong.log.plugin.') || name === 'kong.analytics.log_request';
}

/** Spans only the Enterprise debugger emits (current and legacy names); OSS core never produces them. */
export function isEnterpriseSpanName(name: string): boolean {
  let e = enterpriseNames.get(name);
  if (e === undefined) {
    e = enterpriseName(canonicalSpanName(name));
    remember(enterpriseNames, name, e);
  }
  return e;
}

function enterpriseName(n: string): boolean {
  return (
    n.startsWith('kong.phase.') ||
    n.startsWith('kong.read_') ||
    n.startsWith('kong.io.') ||
    n === 'kong.upstream.selection' ||
    n === 'kong.find_upstream' ||
    n === 'kong.send_request_to_upstream' ||
    n === 'kong.wait_for_client_read' ||
    n === 'kong.tls_handshake'
  );
}
