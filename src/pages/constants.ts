/** App routes (the app is mounted by Grafana at /a/<app id>/). */
export const APP_ID = 'kongdbg-debugger-app';
export const DATASOURCE_TYPE = 'kongdbg-debugger-datasource';
export const BASE_URL = `/a/${APP_ID}`;

export type TraceTab = 'summary' | 'spans' | 'logs';

/** URL query keys of a trace view (shared by the session page and the trace page, so links carry over). */
export interface TraceLinkParams {
  session?: string;
  span?: string;
  /** Summary: the trace compared with ('typical' or another trace id) */
  compare?: string;
  /** the time range, kept when a link leaves a page with an absolute one */
  from?: string;
  to?: string;
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v) {
      q.set(k, v);
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The alert page's query: the Grafana rule's uid, the alert instance's public labels (JSON), and Kong's
 * route/service/code for the New session it falls back to.
 */
export interface AlertLinkParams {
  rule?: string;
  labels?: Record<string, string>;
  route?: string;
  service?: string;
  code?: string;
}

export const ROUTES = {
  sessions: `${BASE_URL}/sessions`,
  newSession: `${BASE_URL}/sessions/new`,
  /** "Run again": the New session form pre-filled from this session */
  runAgain: (id: string) => `${BASE_URL}/sessions/new${query({ again: id })}`,
  session: (id: string) => `${BASE_URL}/sessions/${encodeURIComponent(id)}`,
  /** a session's Logs tab: every log line of the session, across its traces */
  sessionLogs: (id: string) => `${BASE_URL}/sessions/${encodeURIComponent(id)}/logs`,
  traces: `${BASE_URL}/trace`,
  /** a trace's own page (Summary | Spans | Logs), reachable with just its id */
  trace: (traceId: string, tab: TraceTab = 'summary', params: TraceLinkParams = {}) =>
    `${BASE_URL}/trace/${encodeURIComponent(traceId)}${tab === 'summary' ? '' : `/${tab}`}${query({ ...params })}`,
  /** an alert instance's door: opens the session the alert started, else a New session pre-filled */
  alert: (p: AlertLinkParams) =>
    `${BASE_URL}/alert${query({
      rule: p.rule,
      labels: p.labels && Object.keys(p.labels).length ? JSON.stringify(p.labels) : undefined,
      route: p.route,
      service: p.service,
      code: p.code,
    })}`,
};

/** Konnect's bounds for a session's duration. */
export const MIN_DURATION_S = 10;
export const MAX_DURATION_S = 1800;
export const DEFAULT_MAX_TRACES = 200;
