/** App routes (the app is mounted by Grafana at /a/<app id>/). */
export const APP_ID = 'kongdbg-debugger-app';
export const DATASOURCE_TYPE = 'kongdbg-debugger-datasource';
export const BASE_URL = `/a/${APP_ID}`;

export const ROUTES = {
  sessions: `${BASE_URL}/sessions`,
  newSession: `${BASE_URL}/sessions/new`,
  session: (id: string) => `${BASE_URL}/sessions/${encodeURIComponent(id)}`,
  trace: (traceId: string) => `${BASE_URL}/trace/${encodeURIComponent(traceId)}`,
};

/** Konnect's bounds for a session's duration. */
export const MIN_DURATION_S = 10;
export const MAX_DURATION_S = 1800;
export const DEFAULT_MAX_TRACES = 200;
