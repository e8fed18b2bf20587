import type { LifecycleEdge, LifecycleMap, LifecycleNote, LifecyclePluginNode, Span } from '../api';
import { detectDialect } from '../spans/dialect';
import { isCertainRoot } from '../spans/root';
import { compareStarts, safeDuration } from '../spans/time';
import { colorIndex } from './color';
import { enclosingPlugin, named, nameOf, type PluginSpanAt, traceContext, type TraceContext } from './context';
import { upstreamView, type UpstreamView } from './upstream';
import { isRequestPhase, isResponsePhase } from './phases';

const CLIENT_READS = ['kong.read_client_http_headers', 'kong.read_client_http_body'];

/** The Summary lifecycle map of one trace (see `LifecycleMap` in common/api.ts for the flow). */
export function buildLifecycleMap(spans: Span[]): LifecycleMap {
  return lifecycleFromContext(traceContext(spans), detectDialect(spans));
}

export function lifecycleFromContext(ctx: TraceContext, dialect: 'enterprise' | 'oss', up: UpstreamView = upstreamView(ctx, dialect)): LifecycleMap {
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
    if (nameOf(ctx, s) !== 'kong.wait_for_client_read') nestedClientNs += safeDuration(s);
  }

  const requestPlugins: LifecyclePluginNode[] = [];
  const responsePlugins: LifecyclePluginNode[] = [];
  // plugin spans in start order (the context's list is in trace order)
  const starts = ctx.startOrder;
  const ordered = [...ctx.plugins].sort((a, b) => compareStarts(starts[a.index], a.span.spanId, starts[b.index], b.span.spanId));
  for (const p of ordered) {
    const s = p.span;
    const group = isRequestPhase(p.phase) ? requestPlugins : isResponsePhase(p.phase) ? responsePlugins : undefined;
    if (!group) continue; // log-phase plugins run after the response; not on the map
    const durationNs = Math.max(0, safeDuration(s) - (nestedByPlugin.get(s.spanId) ?? 0));
    group.push({
      key: nodeKey(p),
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
    // (upstream.ts): upstream in = first try start → last try start (failed tries and the waits
    // between them), upstream out = the last try minus the response-plugin time inside it; when
    // Kong gave up everything is upstream in. A single try's connect cannot be split out of it.
    const map: LifecycleMap = {
      clientOut: unmeasured(),
      requestPlugins,
      upstreamIn: up.inNs !== undefined ? edge(up.inNs) : unmeasured(),
      upstreamOut: up.outNs !== undefined ? edge(up.outNs) : unmeasured(),
      responsePlugins,
      clientIn: unmeasured(),
      dialect,
    };
    if (up.tries.length) map.tries = up.tries;
    map.notes = ossNotes(up);
    return map;
  }

  const rootId = isCertainRoot(ctx.root) ? ctx.root?.spanId : undefined;
  const clientOut = named(ctx, ...CLIENT_READS).filter((s) => rootId !== undefined && s.parentSpanId === rootId);
  // Konnect: selection + send. Decision for traces without a `kong.upstream.selection` span
  // (older versions may emit the attempts alone): the `kong.find_upstream` attempts stand in for it.
  const selection = named(ctx, 'kong.upstream.selection');
  const upstreamIn = [...(selection.length ? selection : named(ctx, 'kong.find_upstream')), ...named(ctx, 'kong.send_request_to_upstream')];
  const upstreamOut = named(ctx, 'kong.read_headers_from_upstream', 'kong.read_body_from_upstream');
  const clientInNs = sum(waits) + nestedClientNs;
  const map: LifecycleMap = {
    clientOut: measuredEdge(clientOut),
    requestPlugins,
    upstreamIn: measuredEdge(upstreamIn),
    upstreamOut: measuredEdge(upstreamOut),
    responsePlugins,
    clientIn: waits.length || nestedClientNs > 0 ? edge(clientInNs) : unmeasured(),
    dialect,
  };
  if (up.tries.length) map.tries = up.tries;
  return map;
}

// One string object per node key (`<phase>.<plugin>`), kept by span name: digests use the keys as
// property names, and V8 reads a property name fastest as a string it has seen as one before.
// Bounded like the span-name tables (plugin names are few).
const NODE_KEYS = new Map<string, string>();

function nodeKey(p: PluginSpanAt): string {
  let key = NODE_KEYS.get(p.name);
  if (key === undefined) {
    if (NODE_KEYS.size >= 2048) NODE_KEYS.clear();
    NODE_KEYS.set(p.name, (key = `${p.phase}.${p.plugin}`));
  }
  return key;
}

/**
 * Where open-source Kong's spans leave work unshown (kong-otel.md §4.2: core never spans
 * body_filter, response or log plugins, nor client I/O), said at the place its time went.
 */
function ossNotes(up: UpstreamView): LifecycleNote[] {
  const notes: LifecycleNote[] = [
    { at: 'clientOut', text: 'Open-source Kong has no span for reading the request: that time is inside Kong internal.' },
  ];
  if (up.tries.length === 1 && up.outNs !== undefined) {
    notes.push({ at: 'upstreamIn', text: 'One try: its connect and send cannot be split from the wait for the response, all of it is upstream out.' });
  }
  if (up.exhausted) {
    notes.push({ at: 'upstreamIn', text: `Kong gave up after ${up.tries.length} ${up.tries.length === 1 ? 'try' : 'tries'}: no response came from the upstream.` });
  }
  if (up.outNs !== undefined) {
    notes.push({ at: 'upstreamOut', text: 'Includes the body_filter plugins, which run while the body streams: open-source Kong does not span them.' });
  } else {
    notes.push({ at: 'responsePlugins', text: 'body_filter plugins have no spans in open-source Kong; their time is inside Kong internal.' });
  }
  notes.push({ at: 'clientIn', text: 'Open-source Kong has no span for writing the response to the client.' });
  notes.push({ at: 'total', text: 'Log-phase plugins run after the response is sent and are not timed by open-source Kong.' });
  return notes;
}

function sum(spans: readonly Span[]): number {
  return spans.reduce((t, s) => t + safeDuration(s), 0);
}
function edge(durationNs: number): LifecycleEdge {
  return { durationNs, colorIndex: colorIndex(durationNs), measured: true };
}
function unmeasured(): LifecycleEdge {
  return { durationNs: 0, colorIndex: 0, measured: false };
}
function measuredEdge(spans: readonly Span[]): LifecycleEdge {
  return spans.length ? edge(sum(spans)) : unmeasured();
}
