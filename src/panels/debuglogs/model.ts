/**
 * Reads the data source's dataplane log-lines frame (fields by name: timestamp, body, severity, id,
 * labels, traceID, spanID, spanName) into rows, and the pure helpers the log viewer filters with.
 */
import { DataFrame, Field, FieldType } from '@grafana/data';

export interface LogRow {
  /** row index in the frame (to evaluate the frame's data links) */
  index: number;
  timeMs: number;
  body: string;
  severity: string;
  id: string;
  labels: Record<string, unknown>;
  traceId: string;
  spanId: string;
  spanName: string;
}

export interface LogsModel {
  frame: DataFrame;
  rows: LogRow[];
  traceField?: Field;
  spanField?: Field;
}

export type LogsReadResult = { ok: true; model: LogsModel } | { ok: false; error: string } | { ok: 'empty' };

function isLogsFrame(f: DataFrame): boolean {
  return (
    f.meta?.type === 'log-lines' ||
    (f.fields.some((x) => x.name === 'timestamp') && f.fields.some((x) => x.name === 'body'))
  );
}

const str = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);

function toMs(v: unknown): number {
  if (typeof v === 'number') {
    return v;
  }
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? n : Date.parse(v);
  }
  return NaN;
}

export function readLogsFrame(series: DataFrame[] | undefined): LogsReadResult {
  const frame = series?.find(isLogsFrame);
  if (!frame) {
    return series?.some((f) => f.length > 0)
      ? { ok: false, error: 'No log-lines frame in the data (need fields timestamp and body: use a "logs" query).' }
      : { ok: 'empty' };
  }
  const get = (name: string) => frame.fields.find((f) => f.name === name);
  const ts = get('timestamp');
  const body = get('body');
  if (!ts || !body) {
    return {
      ok: false,
      error: `logs frame is missing field(s): ${[!ts && 'timestamp', !body && 'body'].filter(Boolean).join(', ')}`,
    };
  }
  if (ts.type !== FieldType.time && ts.type !== FieldType.number) {
    return { ok: false, error: `logs frame field "timestamp" must be a time field, got ${ts.type}` };
  }
  const sev = get('severity');
  const id = get('id');
  const labels = get('labels');
  const traceField = get('traceID');
  const spanField = get('spanID');
  const spanName = get('spanName');
  const rows: LogRow[] = [];
  for (let i = 0; i < frame.length; i++) {
    const l = labels?.values[i];
    rows.push({
      index: i,
      timeMs: toMs(ts.values[i]),
      body: str(body.values[i]),
      severity: str(sev?.values[i]) || 'unknown',
      id: str(id?.values[i]) || String(i),
      labels: l && typeof l === 'object' && !Array.isArray(l) ? (l as Record<string, unknown>) : {},
      traceId: str(traceField?.values[i]),
      spanId: str(spanField?.values[i]),
      spanName: str(spanName?.values[i]),
    });
  }
  // Newest first, whatever order the frame came in (stable for equal times).
  rows.sort((a, b) => b.timeMs - a.timeMs || a.index - b.index);
  return { ok: true, model: { frame, rows, traceField, spanField } };
}

/** Severity -> count, in first-seen order of a fixed severity ranking (most severe first). */
const LEVEL_ORDER = [
  'emerg',
  'alert',
  'crit',
  'critical',
  'error',
  'err',
  'warn',
  'warning',
  'notice',
  'info',
  'debug',
  'trace',
  'unknown',
];

export function levelCounts(rows: LogRow[]): Array<{ level: string; count: number }> {
  const counts = new Map<string, number>();
  for (const r of rows) {
    counts.set(r.severity, (counts.get(r.severity) ?? 0) + 1);
  }
  const rank = (l: string) => {
    const i = LEVEL_ORDER.indexOf(l.toLowerCase());
    return i < 0 ? LEVEL_ORDER.length : i;
  };
  return [...counts.entries()]
    .map(([level, count]) => ({ level, count }))
    .sort((a, b) => rank(a.level) - rank(b.level) || a.level.localeCompare(b.level));
}

export interface SpanOption {
  spanId: string;
  spanName: string;
  count: number;
}

/** The spans the lines point at (for the span filter), most lines first. */
export function spanOptions(rows: LogRow[]): SpanOption[] {
  const m = new Map<string, SpanOption>();
  for (const r of rows) {
    if (!r.spanId) {
      continue;
    }
    const o = m.get(r.spanId) ?? { spanId: r.spanId, spanName: r.spanName, count: 0 };
    o.count++;
    o.spanName ||= r.spanName;
    m.set(r.spanId, o);
  }
  return [...m.values()].sort((a, b) => b.count - a.count || a.spanName.localeCompare(b.spanName));
}

export interface LogFilter {
  /** levels hidden by the chips */
  hiddenLevels: Set<string>;
  /** only lines of this span; '' = all */
  spanId: string;
}

export function filterRows(rows: LogRow[], f: LogFilter): LogRow[] {
  if (f.hiddenLevels.size === 0 && !f.spanId) {
    return rows;
  }
  return rows.filter((r) => !f.hiddenLevels.has(r.severity) && (!f.spanId || r.spanId === f.spanId));
}
