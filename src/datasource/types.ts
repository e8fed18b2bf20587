import type { EntityInfo } from '../../common/api';
import type { DataQuery, DataSourceJsonData } from '@grafana/schema';

export const DATASOURCE_TYPE = 'kongdbg-debugger-datasource';

export type KongQueryType = 'sessions' | 'traces' | 'trace' | 'logs' | 'summary' | 'statistics' | 'annotations';

export const QUERY_TYPES: ReadonlyArray<{ value: KongQueryType; label: string; description: string }> = [
  { value: 'sessions', label: 'Sessions', description: 'Debug sessions and their status' },
  { value: 'traces', label: 'Traces', description: "Captured traces (table): a session's, or all sessions' in the time range" },
  { value: 'trace', label: 'Trace', description: 'One trace as a span tree (trace view), by trace id or Kong request id' },
  { value: 'logs', label: 'Logs', description: "A session's dataplane logs, optionally of one trace or span" },
  { value: 'summary', label: 'Summary', description: 'Lifecycle map and latency breakdown of a trace (abnormal steps with its session, compared with another) or a session' },
  { value: 'statistics', label: 'Statistics', description: 'Per-trace span statistics with self time (table)' },
  { value: 'annotations', label: 'Session events', description: 'Debug sessions as annotations: from start to stop' },
];

/**
 * One query of the Kong Debugger data source. Every string field may hold template variables
 * (`$session`, `${spanId}`); numbers are kept as numbers in the model.
 */
export interface KongDebuggerQuery extends DataQuery {
  queryType: KongQueryType;
  sessionId?: string;
  traceId?: string;
  /** Kong's request id (the X-Kong-Request-Id header): finds its trace across sessions, whatever the time range */
  requestId?: string;
  spanId?: string;
  /** logs: levels to keep (normalised Kong levels: debug, info, notice, warn, error, crit, alert, emerg) */
  levels?: string[];
  // traces: search filters mirroring TraceQueryFilters
  /** exact code "503", a class "5xx" or a range "500-599" */
  status?: string;
  minDurationMs?: number;
  method?: string;
  path?: string;
  routeId?: string;
  serviceId?: string;
  /** failed requests only (TraceListItem.error) */
  errorsOnly?: boolean;
  /** traces with any span in error, failed or not */
  spanErrorsOnly?: boolean;
  limit?: number;
  /** traces and logs: the page after this cursor (the previous page's `meta.custom.nextCursor`; logs: "load older") */
  cursor?: string;
  /**
   * traces, logs: keep the list up to date while the session runs (a streaming response fed by the session's
   * event stream, ending when the session ends). Explore's live tail turns it on for logs queries as well.
   */
  live?: boolean;
  /**
   * summary of a trace: compare it with another trace (its id) or with `typical` (the median trace of its route in
   * the session, the trace's own session when none is given); the lifecycle frame carries the comparison
   */
  compareTo?: string;
  /** statistics: one row per span name (default) or per plugin over its phases */
  groupBy?: 'name' | 'plugin';
}

export const DEFAULT_QUERY: Partial<KongDebuggerQuery> = { queryType: 'traces', limit: 100 };

/** Non-secret settings (readable by viewers). */
export interface KongDebuggerOptions extends DataSourceJsonData {
  /** base URL of the kong-debugger server, e.g. http://kong-debugger:8080 (no /api suffix) */
  url?: string;
  /**
   * Grafana's own trace-to-logs settings (the shape Grafana's trace view reads from the data source that produced
   * the trace): with a Loki data source here, the trace view's "Logs for this span" opens Loki instead of our logs.
   */
  tracesToLogsV2?: TracesToLogsOptions;
}

/** Grafana's `TraceToLogsOptionsV2` (@grafana/o11y-ds-frontend), the fields its trace view reads. */
export interface TracesToLogsOptions {
  datasourceUid?: string;
  tags?: Array<{ key: string; value?: string }>;
  spanStartTimeShift?: string;
  spanEndTimeShift?: string;
  filterByTraceID?: boolean;
  filterBySpanID?: boolean;
  customQuery?: boolean;
  query?: string;
}

/** Secret settings, only ever sent to Grafana's server and injected by the `api` proxy route. */
export interface KongDebuggerSecureOptions {
  apiToken?: string;
}

/** Routes/services (and consumers) known to the backend, for pickers: Kong's names, or ids seen in traffic. */
export interface Entities {
  routes: EntityInfo[];
  services: EntityInfo[];
  consumers?: EntityInfo[];
}
