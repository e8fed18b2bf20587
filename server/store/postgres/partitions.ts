/**
 * Time partitions of the PostgreSQL store. Each of trace_spans, traces, session_traces and logs is split
 * into one partition per UTC day, so retention drops whole partitions instead of deleting rows.
 *
 * A row's day is its trace's start (logs: the record's time) by the gateway's clock, so a batch Kong
 * re-sends lands in the same partition and its upsert finds the first copy. Clocks can be wrong:
 * days are clamped into [oldest kept day, today + FUTURE_DAYS], so a bogus timestamp neither
 * creates a partition per distinct day nor escapes retention.
 */

export const DAY_MS = 86_400_000;
export const PARTITIONED_TABLES = ['trace_spans', 'traces', 'session_traces', 'logs'] as const;
/** how far ahead of the server's clock a gateway's timestamps may be before they are clamped */
export const FUTURE_DAYS = 2;

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** the partition day of a row whose time is `ms`, by the server's `nowMs` and the retention window */
export function partitionDay(ms: number, nowMs: number, retentionDays: number): number {
  const today = dayOf(nowMs);
  const d = Number.isFinite(ms) ? dayOf(ms) : today;
  return Math.min(today + FUTURE_DAYS, Math.max(today - retentionDays, d));
}

/** e.g. spans_d20261124 */
export function partitionName(table: string, day: number): string {
  return `${table}_d${new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** the day a partition name stands for, or undefined when the name is not one of ours */
export function dayOfPartition(table: string, name: string): number | undefined {
  const m = new RegExp(`^${table}_d(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
  if (!m) return undefined;
  return dayOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

export function createPartitionSql(table: string, day: number): string {
  return `CREATE TABLE IF NOT EXISTS ${partitionName(table, day)} PARTITION OF ${table} FOR VALUES FROM (${day}) TO (${day + 1})`;
}
