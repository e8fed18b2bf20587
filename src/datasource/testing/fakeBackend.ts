/**
 * Stands in for Grafana's data source proxy + the kong-debugger server in tests (neither can run here): a
 * BackendSrv whose fetch() routes `${proxyUrl}/api/v1/...` to an in-memory server that answers like the real API
 * (common/api.ts shapes, ApiError bodies, 401 without the token the proxy route would inject).
 * Summaries are computed with the same common/lifecycle code the server uses.
 */
import { Observable } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import type { ApiError, LogRecord, Session, TraceDetail, TraceListItem } from '../../../common/api';
import { digestTrace, summarizeSession, traceSummary } from '../../../common/lifecycle';
import { traceListItem } from './fixtures';
import { compareTraces, mapNodes, traceStanding, traceStatistics, typicalTrace } from '../../../common/analysis';

export interface FakeServerState {
  sessions: Session[];
  /** traces per session id */
  traces: Record<string, TraceDetail[]>;
  logs: Record<string, LogRecord[]>;
  /** the token the proxy injects; `undefined` simulates a data source saved without one */
  token?: string;
  expectedToken: string;
  /** simulate the proxy failing to reach the server */
  unreachable?: boolean;
  /** abnormal steps: traces a node needs before its p95 is judged (the server's MIN_SAMPLES by default) */
  minSamples?: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  params: Record<string, unknown>;
  data?: unknown;
}

type Reply = { status: number; data: unknown };

const apiError = (statusCode: number, error: string, message: string, errors?: ApiError['errors']): Reply => ({
  status: statusCode,
  data: { statusCode, error, message, ...(errors ? { errors } : {}) },
});

/** The server's log list contract: newest first, filters, `limit` (default 100) and an opaque `cursor` (an offset here). */
function logPage(all: LogRecord[], params: Record<string, unknown>): { logs: LogRecord[]; nextCursor?: string } {
  let logs = [...all].sort((a, b) => (BigInt(b.timeUnixNano) > BigInt(a.timeUnixNano) ? 1 : BigInt(b.timeUnixNano) < BigInt(a.timeUnixNano) ? -1 : 0));
  if (params.traceId) {
    logs = logs.filter((l) => l.traceId === params.traceId);
  }
  if (params.spanId) {
    logs = logs.filter((l) => l.spanId === params.spanId);
  }
  if (params.level) {
    const levels = String(params.level).split(',');
    logs = logs.filter((l) => levels.includes(l.level));
  }
  const start = params.cursor === undefined ? 0 : Number(params.cursor);
  const limit = params.limit === undefined ? 100 : Number(params.limit);
  const page = logs.slice(start, start + limit);
  return start + limit < logs.length ? { logs: page, nextCursor: String(start + limit) } : { logs: page };
}

export class FakeDebuggerServer {
  calls: RecordedCall[] = [];
  constructor(public state: FakeServerState) {}

  handle(method: string, path: string, params: Record<string, unknown>, data: unknown): Reply {
    this.calls.push({ method, path, params, data });
    if (path === 'v1/health') {
      return { status: 200, data: { status: 'ok', version: '0.1.0', store: 'sqlite', uptimeSeconds: 5, runningSessions: 1 } };
    }
    if (this.state.token !== this.state.expectedToken) {
      return apiError(401, 'Unauthorized', 'missing or invalid API token');
    }
    const seg = path.split('/').map(decodeURIComponent); // ['v1', 'sessions', id, ...]
    const sessionById = (id: string) => this.state.sessions.find((s) => s.id === id);
    if (seg[1] === 'sessions') {
      if (seg.length === 2 && method === 'GET') {
        // the server's filters (server/api/sessions.ts): an alert's fingerprint, a Grafana rule's uid
        const { alert, alertRule } = params;
        const sessions = this.state.sessions.filter(
          (s) => (alert === undefined || s.alert?.fingerprint === alert) && (alertRule === undefined || s.alert?.ruleUid === alertRule)
        );
        return { status: 200, data: { sessions } };
      }
      const s = sessionById(seg[2]);
      if (!s) {
        return apiError(404, 'Not Found', `session ${seg[2]} not found`);
      }
      const traces = this.state.traces[s.id] ?? [];
      switch (seg[3]) {
        case undefined:
          return { status: 200, data: s };
        case 'traces': {
          let items = traces.map(traceListItem);
          if (params.errorsOnly === true || params.errorsOnly === 'true') {
            items = items.filter((t) => t.error);
          }
          if (params.from !== undefined) {
            items = items.filter((t) => t.startTimeMs >= Number(params.from) && t.startTimeMs <= Number(params.to));
          }
          return { status: 200, data: { traces: items } };
        }
        case 'logs':
          return { status: 200, data: logPage(this.state.logs[s.id] ?? [], params) };
        case 'summary':
          return {
            status: 200,
            data: summarizeSession(s.id, traces.map((t) => digestTrace(traceSummary(t.traceId, t.spans)))),
          };
      }
    }
    if (seg[1] === 'traces' && seg.length === 2 && method === 'GET') {
      // GET /api/v1/traces: across sessions, newest first, each with the sessions holding it (a few of its filters)
      const held = new Map<string, { item: TraceListItem; sessionIds: string[] }>();
      for (const [sessionId, list] of Object.entries(this.state.traces)) {
        for (const t of list) {
          const row = held.get(t.traceId) ?? { item: traceListItem(t), sessionIds: [] };
          row.sessionIds.push(sessionId);
          held.set(t.traceId, row);
        }
      }
      if (params.traceId !== undefined && !/^[0-9a-f]{32}$/i.test(String(params.traceId))) {
        return apiError(400, 'Bad Request', `invalid trace id "${String(params.traceId)}": expected 32 hex characters (or the base64 of 16 bytes)`);
      }
      const items = [...held.values()]
        .map(({ item, sessionIds }) => ({ ...item, sessionIds }))
        .filter((t) => params.requestId === undefined || t.requestId === params.requestId)
        .filter((t) => params.traceId === undefined || t.traceId === String(params.traceId).toLowerCase())
        .filter((t) => !(params.errorsOnly === true || params.errorsOnly === 'true') || t.error)
        .filter((t) => params.from === undefined || (t.startTimeMs >= Number(params.from) && t.startTimeMs <= Number(params.to)))
        .sort((a, b) => b.startTimeMs - a.startTimeMs)
        .slice(0, params.limit === undefined ? 50 : Number(params.limit));
      return { status: 200, data: { traces: items } };
    }
    if (seg[1] === 'traces') {
      const trace = Object.values(this.state.traces)
        .flat()
        .find((t) => t.traceId === seg[2]);
      if (!trace) {
        return apiError(404, 'Not Found', `trace ${seg[2]} not found`);
      }
      if (seg[3] === 'logs') {
        // the server answers from the session that holds the trace's logs, and names it
        const sessionId = Object.keys(this.state.logs).find((id) => this.state.logs[id].some((l) => l.traceId === trace.traceId));
        if (!sessionId) {
          return { status: 200, data: { logs: [] } };
        }
        return { status: 200, data: { ...logPage(this.state.logs[sessionId], { ...params, traceId: trace.traceId }), sessionId } };
      }
      if (seg[3] === 'statistics') {
        return { status: 200, data: traceStatistics(trace.traceId, trace.spans, params.groupBy === 'plugin' ? 'plugin' : 'name') };
      }
      if (seg[3] === 'compare') {
        // as the server: another trace by id, or `typical` (here: the session's median trace by total latency)
        const all = Object.values(this.state.traces).flat();
        const sessionsOf = (id: string) => Object.keys(this.state.traces).filter((k) => this.state.traces[k].some((t) => t.traceId === id));
        const side = (t: TraceDetail) => ({ summary: traceSummary(t.traceId, t.spans), spans: t.spans, sessionIds: sessionsOf(t.traceId) });
        if (seg[4] !== 'typical') {
          const other = all.find((t) => t.traceId === seg[4]);
          return other ? { status: 200, data: compareTraces(side(trace), side(other)) } : apiError(404, 'Not Found', `trace ${seg[4]} not found`);
        }
        const sessionId = String(params.sessionId ?? sessionsOf(trace.traceId)[0] ?? '');
        const candidates = (this.state.traces[sessionId] ?? []).map((t) => {
          const sum = traceSummary(t.traceId, t.spans);
          return { traceId: t.traceId, totalMs: sum.latency.totalMs, startTimeMs: sum.startTimeMs };
        });
        const typical = typicalTrace(candidates, trace.traceId);
        const other = all.find((t) => t.traceId === typical);
        if (!other) {
          return apiError(404, 'Not Found', `session "${sessionId}" has no other trace with a total latency to compare trace ${trace.traceId} with`);
        }
        return { status: 200, data: { ...compareTraces(side(trace), side(other)), typical: { traceId: other.traceId, sessionId, basis: 'session' } } };
      }
      if (seg[3] === 'abnormal') {
        const sessionId = String(params.sessionId ?? '');
        const digests = (this.state.traces[sessionId] ?? []).map((t) => digestTrace(traceSummary(t.traceId, t.spans)));
        const nodes = mapNodes(traceSummary(trace.traceId, trace.spans).lifecycle);
        return { status: 200, data: traceStanding({ traceId: trace.traceId, sessionId, nodes, sessionDigests: digests, minSamples: this.state.minSamples }) };
      }
      return { status: 200, data: seg[3] === 'summary' ? traceSummary(trace.traceId, trace.spans) : trace };
    }
    if (path === 'v1/expressions/validate' && method === 'POST') {
      const expression = String((data as { expression?: string })?.expression ?? '');
      const valid = !expression.includes('==='); // a known-bad token is enough for the client's contract
      return {
        status: 200,
        data: valid ? { valid, errors: [] } : { valid, errors: [{ message: 'unexpected "="', start: expression.indexOf('===') + 2, end: expression.indexOf('===') + 3 }] },
      };
    }
    return apiError(404, 'Not Found', `no route ${method} /api/${path}`);
  }
}

/** A BackendSrv whose fetch() is answered by `server`, as Grafana's proxy at `proxyUrl` would. */
export function fakeBackendSrv(server: FakeDebuggerServer, proxyUrl: string): BackendSrv {
  const fetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable<FetchResponse<T>>((subscriber) => {
      const prefix = `${proxyUrl}/api/`;
      if (!options.url.startsWith(prefix)) {
        subscriber.error({ status: 404, statusText: 'Not Found', data: { message: `not a proxy route: ${options.url}` }, config: options });
        return;
      }
      if (server.state.unreachable) {
        // What Grafana's proxy sends when the target refuses the connection.
        subscriber.error({ status: 502, statusText: 'Bad Gateway', data: { message: 'Bad Gateway' }, config: options });
        return;
      }
      const reply = server.handle(
        options.method ?? 'GET',
        options.url.slice(prefix.length),
        (options.params ?? {}) as Record<string, unknown>,
        options.data
      );
      // JSON round-trip: the real client only ever sees serialised data.
      const data = JSON.parse(JSON.stringify(reply.data ?? null));
      if (reply.status >= 400) {
        subscriber.error({ status: reply.status, statusText: String(reply.status), data, config: options });
        return;
      }
      subscriber.next({
        data: data as T,
        status: reply.status,
        statusText: 'OK',
        ok: true,
        headers: new Headers(),
        redirected: false,
        type: 'basic',
        url: options.url,
        config: options,
      });
      subscriber.complete();
    });
  return { fetch } as unknown as BackendSrv;
}
