import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError, type BackendSrvRequest } from '@grafana/runtime';
import type {
  ApiError,
  CreateSessionRequest,
  ExpressionError,
  Health,
  LogList,
  LogQueryFilters,
  Session,
  SessionList,
  SessionSummary,
  TraceDetail,
  TraceList,
  TraceQueryFilters,
  TraceSearchFilters,
  TraceSearchResult,
  TraceSummary,
  ValidateExpressionResponse,
} from '../../common/api';
import type { TraceComparison, TraceStanding, TraceStatistics, UploadResult } from '../../common/analysis/types';
import type { Entities } from './types';

/**
 * REST paths of the kong-debugger server, relative to the data source proxy route `api`
 * (plugin.json: `{{ .JsonData.url }}/api`, so `${dsUrl}/api/v1/sessions` reaches `<server>/api/v1/sessions`).
 * Kept in one place so the contract is visible at a glance.
 */
export const API_PATHS = {
  health: () => 'v1/health',
  entities: () => 'v1/entities',
  sessions: () => 'v1/sessions',
  session: (id: string) => `v1/sessions/${enc(id)}`,
  stopSession: (id: string) => `v1/sessions/${enc(id)}/stop`,
  sessionTraces: (id: string) => `v1/sessions/${enc(id)}/traces`,
  /** the tenant's traces across its sessions */
  traces: () => 'v1/traces',
  sessionLogs: (id: string) => `v1/sessions/${enc(id)}/logs`,
  /** server-sent events (live queries); served by the `api/v1/sessions` GET route, whose prefix it shares */
  sessionStream: (id: string) => `v1/sessions/${enc(id)}/stream`,
  sessionSummary: (id: string) => `v1/sessions/${enc(id)}/summary`,
  trace: (traceId: string) => `v1/traces/${enc(traceId)}`,
  traceSummary: (traceId: string) => `v1/traces/${enc(traceId)}/summary`,
  traceLogs: (traceId: string) => `v1/traces/${enc(traceId)}/logs`,
  validateExpression: () => 'v1/expressions/validate',
  compare: (a: string, b: string) => `v1/traces/${enc(a)}/compare/${enc(b)}`,
  abnormal: (traceId: string) => `v1/traces/${enc(traceId)}/abnormal`,
  statistics: (traceId: string) => `v1/traces/${enc(traceId)}/statistics`,
  exportTrace: (traceId: string) => `v1/traces/${enc(traceId)}/export`,
  /** its own proxy route without the Editor role (see uploadTrace) */
  uploads: () => 'v1/uploads',
};

/** `GET /api/v1/sessions` query (server/api/sessions.ts). */
export interface SessionListFilters {
  alert?: string;
  alertRule?: string;
}

/** "Compare with a typical trace": the comparison plus which trace was picked and from what. */
export type TypicalComparison = TraceComparison & { typical: { traceId: string; sessionId: string; basis: 'route' | 'session'; routeId?: string } };

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/**
 * A failed call, carrying what the backend said. `status` is 0 when no HTTP answer came back at all;
 * `errors` holds expression errors when a rule was rejected.
 */
export class DebuggerApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: ExpressionError[] = [],
    readonly body?: unknown
  ) {
    super(message);
    this.name = 'DebuggerApiError';
  }
}

function isApiErrorBody(data: unknown): data is ApiError {
  return typeof data === 'object' && data !== null && typeof (data as ApiError).message === 'string';
}

/** Turns whatever getBackendSrv().fetch threw into a DebuggerApiError with the backend's own message when there is one. */
export function toApiError(err: unknown, what: string): DebuggerApiError {
  if (err instanceof DebuggerApiError) {
    return err;
  }
  if (isFetchError(err)) {
    const status = err.status ?? 0;
    if (isApiErrorBody(err.data)) {
      const errors = Array.isArray(err.data.errors) ? err.data.errors : [];
      return new DebuggerApiError(err.data.message, status, errors, err.data);
    }
    const statusText = err.statusText ? ` ${err.statusText}` : '';
    const detail = status === 0 ? 'no response (server unreachable?)' : `HTTP ${status}${statusText}`;
    return new DebuggerApiError(`${what} failed: ${detail}`, status, [], err.data);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DebuggerApiError(`${what} failed: ${message}`, 0);
}

/** Query-string parameters without undefined/empty values (the backend would read "" as a filter). */
export function toParams(filters: object): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      continue;
    }
    params[key] = value as string | number | boolean;
  }
  return params;
}

/**
 * Typed client of the kong-debugger REST API (common/api.ts), always through Grafana's data source proxy so the
 * API token never reaches the browser. Used by the data source's query() and by the app pages.
 */
export class DebuggerApi {
  /** @param proxyUrl the data source instance's `url` (Grafana's proxy base, e.g. /api/datasources/proxy/uid/abc) */
  constructor(private readonly proxyUrl: string) {}

  /**
   * The tenant's sessions; `alert` (a fingerprint) or `alertRule` (a Grafana rule's uid) narrows to the sessions
   * that alert or that rule's alerts started.
   */
  listSessions(filters: SessionListFilters = {}): Promise<Session[]> {
    const params = toParams(filters);
    return this.request<SessionList>('list sessions', { url: API_PATHS.sessions(), ...(Object.keys(params).length ? { params } : {}) }).then((r) => r.sessions);
  }

  getSession(id: string): Promise<Session> {
    return this.request<Session>('get session', { url: API_PATHS.session(id) });
  }

  createSession(req: CreateSessionRequest): Promise<Session> {
    return this.request<Session>('create session', { url: API_PATHS.sessions(), method: 'POST', data: req });
  }

  stopSession(id: string): Promise<Session> {
    return this.request<Session>('stop session', { url: API_PATHS.stopSession(id), method: 'POST', data: {} });
  }

  async deleteSession(id: string): Promise<void> {
    await this.request<unknown>('delete session', { url: API_PATHS.session(id), method: 'DELETE' });
  }

  validateExpression(expression: string): Promise<ValidateExpressionResponse> {
    return this.request<ValidateExpressionResponse>('validate expression', {
      url: API_PATHS.validateExpression(),
      method: 'POST',
      data: { expression },
    });
  }

  listTraces(sessionId: string, filters: TraceQueryFilters = {}): Promise<TraceList> {
    return this.request<TraceList>('list traces', { url: API_PATHS.sessionTraces(sessionId), params: toParams(filters) });
  }

  /** across the tenant's sessions; `attributes` go as `attr.<key>` parameters */
  searchTraces(filters: TraceSearchFilters = {}): Promise<TraceSearchResult> {
    const { attributes, ...rest } = filters;
    const params = toParams(rest);
    for (const [k, v] of Object.entries(attributes ?? {})) {
      params[`attr.${k}`] = v;
    }
    return this.request<TraceSearchResult>('search traces', { url: API_PATHS.traces(), params });
  }

  getTrace(traceId: string): Promise<TraceDetail> {
    return this.request<TraceDetail>('get trace', { url: API_PATHS.trace(traceId) });
  }

  getTraceSummary(traceId: string): Promise<TraceSummary> {
    return this.request<TraceSummary>('get trace summary', { url: API_PATHS.traceSummary(traceId) });
  }

  getSessionSummary(sessionId: string): Promise<SessionSummary> {
    return this.request<SessionSummary>('get session summary', { url: API_PATHS.sessionSummary(sessionId) });
  }

  listLogs(sessionId: string, filters: LogQueryFilters = {}): Promise<LogList> {
    return this.request<LogList>('list logs', { url: API_PATHS.sessionLogs(sessionId), params: toParams(filters) });
  }

  /** A trace's logs without its session: the server reads them from the session that holds them (named in the answer). */
  listTraceLogs(traceId: string, filters: Omit<LogQueryFilters, 'traceId'> = {}): Promise<LogList> {
    return this.request<LogList>('list trace logs', { url: API_PATHS.traceLogs(traceId), params: toParams(filters) });
  }

  listEntities(): Promise<Entities> {
    return this.request<Entities>('list entities', { url: API_PATHS.entities() });
  }

  compareTraces(a: string, b: string): Promise<TraceComparison> {
    return this.request<TraceComparison>('compare traces', { url: API_PATHS.compare(a, b) });
  }

  compareWithTypical(traceId: string, sessionId?: string): Promise<TypicalComparison> {
    return this.request<TypicalComparison>('compare with a typical trace', { url: API_PATHS.compare(traceId, 'typical'), params: toParams({ sessionId }) });
  }

  getAbnormal(traceId: string, sessionId?: string): Promise<TraceStanding> {
    return this.request<TraceStanding>('get abnormal steps', { url: API_PATHS.abnormal(traceId), params: toParams({ sessionId }) });
  }

  getStatistics(traceId: string, groupBy?: 'name' | 'plugin'): Promise<TraceStatistics> {
    return this.request<TraceStatistics>('get trace statistics', { url: API_PATHS.statistics(traceId), params: toParams({ groupBy }) });
  }

  /** The trace as a file: OTLP/JSON (`json`) or a zip with its logs; the caller saves the blob. */
  exportTrace(traceId: string, format: 'json' | 'zip'): Promise<Blob> {
    return this.request<Blob>('download trace', { url: API_PATHS.exportTrace(traceId), params: { format }, responseType: 'blob' });
  }

  /** Uploads one file (OTLP/JSON or protobuf, Konnect's export, our zip) into the tenant's Uploads session. */
  uploadTrace(file: Blob): Promise<UploadResult> {
    // Its proxy route has no Editor role (plugin.json `api/v1/uploads`): a Grafana Viewer may upload, as in Konnect.
    // A Blob (a File is one) is the body type Grafana's fetch sends as is; other objects it would serialise.
    return this.request<UploadResult>('upload trace', { url: API_PATHS.uploads(), method: 'POST', data: file, headers: { 'Content-Type': 'application/octet-stream' } });
  }

  health(): Promise<Health> {
    return this.request<Health>('health check', { url: API_PATHS.health() });
  }

  /** Through the data source proxy: `<proxy>/api/<path>` reaches `<server>/api/<path>` (plugin.json routes, one per resource). */
  private async request<T>(what: string, opts: BackendSrvRequest): Promise<T> {
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<T>({
          ...opts,
          url: `${this.proxyUrl}/api/${opts.url}`,
          // We show errors where they happen (query error, form message), not as global toasts.
          showErrorAlert: false,
        })
      );
      return response.data;
    } catch (err) {
      throw toApiError(err, what);
    }
  }
}
