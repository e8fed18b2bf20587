import {
  DataSourceApi,
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
import { DebuggerApi, DebuggerApiError } from './api';
import type { DsRef } from './frames/links';
import { buildLogsFrame } from './frames/logsFrame';
import { buildSessionsFrame } from './frames/sessionsFrame';
import { buildSessionSummaryFrames, buildTraceSummaryFrames } from './frames/summaryFrames';
import { buildStatisticsFrame } from './frames/statisticsFrame';
import { buildTraceFrame } from './frames/traceFrame';
import { buildTracesFrame } from './frames/tracesFrame';
import { DEFAULT_QUERY, type KongDebuggerOptions, type KongDebuggerQuery } from './types';
import { interpolateQuery } from './interpolate';
import { KongVariableSupport, sessionOptions } from './variables';

/** A query that cannot run as written (missing id); reported on its own refId, other queries still return data. */
export class QueryInputError extends Error {}

/**
 * Frontend-only data source for the kong-debugger server. Every call goes through Grafana's data source proxy
 * (`routes` in plugin.json inject the API token), so the browser never holds the token.
 */
export class KongDebuggerDataSource extends DataSourceApi<KongDebuggerQuery, KongDebuggerOptions> {
  readonly api: DebuggerApi;
  private readonly serverUrl?: string;
  /** Kong's names by `kind:id`, read at most once a minute (the server refreshes them from Kong every minute) */
  private names?: { atMs: number; names: Promise<Map<string, string>> };

  constructor(instanceSettings: DataSourceInstanceSettings<KongDebuggerOptions>) {
    super(instanceSettings);
    this.api = new DebuggerApi(instanceSettings.url ?? '');
    this.serverUrl = instanceSettings.jsonData?.url;
    this.variables = new KongVariableSupport(this);
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
    return parts.join(' ');
  }

  async query(request: DataQueryRequest<KongDebuggerQuery>): Promise<DataQueryResponse> {
    const queries = request.targets
      .filter((q) => this.filterQuery(q))
      .map((q) => this.applyTemplateVariables(q, request.scopedVars));
    const results = await Promise.allSettled(queries.map((q) => this.runQuery(q, request.range)));

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

  private async runQuery(q: KongDebuggerQuery, range: TimeRange | undefined): Promise<DataFrame[]> {
    const ds: DsRef = { uid: this.uid, name: this.name };
    const bounds = range ? { from: range.from.valueOf(), to: range.to.valueOf() } : {};
    switch (q.queryType) {
      case 'sessions':
        return [buildSessionsFrame(await this.api.listSessions(), { ds, refId: q.refId })];
      case 'traces': {
        const filters = {
          status: q.status,
          minDurationMs: q.minDurationMs,
          method: q.method,
          path: q.path,
          routeId: q.routeId,
          serviceId: q.serviceId,
          errorsOnly: q.errorsOnly || undefined,
          spanErrorsOnly: q.spanErrorsOnly || undefined,
          limit: q.limit,
        };
        if (q.sessionId && !q.requestId) {
          const list = await this.api.listTraces(q.sessionId, { ...filters, ...bounds });
          return [buildTracesFrame(list.traces, { ds, refId: q.refId, sessionId: q.sessionId, nextCursor: list.nextCursor })];
        }
        // Without a session: every session of the token's tenant in the time range. A request id names one request,
        // found whatever the time range (a header pasted from a ticket days later).
        const list = await this.api.searchTraces({ ...filters, requestId: q.requestId, ...(q.requestId ? {} : bounds) });
        return [buildTracesFrame(list.traces, { ds, refId: q.refId, nextCursor: list.nextCursor, partial: list.partial })];
      }
      case 'trace': {
        const { traceId, sessionId } = await this.resolveTrace(q);
        // With a session, steps above its p95 carry a warning in the span details (the trace still shows if that fails).
        const [trace, standing, entityNames] = await Promise.all([
          this.api.getTrace(traceId),
          sessionId ? this.api.getAbnormal(traceId, sessionId).catch(() => undefined) : undefined,
          this.entityNames(),
        ]);
        return [buildTraceFrame(trace, { ds, refId: q.refId, sessionId, standing, entityNames })];
      }
      case 'logs': {
        const sessionId = required(q.sessionId, 'Logs are stored per session: pick one (or set the $session variable).');
        // A trace's or span's logs are found by id whatever the dashboard time range; session-wide logs follow it.
        const scoped = Boolean(q.traceId || q.spanId);
        const list = await this.api.listLogs(sessionId, {
          traceId: q.traceId || undefined,
          spanId: q.spanId || undefined,
          level: q.levels?.length ? q.levels.join(',') : undefined,
          limit: q.limit,
          ...(scoped ? {} : bounds),
        });
        return [buildLogsFrame(list.logs, { ds, refId: q.refId, sessionId })];
      }
      case 'summary':
        if (q.traceId) {
          return buildTraceSummaryFrames(await this.api.getTraceSummary(q.traceId), q.refId);
        }
        if (q.sessionId) {
          return buildSessionSummaryFrames(await this.api.getSessionSummary(q.sessionId), q.refId);
        }
        throw new QueryInputError('A summary needs a trace id or a session.');
      case 'statistics': {
        const traceId = required(q.traceId, 'Statistics are per trace: set a trace id.');
        return [buildStatisticsFrame(await this.api.getStatistics(traceId, q.groupBy), q.refId)];
      }
      default:
        throw new QueryInputError(`Unknown query type "${String((q as { queryType?: unknown }).queryType)}".`);
    }
  }

  /**
   * The trace a `trace` query names: by its request id field, else by what was typed as the trace id, which may
   * be Kong's request id too (users paste X-Kong-Request-Id, 32 hex characters like a trace id, into Explore).
   */
  private async resolveTrace(q: KongDebuggerQuery): Promise<{ traceId: string; sessionId?: string }> {
    const byRequest = async (requestId: string) => (await this.api.searchTraces({ requestId, limit: 1 })).traces[0];
    if (q.requestId) {
      const found = await byRequest(q.requestId);
      if (!found) {
        throw new QueryInputError(`No stored trace has the Kong request id "${q.requestId}".`);
      }
      return { traceId: found.traceId, sessionId: q.sessionId || found.sessionIds[0] };
    }
    const typed = required(q.traceId, 'A trace query needs a trace id or a Kong request id.');
    try {
      // a stored trace by that id: the common case costs one search, no detail fetch twice
      const asTrace = isTraceId(typed) ? (await this.api.searchTraces({ traceId: typed, limit: 1 })).traces[0] : undefined;
      if (asTrace) {
        return { traceId: asTrace.traceId, sessionId: q.sessionId || asTrace.sessionIds[0] };
      }
    } catch (err) {
      if (!(err instanceof DebuggerApiError && err.status === 400)) {
        throw err;
      }
    }
    const found = await byRequest(typed);
    if (!found) {
      throw new QueryInputError(`No stored trace has the trace id or Kong request id "${typed}".`);
    }
    return { traceId: found.traceId, sessionId: q.sessionId || found.sessionIds[0] };
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

/** what the server takes as a trace id: 32 hex characters, or the base64 of 16 bytes (Kong Enterprise's OTLP/JSON) */
function isTraceId(s: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(s) || /^[A-Za-z0-9+/_-]{22}(==)?$/.test(s);
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
  if (reason instanceof DebuggerApiError) {
    const details = reason.errors.map((e) => `${e.message} [${e.start}-${e.end}]`).join('; ');
    return { refId, message: reason.message, status: reason.status || undefined, ...(details ? { data: { message: reason.message, error: details } } : {}) };
  }
  return { refId, message: describe(reason) };
}
