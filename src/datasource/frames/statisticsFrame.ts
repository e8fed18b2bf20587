import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { TraceStatistics } from '../../../common/analysis/types';

/**
 * Per-trace statistics (Jaeger's "trace statistics") as a table: one row per span name (or plugin), sorted by
 * self time as the API sends them. Durations are ns numbers with Grafana's `ns` unit, so tables format them.
 */
export function buildStatisticsFrame(stats: TraceStatistics, refId?: string): DataFrame {
  const rows = stats.rows;
  const ns = { unit: 'ns' };
  return createDataFrame({
    name: 'statistics',
    refId,
    meta: {
      preferredVisualisationType: 'table',
      custom: { traceId: stats.traceId, groupBy: stats.groupBy, spanCount: stats.spanCount },
    },
    fields: [
      { name: 'name', type: FieldType.string, values: rows.map((r) => r.group) },
      { name: 'plugin', type: FieldType.string, values: rows.map((r) => r.plugin ?? '') },
      { name: 'phase', type: FieldType.string, values: rows.map((r) => r.phase ?? '') },
      { name: 'count', type: FieldType.number, values: rows.map((r) => r.count) },
      { name: 'total', type: FieldType.number, values: rows.map((r) => r.totalNs), config: ns },
      { name: 'self', type: FieldType.number, values: rows.map((r) => r.selfNs), config: ns },
      { name: 'self %', type: FieldType.number, values: rows.map((r) => r.selfPercent), config: { unit: 'percent' } },
      { name: 'min', type: FieldType.number, values: rows.map((r) => r.minNs), config: ns },
      { name: 'avg', type: FieldType.number, values: rows.map((r) => r.avgNs), config: ns },
      { name: 'max', type: FieldType.number, values: rows.map((r) => r.maxNs), config: ns },
    ],
  });
}
