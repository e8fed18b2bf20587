import {
  DataSourceApi,
  LoadingState,
  type DataFrame,
  type DataQueryError,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
  type TimeRange,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { catchError, from, map, merge, of, type Observable } from 'rxjs';
import type { LogQueryFilters, TraceQueryFilters, TraceSearchItem } from '../../common/api';
import { logMatches, traceMatches } from '../../common/live/match';
import { fetchStream, LiveStreamError, type LiveConnector } from './live/connect';
import { liveQuery } from './live/liveQuery';
import { sessionAnnotations, buildSessionEventsFrame } from './annotations';
import { API_PATHS, DebuggerApi, DebuggerApiError } from './api';
import type { DsRef } from './frames/links';
import { buildLogsFrame } from './frames/logsFrame';
import { buildSessionsFrame } from './frames/sessionsFrame';
import { buildSessionSummaryFrames, buildTraceSummaryFrames, withTraceAnalysis } from './frames/summaryFrames';
import { buildStatisticsFrame } from './frames/statisticsFrame';
import { buildTraceFrame, compareNs } from './frames/traceFrame';
import { buildTracesFrame } from './frames/tracesFrame';
import { DEFAULT_QUERY, type KongDebuggerOptions, type KongDebuggerQuery } from './types';
import { interpolateQuery } from './interpolate';
import { KongVariableSupport, sessionOptions } from './variables';

/** Log lines per page when a query sets no limit (the server's own default) */
export const DEFAULT_LOGS_LIMIT = 100;

/** A query that cannot run as written (missing id); reported on its own refId, other queries still return data. */
export class QueryInputError extends Error {}

/**
 * Frontend-only data source for the kong-debugger server. Every call goes through Grafana's data source proxy
 * (`routes` in plugin.json inject the API token), so the browser never holds the token.
 */
export class KongDebuggerDataSource extends DataSourceApi<KongDebuggerQuery, KongDebuggerOptions> {
  readonly api: DebuggerApi;
  /** opens a session's event stream through the proxy (live queries); tests put a fake here */
  connectLive: LiveConnector = fetchStream();
  private readonly proxyUrl: string;
  private readonly serverUrl?: string;
  /** Kong's names by `kind:id`, read at most once a minute (the server refreshes them from Kong every minute) */
  private names?: { atMs: number; names: Promise<Map<string, string>> };

  constructor(instanceSettings: DataSourceInstanceSettings<KongDebuggerOptions>) {
    super(instanceSettings);
    this.proxyUrl = instanceSettings.url ?? '';
    this.api = new DebuggerApi(this.proxyUrl);
    this.serverUrl = instanceSettings.jsonData?.url;
    this.variables = new KongVariableSupport(this);
    this.annotations = sessionAnnotations;
  }

  /** Kong's route, service and consumer names; empty when they cannot be read (ids are shown then) */
  private entityNames(): Promise<Map<string, string>> {
    if (!this.names || Date.now() - this.names.atMs > 60_000) {
      const names = this.api.listEntities().then(
        (list) => {
          const m = new Map<string, string>();
          for (const [kind, items] of [['route', list.routes], ['service', list.services], ['consumer', list.consumers ?? []]] as const) {
            for (const e of items) {
              if (e.name) {
                m.set(`${kind}:${e.id}`, e.name);
              }
            }
          }
          return m;
        },
        () => new Map<string, string>()
      );
      this.names = { atMs: Date.now(), names };
    }
    return this.names.names;
  }

  getDefaultQuery(): Partial<KongDebuggerQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: KongDebuggerQuery): boolean {
    return !query.hide;
  }

  applyTemplateVariables(query: KongDebuggerQuery, scopedVars: ScopedVars): KongDebuggerQuery {
    return interpolateQuery(query, scopedVars, getTemplateSrv());
  }

  /** Used when a dashboard panel is opened in Explore: the queries must carry concrete values. */
  interpolateVariablesInQueries(queries: KongDebuggerQuery[], scopedVars: ScopedVars): KongDebuggerQuery[] {
    return queries.map((q) => ({ ...this.applyTemplateVariables(q, scopedVars), datasource: this.getRef() }));
  }

  getQueryDisplayText(query: KongDebuggerQuery): string {
    const parts: string[] = [query.queryType];
    for (const key of ['sessionId', 'traceId', 'requestId', 'spanId'] as const) {
      if (query[key]) {
        parts.push(`${key}=${query[key]}`);
      }
    }
    // a summary's comparison is part of what it asks ("typical" or the other trace's id)
    if (query.queryType === 'summary' && query.compareTo) {
      parts.push(`compareTo=${query.compareTo}`);
    }
    return parts.join(' ');
  }

  /**
   * Live queries (`live: true`, or Explore's live tail) of a running session's traces or logs answer with an
   * Observable that streams (see live/liveQuery.ts); everything else is one answer.
   */
  query(request: DataQueryRequest<KongDebuggerQuery>): Promise<DataQueryResponse> | Observable<DataQueryResponse> {
    const queries = request.targets
      .filter((q) => this.filterQuery(q))
      .map((q) => this.applyTemplateVariables(q, request.scopedVars));
    const isLive = (q: KongDebuggerQuery) => (q.queryType === 'traces' || q.queryType === 'logs') && Boolean(q.live || request.liveStreaming);
    if (!queries.some(isLive)) {
      return this.queryOnce(queries, request.range);
    }
    return merge(
      ...queries.map((q) =>
        isLive(q)
          ? this.liveQuery(q, request.range)
          : from(this.runQuery(q, request.range)).pipe(
              map((data): DataQueryResponse => ({ data, key: q.refId, state: LoadingState.Done })),
              catchError((err) => of<DataQueryResponse>({ data: [], key: q.refId, state: LoadingState.Error, errors: [toQueryError(err, q.refId)] }))
            )
      )
    );
  }

  private async queryOnce(queries: KongDebuggerQuery[], range: TimeRange | undefined): Promise<DataQueryResponse> {
    const results = await Promise.allSettled(queries.map((q) => this.runQuery(q, range)));

    const data: DataFrame[] = [];
    const errors: DataQueryError[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        data.push(...result.value);
      } else {
        errors.push(toQueryError(result.reason, queries[i].refId));
      }
    });
    return errors.length ? { data, errors, error: errors[0] } : { data };
  }

  /** A running session's traces or logs, kept up to date from its event stream until the session ends. */
  private liveQuery(q: KongDebuggerQuery, range: TimeRange | undefined): Observable<DataQueryResponse> {
    const ds: DsRef = { uid: this.uid, name: this.name };
    if (!q.sessionId) {
      const error = toQueryError(new QueryInputError('A live query needs a session: pick one (or set the $session variable).'), q.refId);
      return of({ data: [], key: q.refId, state: LoadingState.Error, errors: [error] });
    }
    const sessionId = q.sessionId;
    const url = `${this.proxyUrl}/api/${API_PATHS.sessionStream(sessionId)}?since=now`;
    const toError = (err: unknown) => toQueryError(err, q.refId);
    // the list as it stands keeps to the range; streamed rows only to its start (a live list grows past its end)
    const bounds = range ? { from: range.from.valueOf(), to: range.to.valueOf() } : {};
    const since = range ? { from: range.from.valueOf() } : {};
    if (q.queryType === 'traces') {
      const filters = this.traceFilters(q);
      const limit = q.limit ?? 100;
      // Kong's names for the rules' ids, as the one-shot list shows them (read with the list)
      let entityNames: Map<string, string> | undefined;
      return liveQuery({
        refId: q.refId,
        url,
        connect: this.connectLive,
        toError,
        list: {
          event: 'traces',
          rows: (d) => ('traces' in d ? d.traces : []),
          initial: async () => {
            const [list, names] = await Promise.all([this.api.listTraces(sessionId, { ...filters, limit, ...bounds }), this.entityNames()]);
            entityNames = names;
            return list.traces;
          },
          id: (t) => t.traceId,
          matches: (t) => traceMatches(t, { ...filters, ...since }),
          order: (a, b) => b.startTimeMs - a.startTimeMs || (a.traceId < b.traceId ? 1 : -1),
          limit,
          frame: (rows) => buildTracesFrame(rows, { ds, refId: q.refId, sessionId, entityNames }),
        },
      });
    }
    const filters: LogQueryFilters = {
      traceId: q.traceId || undefined,
      spanId: q.spanId || undefined,
      level: q.levels?.length ? q.levels.join(',') : undefined,
    };
    const limit = q.limit ?? 100;
    const scoped = Boolean(q.traceId || q.spanId);
    return liveQuery({
      refId: q.refId,
      url,
      connect: this.connectLive,
      toError,
      list: {
        event: 'logs',
        rows: (d) => ('logs' in d ? d.logs : []),
        initial: async () => (await this.api.listLogs(sessionId, { ...filters, limit, ...(scoped ? {} : bounds) })).logs,
        id: (l) => l.id,
        matches: (l) => logMatches(l, { ...filters, ...(scoped ? {} : since) }),
        order: (a, b) => compareNs(b.timeUnixNano, a.timeUnixNano) || Number(b.id) - Number(a.id),
        limit,
        frame: (rows) => buildLogsFrame(rows, { ds, refId: q.refId, sessionId }),
      },
    });
  }

  /** the traces query's filters as the API takes them */
  private traceFilters(q: KongDebuggerQuery): TraceQueryFilters {
    return {
      status: q.status,
      minDurationMs: q.minDurationMs,
      method: q.method,
      path: q.path,
      routeId: q.routeId,
      serviceId: q.serviceId,
      errorsOnly: q.errorsOnly || undefined,
      spanErrorsOnly: q.spanErrorsOnly || undefined,
    };
  }

  private async runQuery(q: KongDebuggerQuery, range: TimeRange | undefined): Promise<DataFrame[]> {
    const ds: DsRef = { uid: this.uid, name: this.name };
    const bounds = range ? { from: range.from.valueOf(), to: range.to.valueOf() } : {};
    switch (q.queryType) {
      case 'sessions': {
        // With a session id: that one session (the app's session page header). Rules show Kong's names once known.
        const [sessions, entityNames] = await Promise.all([
          q.sessionId ? this.api.getSession(q.sessionId).then((s) => [s]) : this.api.listSessions(),
          this.entityNames(),
        ]);
        return [buildSessionsFrame(sessions, { ds, refId: q.refId, entityNames })];
      }
      case 'traces': {
        if (q.sessionId && !q.requestId) {
          const sessionId = q.sessionId;
          const [list, entityNames] = await Promise.all([
            this.api.listTraces(sessionId, { ...this.traceFilters(q), limit: q.limit, cursor: q.cursor || undefined, ...bounds }),
            this.entityNames(),
          ]);
          return [buildTracesFrame(list.traces, { ds, refId: q.refId, sessionId, nextCursor: list.nextCursor, entityNames })];
        }
        // Without a session: every session of the token's tenant in the time range. A request id names one request,
        // found whatever the time range (a header pasted from a ticket days later).
        const [list, entityNames] = await Promise.all([
          this.api.searchTraces({ ...this.traceFilters(q), limit: q.limit, cursor: q.cursor || undefined, requestId: q.requestId, ...(q.requestId ? {} : bounds) }),
          this.entityNames(),
        ]);
        return [buildTracesFrame(list.traces, { ds, refId: q.refId, nextCursor: list.nextCursor, partial: list.partial, entityNames })];
      }
      case 'trace': {
        if (!q.requestId) {
          required(q.traceId, 'A trace query needs a trace id or a Kong request id.');
        }
        // By trace id the trace, its standing and the names load at once; what no trace id names is looked up as
        // Kong's request id (users paste X-Kong-Request-Id, 32 hex characters like a trace id, into Explore).
        const direct = q.requestId ? undefined : this.api.getTrace(q.traceId!).catch((err: unknown) => this.unlessMissing(err));
        const [byId, standingById, entityNames] = await Promise.all([
          direct,
          direct && q.sessionId ? this.api.getAbnormal(q.traceId!, q.sessionId).catch(() => undefined) : undefined,
          this.entityNames(),
        ]);
        if (byId) {
          return [buildTraceFrame(byId, { ds, refId: q.refId, sessionId: q.sessionId || undefined, standing: standingById, entityNames })];
        }
        const found = await this.byRequestId(q.requestId || q.traceId!, Boolean(q.requestId));
        const sessionId = q.sessionId || found.sessionIds[0];
        // With a session, steps above its p95 carry a warning in the span details (the trace still shows if that fails).
        const [trace, standing] = await Promise.all([
          this.api.getTrace(found.traceId),
          sessionId ? this.api.getAbnormal(found.traceId, sessionId).catch(() => undefined) : undefined,
        ]);
        return [buildTraceFrame(trace, { ds, refId: q.refId, sessionId, standing, entityNames })];
      }
      case 'logs': {
        // Without a session a trace's (span's) logs still come: the server finds the session holding them, so
        // "Logs for this span" works on a trace opened by id.
        const traceId = q.traceId || undefined;
        const sessionId = q.sessionId || undefined;
        if (!sessionId && !traceId) {
          throw new QueryInputError('Logs are stored per session: pick one (or set the $session variable), or give a trace id.');
        }
        // A trace's or span's logs are found by id whatever the dashboard time range; session-wide logs follow it.
        const scoped = Boolean(traceId || q.spanId);
        const limit = q.limit ?? DEFAULT_LOGS_LIMIT;
        const filters = {
          spanId: q.spanId || undefined,
          level: q.levels?.length ? q.levels.join(',') : undefined,
          limit,
          cursor: q.cursor || undefined,
          ...(scoped ? {} : bounds),
        };
        const list = sessionId ? await this.api.listLogs(sessionId, { ...filters, traceId }) : await this.api.listTraceLogs(traceId!, filters);
        return [buildLogsFrame(list.logs, { ds, refId: q.refId, sessionId: sessionId ?? list.sessionId, limit, nextCursor: list.nextCursor })];
      }
      case 'summary':
        if (q.traceId) {
          return this.traceSummary(q.traceId, q);
        }
        if (q.sessionId) {
          return buildSessionSummaryFrames(await this.api.getSessionSummary(q.sessionId), q.refId);
        }
        throw new QueryInputError('A summary needs a trace id or a session.');
      case 'statistics': {
        const traceId = required(q.traceId, 'Statistics are per trace: set a trace id.');
        return [buildStatisticsFrame(await this.api.getStatistics(traceId, q.groupBy), q.refId)];
      }
      case 'annotations': {
        const all = await this.api.listSessions();
        const sessions = q.sessionId ? all.filter((x) => x.id === q.sessionId) : all;
        return [buildSessionEventsFrame(sessions, { refId: q.refId, nowMs: Date.now(), ...(range ? { fromMs: bounds.from, toMs: bounds.to } : {}) })];
      }
      default:
        throw new QueryInputError(`Unknown query type "${String((q as { queryType?: unknown }).queryType)}".`);
    }
  }

  /**
   * A trace's summary frames; with a session, its standing there (abnormal steps); with `compareTo`, its comparison
   * with that trace or the typical one. The analyses run beside the summary, and a failed one keeps the map.
   */
  private async traceSummary(traceId: string, q: KongDebuggerQuery): Promise<DataFrame[]> {
    const sessionId = q.sessionId || undefined;
    const compareTo = q.compareTo || undefined;
    const settle = <T,>(p: Promise<T> | undefined) => p?.then((value) => ({ value }), (err: unknown) => ({ error: describe(err) }));
    const [summary, standing, comparison] = await Promise.all([
      this.api.getTraceSummary(traceId),
      settle(sessionId ? this.api.getAbnormal(traceId, sessionId) : undefined),
      settle(
        compareTo === undefined
          ? undefined
          : compareTo === 'typical'
            ? this.api.compareWithTypical(traceId, sessionId)
            : this.api.compareTraces(traceId, compareTo)
      ),
    ]);
    return withTraceAnalysis(buildTraceSummaryFrames(summary, q.refId), {
      sessionId,
      standing: standing && 'value' in standing ? standing.value : undefined,
      standingError: standing && 'error' in standing ? standing.error : undefined,
      compareTo,
      comparison: comparison && 'value' in comparison ? comparison.value : undefined,
      comparisonError: comparison && 'error' in comparison ? comparison.error : undefined,
    });
  }

  /** undefined when no trace has the id (404) or it is no trace id at all (400): it may be a request id */
  private unlessMissing(err: unknown): undefined {
    if (err instanceof DebuggerApiError && (err.status === 404 || err.status === 400)) {
      return undefined;
    }
    throw err;
  }

  /** the newest trace of the tenant with this Kong request id (X-Kong-Request-Id), across sessions */
  private async byRequestId(requestId: string, typedAsRequestId: boolean): Promise<TraceSearchItem> {
    const found = (await this.api.searchTraces({ requestId, limit: 1 })).traces[0];
    if (!found) {
      throw new QueryInputError(
        typedAsRequestId ? `No stored trace has the Kong request id "${requestId}".` : `No stored trace has the trace id or Kong request id "${requestId}".`
      );
    }
    return found;
  }

  /** Dashboard variable values: the sessions (text = name, value = id). */
  async metricFindQuery(): Promise<MetricFindValue[]> {
    return sessionOptions(await this.api.listSessions());
  }

  /**
   * Save & test: first the health endpoint (is the server reachable through Grafana's proxy?), then an endpoint
   * that needs the API token (is the token right?), each failure explained.
   */
  async testDatasource(): Promise<TestDataSourceResponse> {
    if (!this.serverUrl) {
      return { status: 'error', message: 'Set the URL of the kong-debugger server (e.g. http://kong-debugger:8080).' };
    }
    let version = '';
    try {
      const health = await this.api.health();
      version = `kong-debugger ${health.version} (store: ${health.store}, running sessions: ${health.runningSessions})`;
    } catch (err) {
      return { status: 'error', message: explainConnectionError(err, this.serverUrl) };
    }
    try {
      await this.api.listSessions();
    } catch (err) {
      if (err instanceof DebuggerApiError && (err.status === 401 || err.status === 403)) {
        return {
          status: 'error',
          message: `Connected to ${version}, but the API token was rejected (HTTP ${err.status}: ${err.message}). Use a viewer or debugger token of your tenant ('kong-debugger token create') or the server's --debugger-token.`,
        };
      }
      return { status: 'error', message: `Connected to ${version}, but listing sessions failed: ${describe(err)}` };
    }
    return { status: 'success', message: `Connected to ${version}; API token accepted.` };
  }
}

function required(value: string | undefined, message: string): string {
  if (!value) {
    throw new QueryInputError(message);
  }
  return value;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Grafana's proxy answers 502/504 when it cannot reach the target; status 0 means no answer reached the browser. */
function explainConnectionError(err: unknown, serverUrl: string): string {
  const status = err instanceof DebuggerApiError ? err.status : 0;
  if (status === 0 || status === 502 || status === 503 || status === 504) {
    return `Cannot reach the kong-debugger server at ${serverUrl} from Grafana's server (${describe(err)}). Check the URL and that the server is running and reachable from Grafana.`;
  }
  if (status === 404) {
    return `${serverUrl} answered 404 for /api/v1/health: is this a kong-debugger server? (${describe(err)})`;
  }
  return `Health check failed (HTTP ${status}): ${describe(err)}`;
}

function toQueryError(reason: unknown, refId: string): DataQueryError {
  if (reason instanceof LiveStreamError) {
    return { refId, message: reason.message, status: reason.status || undefined };
  }
  if (reason instanceof DebuggerApiError) {
    const details = reason.errors.map((e) => `${e.message} [${e.start}-${e.end}]`).join('; ');
    return { refId, message: reason.message, status: reason.status || undefined, ...(details ? { data: { message: reason.message, error: details } } : {}) };
  }
  return { refId, message: describe(reason) };
}
