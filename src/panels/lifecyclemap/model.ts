/**
 * Reads the data source's `lifecycle` and `latency` frames (by field name, see the plugin contract)
 * into the view model the lifecycle map draws. Pure: no React, no Grafana runtime.
 * Bad frames give a precise error string instead of a half-drawn map.
 */
import { DataFrame, Field } from '@grafana/data';
import { EDGE_KEYS, isEdgeKey, type EdgeKey } from '../../../common/lifecycle/edges';

export { EDGE_KEYS, type EdgeKey };
export type NodeGroup = 'edge' | 'request' | 'response';

export interface NodeStats {
  count: number;
  p50Ns: number;
  p95Ns: number;
  p99Ns: number;
  maxNs: number;
}

export interface MapNode {
  key: string;
  label: string;
  group: NodeGroup;
  phase: string;
  spanId: string;
  measured: boolean;
  colorIndex: number;
  /** trace mode */
  durationNs?: number;
  /** session mode */
  stats?: NodeStats;
  /** compare mode (analysis.ts): this trace against another */
  compare?: NodeCompare;
  /** abnormal-steps mode (analysis.ts): the node's standing in its session */
  standing?: NodeFlag;
}

export interface NodeCompare {
  /** `onlyB`: the node exists in the other trace only (drawn without a value of its own) */
  presence: 'both' | 'onlyA' | 'onlyB';
  otherNs?: number;
  /** this − other, ns */
  diffNs?: number;
}

export interface NodeFlag {
  abnormal: boolean;
  count: number;
  p50Ns: number;
  p95Ns: number;
  percentile: number;
}

export interface LatencyRow {
  metric: string;
  label: string;
  /** trace mode; undefined when Kong did not send it */
  valueMs?: number;
  /** session mode */
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  /** compare mode: the other trace's value and this − other */
  otherMs?: number;
  diffMs?: number;
}

/** One upstream try (data source `tries` frame): target, outcome and where its time went. */
export interface TryNode {
  tryCount: number;
  target: string;
  peerName: string;
  outcome: string;
  statusCode?: number;
  spanId: string;
  spanDurationNs: number;
  durationNs: number;
  colorIndex: number;
}

/** A sentence the map shows at one place (e.g. work open-source Kong does not span). */
export interface MapNote {
  at: string;
  text: string;
}

/** What Kong's data says about the request (trace mode). */
export interface RequestInfo {
  statusCode?: number;
  upstreamStatus: string;
  failure?: string;
  spanErrorCount?: number;
  route?: string;
}

export interface LifecycleView {
  kind: 'trace' | 'session';
  traceId?: string;
  sessionId?: string;
  dialect?: string;
  traceCount?: number;
  edges: Record<EdgeKey, MapNode>;
  requestPlugins: MapNode[];
  responsePlugins: MapNode[];
  latency: LatencyRow[];
  tries: TryNode[];
  notes: MapNote[];
  info?: RequestInfo;
  /** compare mode: the other trace, for headings */
  compareWith?: { traceId: string; label: string };
}

export type ReadResult = { ok: true; view: LifecycleView } | { ok: false; error: string } | { ok: 'empty' };

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function fieldOf(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((f) => f.name === name);
}

function requireFields(frame: DataFrame, names: string[]): string | undefined {
  const missing = names.filter((n) => !fieldOf(frame, n));
  return missing.length ? `${frame.name} frame is missing field(s): ${missing.join(', ')}` : undefined;
}

const at = (frame: DataFrame, name: string, row: number): unknown => fieldOf(frame, name)?.values[row];

/** Finds the two frames by name; returns 'empty' when there is nothing to draw (no data yet). */
export function readLifecycleFrames(series: DataFrame[] | undefined): ReadResult {
  const lifecycle = series?.find((f) => f.name === 'lifecycle');
  const latencyFrame = series?.find((f) => f.name === 'latency');
  if (!lifecycle || lifecycle.length === 0) {
    return { ok: 'empty' };
  }
  const custom = (lifecycle.meta?.custom ?? {}) as Record<string, unknown>;
  const kind = custom.kind === 'session' ? 'session' : 'trace';
  const common = ['key', 'label', 'group', 'phase', 'spanId', 'measured', 'colorIndex'];
  const modeFields = kind === 'trace' ? ['durationNs'] : ['count', 'p50Ns', 'p95Ns', 'p99Ns', 'maxNs'];
  const missing = requireFields(lifecycle, [...common, ...modeFields]);
  if (missing) {
    return { ok: false, error: missing };
  }

  const edges: Partial<Record<EdgeKey, MapNode>> = {};
  const requestPlugins: MapNode[] = [];
  const responsePlugins: MapNode[] = [];
  for (let i = 0; i < lifecycle.length; i++) {
    const key = String(at(lifecycle, 'key', i) ?? '');
    const group = String(at(lifecycle, 'group', i) ?? '');
    if (group !== 'edge' && group !== 'request' && group !== 'response') {
      return { ok: false, error: `lifecycle row ${i} (${key}) has unknown group "${group}"` };
    }
    const node: MapNode = {
      key,
      label: String(at(lifecycle, 'label', i) ?? key),
      group,
      phase: String(at(lifecycle, 'phase', i) ?? ''),
      spanId: String(at(lifecycle, 'spanId', i) ?? ''),
      measured: at(lifecycle, 'measured', i) !== false,
      colorIndex: Math.max(0, Math.min(6, num(at(lifecycle, 'colorIndex', i)) ?? 0)),
    };
    if (kind === 'trace') {
      node.durationNs = num(at(lifecycle, 'durationNs', i));
    } else {
      node.stats = {
        count: num(at(lifecycle, 'count', i)) ?? 0,
        p50Ns: num(at(lifecycle, 'p50Ns', i)) ?? 0,
        p95Ns: num(at(lifecycle, 'p95Ns', i)) ?? 0,
        p99Ns: num(at(lifecycle, 'p99Ns', i)) ?? 0,
        maxNs: num(at(lifecycle, 'maxNs', i)) ?? 0,
      };
    }
    if (group === 'edge') {
      if (!isEdgeKey(key)) {
        return { ok: false, error: `lifecycle row ${i} is an edge with unknown key "${key}"` };
      }
      edges[key as EdgeKey] = node;
    } else if (group === 'request') {
      requestPlugins.push(node);
    } else {
      responsePlugins.push(node);
    }
  }
  const absent = EDGE_KEYS.filter((k) => !edges[k]);
  if (absent.length) {
    return { ok: false, error: `lifecycle frame is missing edge row(s): ${absent.join(', ')}` };
  }

  const latency: LatencyRow[] = [];
  if (latencyFrame) {
    const lf = kind === 'trace' ? ['valueMs'] : ['p50Ms', 'p95Ms', 'p99Ms', 'maxMs'];
    const bad = requireFields(latencyFrame, ['metric', 'label', ...lf]);
    if (bad) {
      return { ok: false, error: bad };
    }
    for (let i = 0; i < latencyFrame.length; i++) {
      const row: LatencyRow = {
        metric: String(at(latencyFrame, 'metric', i) ?? ''),
        label: String(at(latencyFrame, 'label', i) ?? ''),
      };
      for (const f of lf) {
        (row as unknown as Record<string, number | undefined>)[f] = num(at(latencyFrame, f, i));
      }
      latency.push(row);
    }
  }

  const triesFrame = series?.find((f) => f.name === 'tries');
  const tries: TryNode[] = [];
  if (triesFrame) {
    const bad = requireFields(triesFrame, [
      'tryCount',
      'target',
      'outcome',
      'spanId',
      'spanDurationNs',
      'durationNs',
      'colorIndex',
    ]);
    if (bad) {
      return { ok: false, error: bad };
    }
    for (let i = 0; i < triesFrame.length; i++) {
      const t: TryNode = {
        tryCount: num(at(triesFrame, 'tryCount', i)) ?? i + 1,
        target: String(at(triesFrame, 'target', i) ?? ''),
        peerName: String(at(triesFrame, 'peerName', i) ?? ''),
        outcome: String(at(triesFrame, 'outcome', i) ?? 'unknown'),
        spanId: String(at(triesFrame, 'spanId', i) ?? ''),
        spanDurationNs: num(at(triesFrame, 'spanDurationNs', i)) ?? 0,
        durationNs: num(at(triesFrame, 'durationNs', i)) ?? 0,
        colorIndex: Math.max(0, Math.min(6, num(at(triesFrame, 'colorIndex', i)) ?? 0)),
      };
      const code = num(at(triesFrame, 'statusCode', i));
      if (code !== undefined) {
        t.statusCode = code;
      }
      tries.push(t);
    }
  }
  const notes: MapNote[] = Array.isArray(custom.notes)
    ? (custom.notes as unknown[]).flatMap((n) => {
        const o = (n ?? {}) as Record<string, unknown>;
        return typeof o.text === 'string' ? [{ at: String(o.at ?? ''), text: o.text }] : [];
      })
    : [];
  let info: RequestInfo | undefined;
  if (custom.info && typeof custom.info === 'object') {
    const o = custom.info as Record<string, unknown>;
    info = { upstreamStatus: typeof o.upstreamStatus === 'string' ? o.upstreamStatus : 'unknown' };
    if (num(o.statusCode) !== undefined) {
      info.statusCode = num(o.statusCode);
    }
    if (typeof o.failure === 'string') {
      info.failure = o.failure;
    }
    if (num(o.spanErrorCount) !== undefined) {
      info.spanErrorCount = num(o.spanErrorCount);
    }
    if (typeof o.route === 'string') {
      info.route = o.route;
    }
  }

  return {
    ok: true,
    view: {
      tries,
      notes,
      info,
      kind,
      traceId: typeof custom.traceId === 'string' ? custom.traceId : undefined,
      sessionId: typeof custom.sessionId === 'string' ? custom.sessionId : undefined,
      dialect: typeof custom.dialect === 'string' ? custom.dialect : undefined,
      traceCount: num(custom.traceCount),
      edges: edges as Record<EdgeKey, MapNode>,
      requestPlugins,
      responsePlugins,
      latency,
    },
  };
}

/** Konnect shows latency milliseconds rounded to 0.1 ms; absent values read "n/a". */
export function formatMs(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${(Math.round(ms * 10) / 10).toFixed(1)} ms`;
}

/** Sub-metrics of 3rd-party (thirdParty.dns, ...) are drawn indented under it. */
export function isSubMetric(metric: string): boolean {
  return metric.startsWith('thirdParty.');
}
