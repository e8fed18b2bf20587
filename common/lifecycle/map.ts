import type { LifecycleEdge, LifecycleMap, LifecyclePluginNode, Span } from '../api';
import { detectDialect } from '../spans/dialect';
import { parsePluginSpan } from '../spans/names';
import { isCertainRoot } from '../spans/root';
import { compareByStart, safeDuration } from '../spans/time';
import { colorIndex } from './color';
import { enclosingPlugin, named, traceContext, type TraceContext } from './context';
import { ossUpstream } from './oss-upstream';
import { isRequestPhase, isResponsePhase } from './phases';

const CLIENT_READS = ['kong.read_client_http_headers', 'kong.read_client_http_body'];

/** The Summary lifecycle map of one trace (see `LifecycleMap` in common/api.ts for the flow). */
export function buildLifecycleMap(spans: Span[]): LifecycleMap {
  return lifecycleFromContext(traceContext(spans), detectDialect(spans));
}

export function lifecycleFromContext(ctx: TraceContext, dialect: 'enterprise' | 'oss'): LifecycleMap {
  // Client-read spans nested (at any depth) inside a plugin span: their time moves from the plugin
  // to "client in" (Konnect's rule; the plugin was waiting on the client, not working).
  // `kong.wait_for_client_read` is always client-in; if it is nested in a plugin it is also taken
  // out of that plugin, but counted only once.
  const nestedByPlugin = new Map<string, number>();
  let nestedClientNs = 0;
  const waits = named(ctx, 'kong.wait_for_client_read');
  for (const s of [...named(ctx, ...CLIENT_READS), ...waits]) {
    const plugin = enclosingPlugin(ctx, s);
    if (!plugin) continue;
    nestedByPlugin.set(plugin.spanId, (nestedByPlugin.get(plugin.spanId) ?? 0) + safeDuration(s));
    if (ctx.names.get(s.spanId) !== 'kong.wait_for_client_read') nestedClientNs += safeDuration(s);
  }

  const requestPlugins: LifecyclePluginNode[] = [];
  const responsePlugins: LifecyclePluginNode[] = [];
  for (const s of [...ctx.spans].sort(compareByStart)) {
    const p = parsePluginSpan(s.name);
    if (!p) continue;
    const group = isRequestPhase(p.phase) ? requestPlugins : isResponsePhase(p.phase) ? responsePlugins : undefined;
    if (!group) continue; // log-phase plugins run after the response; not on the map
    const durationNs = Math.max(0, safeDuration(s) - (nestedByPlugin.get(s.spanId) ?? 0));
    group.push({
      key: `${p.phase}.${p.plugin}`,
      plugin: p.plugin,
      phase: p.phase as LifecyclePluginNode['phase'],
      spanId: s.spanId,
      startTimeUnixNano: s.startTimeUnixNano,
      durationNs,
      colorIndex: colorIndex(durationNs),
    });
  }

  if (dialect === 'oss') {
    // OSS: no client I/O spans (client edges unmeasured); upstream edges from balancer tries
    // (oss-upstream.ts): upstream in = failed tries, upstream out = last try minus the
    // response-plugin time inside it. The last try's connect time cannot be split out of it.
    const up = ossUpstream(ctx);
    return {
      clientOut: unmeasured(),
      requestPlugins,
      upstreamIn: up.tries > 1 ? edge(up.failedTriesNs) : unmeasured(),
      upstreamOut: up.tries > 0 ? edge(up.lastTryNs) : unmeasured(),
      responsePlugins,
      clientIn: unmeasured(),
      dialect,
    };
  }

  const rootId = isCertainRoot(ctx.root) ? ctx.root?.spanId : undefined;
  const clientOut = named(ctx, ...CLIENT_READS).filter((s) => rootId !== undefined && s.parentSpanId === rootId);
  // Konnect: selection + send. Decision for traces without a `kong.upstream.selection` span
  // (older versions may emit the attempts alone): the `kong.find_upstream` attempts stand in for it.
  const selection = named(ctx, 'kong.upstream.selection');
  const upstreamIn = [...(selection.length ? selection : named(ctx, 'kong.find_upstream')), ...named(ctx, 'kong.send_request_to_upstream')];
  const upstreamOut = named(ctx, 'kong.read_headers_from_upstream', 'kong.read_body_from_upstream');
  const clientInNs = sum(waits) + nestedClientNs;
  return {
    clientOut: measuredEdge(clientOut),
    requestPlugins,
    upstreamIn: measuredEdge(upstreamIn),
    upstreamOut: measuredEdge(upstreamOut),
    responsePlugins,
    clientIn: waits.length || nestedClientNs > 0 ? edge(clientInNs) : unmeasured(),
    dialect,
  };
}

function sum(spans: Span[]): number {
  return spans.reduce((t, s) => t + safeDuration(s), 0);
}
function edge(durationNs: number): LifecycleEdge {
  return { durationNs, colorIndex: colorIndex(durationNs), measured: true };
}
function unmeasured(): LifecycleEdge {
  return { durationNs: 0, colorIndex: 0, measured: false };
}
function measuredEdge(spans: Span[]): LifecycleEdge {
  return spans.length ? edge(sum(spans)) : unmeasured();
}
