import type { Span, TraceSummary } from '../api';
import type { TraceContext } from '../lifecycle/context';
import { CLIENT_STATUS, type UpstreamView } from '../lifecycle/upstream';
import { numberAttrIn } from './attributes';
import { canonicalSpanName } from './names';
import { isCertainRoot } from './root';

export type Failure = NonNullable<TraceSummary['failure']>;

/**
 * A span-level error: status ERROR, or an `exception` event (Kong's `record_error`; a failed
 * `kong.internal.request` gets the event but no status). Counted per trace and filterable on its
 * own, whatever the request's outcome: a recovered retry, a router miss, a failed DNS lookup inside
 * a plugin are exactly what a debugger is for, but they do not make the request a failure.
 */
export function isSpanError(s: Span): boolean {
  return s.statusCode === 2 || (s.events ?? []).some((e) => e.name === 'exception');
}

export function spanErrorCount(spans: Span[]): number {
  return spans.reduce((n, s) => n + (isSpanError(s) ? 1 : 0), 0);
}

/**
 * THE definition of "the request failed", after OpenTelemetry's HTTP semantic conventions for a
 * server span (a 5xx is an error, a 4xx is not: the server did its job) extended to what a
 * gateway's operator calls a failure. First match wins:
 * - `plugin_error`: a plugin span with status ERROR or an exception (Kong sets both only when the
 *   handler raised a Lua error, kong/init.lua `execute_*_plugins_iterator`; it answers 500);
 * - `client_abort`: status 499 (nginx's "client closed request", what Enterprise reports), or an
 *   open-source Kong root without any status: open-source Kong sets `http.status_code` in header_filter, which never
 *   runs when the client went away first [I: nothing else skips header_filter on a traced request];
 * - `no_upstream_answer`: Kong gave up on the upstream (all tries failed);
 * - `server_error`: any other status >= 500.
 * Not failures: 4xx (a 404 route miss, a 401 from key-auth, a 429), a retry that recovered, a
 * span error inside a request that still succeeded.
 */
export function requestFailure(ctx: TraceContext, dialect: 'enterprise' | 'oss', upstream: UpstreamView): Failure | undefined {
  const root = isCertainRoot(ctx.root) ? ctx.root : undefined;
  if (!root) return undefined; // judged once the root is here
  if (ctx.plugins.some((p) => isSpanError(p.span))) return 'plugin_error';
  const status = numberAttrIn(root.attributes, CLIENT_STATUS);
  const kongRoot = canonicalSpanName(root.name, root.kind) === 'kong';
  if (status === 499 || (status === undefined && kongRoot && dialect === 'oss')) return 'client_abort';
  if (upstream.outcome === 'no_answer') return 'no_upstream_answer';
  if (status !== undefined && status >= 500) return 'server_error';
  return undefined;
}
