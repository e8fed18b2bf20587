/**
 * One line per Kong span saying what it measures (Kong's "Debugger spans" reference, konnect-debugger.md §6.1).
 * Shown in the trace view's span details (tag `kong.span.description`) and on the lifecycle map's tooltips.
 * Looked up by canonical name, so older Kong versions' names get the same text.
 */
import { canonicalSpanName, parsePluginSpan } from './names';

export const SPAN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  kong: 'The whole request and response through Kong.',
  'kong.phase.certificate': 'certificate phase: runs before the TLS handshake (plugins choose the server certificate).',
  'kong.tls_handshake': 'Client↔Kong TLS handshake including its I/O; long means a slow or distant client.',
  'kong.read_client_http_headers': 'Reading the request headers from the client (slow client, buggy CDN).',
  'kong.read_client_http_body': 'Reading the full request body from the client.',
  'kong.phase.rewrite': 'rewrite phase: the rewrite handlers of the plugins.',
  'kong.router': 'Kong’s router matching the request to a route and service.',
  'kong.phase.access': 'access phase: authentication, rate limiting and the other access handlers.',
  'kong.dns': 'A synchronous DNS lookup.',
  'kong.upstream.selection': 'Finding a healthy upstream target; its children are the attempts (equals the connect time).',
  'kong.find_upstream': 'One attempt at one upstream target: TCP connect (unless a keepalive is reused), plus TLS if configured.',
  'kong.send_request_to_upstream': 'Writing the request to the upstream (network delay).',
  'kong.read_headers_from_upstream': 'The upstream producing its response headers, including time to first byte.',
  'kong.read_body_from_upstream': 'The upstream producing its response body.',
  'kong.phase.response': 'response phase (skipped when response streaming is on).',
  'kong.phase.header_filter': 'header_filter phase: plugins changing the response headers.',
  'kong.phase.body_filter': 'body_filter phase: plugins changing the response body, chunk by chunk.',
  'kong.wait_for_client_read': 'Kong finishing writing the response; long for clients that read slowly.',
  'kong.phase.log': 'log phase: after the response was sent (a separate trace since Kong 3.13).',
  'kong.analytics.log_request': 'Preparing Konnect analytics in the log phase (exported later).',
  'kong.balancer': 'One balancer try (Kong 3.0–3.2).',
  'kong.database.query': 'A database query.',
  'kong.internal.request': 'An HTTP request made by Kong or a plugin.',
};

const IO_PREFIX = 'kong.io.';
const DATAKIT_PREFIX = 'kong.datakit.node.';

/** What a Kong span measures, in one line; undefined for spans Kong's reference does not list. */
export function describeSpan(name: string, kind?: number): string | undefined {
  const canonical = canonicalSpanName(name, kind);
  // own keys only: a span named 'toString' must not get Object.prototype's function as its text
  const fixed = Object.prototype.hasOwnProperty.call(SPAN_DESCRIPTIONS, canonical) ? SPAN_DESCRIPTIONS[canonical] : undefined;
  if (fixed) {
    return fixed;
  }
  const plugin = parsePluginSpan(canonical);
  if (plugin) {
    return `The ${plugin.plugin} plugin running in the ${plugin.phase} phase.`;
  }
  if (canonical.startsWith(IO_PREFIX)) {
    return `Network I/O to a third party (${canonical.slice(IO_PREFIX.length)}) during plugins or other processing.`;
  }
  if (canonical.startsWith(DATAKIT_PREFIX)) {
    return `One executed Datakit node (${canonical.slice(DATAKIT_PREFIX.length)}).`;
  }
  return undefined;
}
