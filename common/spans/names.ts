/**
 * Span names: legacy → current mapping (Konnect UI `utils/spans.ts`) and plugin-span parsing.
 */

const LEGACY_NAMES: Record<string, string> = {
  'kong.upstream.try_select': 'kong.find_upstream',
  'kong.upstream.find_upstream': 'kong.find_upstream',
  'kong.upstream.ttfb': 'kong.read_headers_from_upstream',
  'kong.waiting_for_upstream': 'kong.read_headers_from_upstream',
  'kong.upstream.read_response': 'kong.read_body_from_upstream',
  'kong.read_response_from_upstream': 'kong.read_body_from_upstream',
};

/** The current name for a span name Kong used in an older version; other names pass through unchanged. */
export function canonicalSpanName(name: string): string {
  return LEGACY_NAMES[name] ?? name;
}

// `kong.<phase>.plugin.<name>`: the phase is one word (certificate, rewrite, access, response,
// header_filter, body_filter, log, ...); the plugin name is everything after `.plugin.`.
const PLUGIN_SPAN = /^kong\.([a-z_]+)\.plugin\.(.+)$/;

/** Phase and plugin of a plugin span, or undefined for any other span (phase spans `kong.phase.*` included). */
export function parsePluginSpan(name: string): { phase: string; plugin: string } | undefined {
  const m = PLUGIN_SPAN.exec(name);
  if (!m || m[1] === 'phase') return undefined;
  return { phase: m[1], plugin: m[2] };
}

/** Spans only the Enterprise debugger emits (current and legacy names); OSS core never produces them. */
export function isEnterpriseSpanName(name: string): boolean {
  const n = canonicalSpanName(name);
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
