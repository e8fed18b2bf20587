import type { Span } from '../api';
import { intervalOf, nameOf, traceContext } from '../lifecycle/context';
import { parsePluginSpan } from '../spans/names';
import { overlapLength, type Interval } from '../spans/time';
import type { SpanStatisticsRow, TraceStatistics } from './types';

/**
 * Per-trace statistics (Jaeger's "trace statistics" view): spans grouped by canonical name (legacy
 * names folded into current ones) or, with `plugin`, every plugin span of a plugin whatever its phase;
 * count, total, self time (the span's time not covered by its children's union, so overlapping
 * children are not subtracted twice), min/avg/max, sorted by self time descending.
 */
export function traceStatistics(traceId: string, input: Span[], groupBy: 'name' | 'plugin' = 'name'): TraceStatistics {
  const ctx = traceContext(input);
  const children = new Map<string, Interval[]>();
  for (const s of ctx.spans) {
    const i = intervalOf(ctx, s);
    if (!i || !s.parentSpanId || s.parentSpanId === s.spanId) continue;
    const list = children.get(s.parentSpanId);
    if (list) list.push(i);
    else children.set(s.parentSpanId, [i]);
  }

  interface Acc {
    row: SpanStatisticsRow;
    phases: Set<string>;
  }
  const groups = new Map<string, Acc>();
  let selfTotalNs = 0;
  for (const s of ctx.spans) {
    const i = intervalOf(ctx, s);
    const duration = i ? i.end - i.start : 0;
    const self = i ? duration - overlapLength(i, children.get(s.spanId) ?? []) : 0;
    selfTotalNs += self;
    const name = nameOf(ctx, s);
    const plugin = parsePluginSpan(name);
    const key = groupBy === 'plugin' && plugin ? `plugin ${plugin.plugin}` : name;
    let acc = groups.get(key);
    if (!acc) {
      const row: SpanStatisticsRow = { group: key, count: 0, totalNs: 0, selfNs: 0, minNs: Infinity, avgNs: 0, maxNs: 0, selfPercent: 0 };
      if (plugin) row.plugin = plugin.plugin;
      groups.set(key, (acc = { row, phases: new Set() }));
    }
    if (plugin) acc.phases.add(plugin.phase);
    const r = acc.row;
    r.count++;
    r.totalNs += duration;
    r.selfNs += self;
    r.minNs = Math.min(r.minNs, duration);
    r.maxNs = Math.max(r.maxNs, duration);
  }

  const rows = [...groups.values()].map(({ row, phases }) => {
    row.avgNs = row.totalNs / row.count;
    row.selfPercent = selfTotalNs > 0 ? Math.round((1000 * row.selfNs) / selfTotalNs) / 10 : 0;
    if (phases.size) row.phase = [...phases].join(',');
    return row;
  });
  rows.sort((a, b) => b.selfNs - a.selfNs || b.totalNs - a.totalNs || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  return { traceId, groupBy, spanCount: ctx.spans.length, selfTotalNs, rows };
}
