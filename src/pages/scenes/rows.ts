/**
 * The app pages read the data source's frames (never the API directly): small pure readers from a frame to
 * the rows a page draws.
 */
import { DataFrameView, type DataFrame } from '@grafana/data';
import type { SessionStatus } from '../../../common/api';
import { formatSeconds } from '../format';

/** One row of the data source's `sessions` frame. */
export interface SessionRow {
  id: string;
  name: string;
  status: SessionStatus;
  ruleType: string;
  rule: string;
  traceCount: number;
  maxTraces: number;
  logCount: number;
  captureLogs: boolean;
  duration: number;
  createdAt: number | null;
  startedAt: number | null;
  endsAt: number | null;
  endedAt: number | null;
  createdBy?: string | null;
  tracingMode?: string | null;
}

/** One row of the data source's `traces` frame. */
export interface TraceRow {
  traceID: string;
  startTime: number;
  method: string;
  path: string;
  statusCode: number | null;
  upstreamStatusCode: number | null;
  duration: number;
  kongLatency: number | null;
  upstreamLatency: number | null;
  error: boolean;
  spanErrorCount: number | null;
  routeId: string;
  /** Kong's name of the route, '' when unknown */
  routeName?: string;
  serviceId: string;
  serviceName?: string;
  consumerId: string;
  clientAddress: string;
  spanCount: number;
}

export function findFrame(series: DataFrame[] | undefined, name: string, refId?: string): DataFrame | undefined {
  return series?.find((f) => f.name === name && (refId === undefined || f.refId === refId));
}

export function rowsOf<T extends object>(frame: DataFrame | undefined): T[] {
  // toArray() reuses one proxy object per row index only when iterated lazily; copy each row.
  return frame ? new DataFrameView<T>(frame).toArray().map((r) => ({ ...r })) : [];
}

export function isActiveStatus(status: SessionStatus): boolean {
  return status === 'pending' || status === 'in_progress';
}

/** "4m 05s" left while running, "—" otherwise (the same text as the CLI and the old pages). */
export function timeLeftOf(row: Pick<SessionRow, 'status' | 'endsAt' | 'duration'>, nowMs: number): string {
  if (!isActiveStatus(row.status)) {
    return '—';
  }
  if (!row.endsAt) {
    return `${formatSeconds(row.duration)} (not started)`;
  }
  return formatSeconds(Math.max(0, Math.round((row.endsAt - nowMs) / 1000)));
}

/** The session's life as an absolute time range (ISO), so a shared link shows the same traces. */
export function sessionWindow(row: Pick<SessionRow, 'createdAt' | 'endsAt' | 'endedAt' | 'duration'>, nowMs: number): { from: string; to: string } {
  const from = row.createdAt ?? nowMs;
  const to = row.endedAt ?? row.endsAt ?? from + row.duration * 1000;
  // a minute of slack: Kong stamps spans on its own clock
  return { from: new Date(from - 60_000).toISOString(), to: new Date(Math.max(to, from) + 60_000).toISOString() };
}
