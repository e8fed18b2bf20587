/** Test helpers for the pages: a fake DebuggerApi (the boundary is the backend) and the data source service. */
import { screen, within } from '@testing-library/react';
import type { LiveEventName, LiveEvents, LogLevel, LogRecord, Session, SessionSummary, TraceListItem, TraceSummary } from '../../common/api';
import type { LiveConnector, LiveHandlers, LiveStreamError } from '../datasource/live/connect';
import type { TraceComparison, TraceStanding, TraceStatistics } from '../../common/analysis/types';
import { enterpriseTrace } from '../datasource/testing/fixtures';
import { installHost, renderAppAt } from './scenes/testing/render';
import type { PagesApi } from './useDebuggerApi';

export function session(over: Partial<Session> = {}): Session {
  return {
    id: 's1',
    name: 'checkout errors',
    rule: { type: 'basic', routeIds: ['route-1'] },
    status: 'in_progress',
    durationSeconds: 300,
    maxTraces: 200,
    captureLogs: true,
    traceCount: 3,
    logCount: 2,
    createdAt: new Date(Date.now() - 60_000).toISOString(),
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: new Date(Date.now() + 240_000).toISOString(),
    ...over,
  };
}

export const TRACE_ID = '0123456789abcdef0123456789abcdef';

/** A stored log line of session s1 at `ms` (of `TRACE_ID` unless given; `''`: of no trace). */
export const logLine = (id: string, ms: number, level: LogLevel, body: string, traceId: string | undefined = TRACE_ID, spanId?: string): LogRecord => ({
  id,
  sessionId: 's1',
  severityNumber: 9,
  timeUnixNano: `${ms}000000`,
  timeMs: ms,
  level,
  body,
  attributes: {},
  ...(traceId ? { traceId } : {}),
  ...(spanId ? { spanId } : {}),
});

/** The lines Grafana's logs panel (its stand-in) shows now, top first. */
export const logsPanelLines = () => within(screen.getByTestId('core-panel-logs')).queryAllByTestId('log-line');

export const traceItem: TraceListItem = {
  traceId: TRACE_ID,
  startTimeUnixNano: '1764000000000000000',
  startTimeMs: 1764000000000,
  durationNs: 29_460_000,
  method: 'GET',
  path: '/orders/42',
  statusCode: 503,
  error: true,
  spanCount: 12,
  dialect: 'enterprise',
  latency: { totalMs: 29.46, internalMs: 3.04, upstreamMs: 26.35 },
};

export const traceSummary: TraceSummary = {
  traceId: TRACE_ID,
  startTimeUnixNano: '1764000000000000000',
  startTimeMs: 1764000000000,
  statusCode: 503,
  latency: { totalMs: 29.46, internalMs: 3.04, upstreamMs: 26.35 },
  lifecycle: {
    dialect: 'enterprise',
    clientOut: { durationNs: 52_000, colorIndex: 1, measured: true },
    requestPlugins: [
      {
        key: 'access.key-auth',
        plugin: 'key-auth',
        phase: 'access',
        spanId: 'aaaaaaaaaaaaaaaa',
        startTimeUnixNano: '1764000000000100000',
        durationNs: 412_000,
        colorIndex: 2,
      },
    ],
    upstreamIn: { durationNs: 1_200_000, colorIndex: 3, measured: true },
    upstreamOut: { durationNs: 25_400_000, colorIndex: 4, measured: true },
    responsePlugins: [],
    clientIn: { durationNs: 0, colorIndex: 0, measured: false },
  },
};

export const sessionSummary: SessionSummary = {
  sessionId: 's1',
  traceCount: 3,
  latency: { totalMs: { count: 3, p50Ns: 25_000_000, p95Ns: 29_000_000, p99Ns: 29_400_000, maxNs: 29_460_000 } },
  nodes: {
    clientOut: {
      count: 3,
      p50Ns: 50_000,
      p95Ns: 60_000,
      p99Ns: 61_000,
      maxNs: 62_000,
      label: 'client out',
      group: 'edge',
    },
    'access.rate-limiting': {
      count: 3,
      p50Ns: 300_000,
      p95Ns: 500_000,
      p99Ns: 510_000,
      maxNs: 520_000,
      label: 'rate-limiting',
      group: 'request',
      phase: 'access',
    },
    upstreamIn: {
      count: 3,
      p50Ns: 1_000_000,
      p95Ns: 1_500_000,
      p99Ns: 1_600_000,
      maxNs: 1_700_000,
      label: 'upstream in',
      group: 'edge',
    },
    upstreamOut: {
      count: 3,
      p50Ns: 20_000_000,
      p95Ns: 25_000_000,
      p99Ns: 25_400_000,
      maxNs: 25_500_000,
      label: 'upstream out',
      group: 'edge',
    },
  },
};

export const OTHER_TRACE_ID = 'fedcba9876543210fedcba9876543210';

/** key-auth above the session's p95 (the trace's 412 µs against p95 300 µs) */
export const standing: TraceStanding = {
  traceId: TRACE_ID,
  sessionId: 's1',
  sessionTraceCount: 40,
  minSamples: 20,
  nodes: [
    { key: 'access.key-auth', label: 'key-auth', group: 'request', phase: 'access', durationNs: 412_000, spanId: 'aaaaaaaaaaaaaaaa', session: { count: 40, p50Ns: 200_000, p95Ns: 300_000, percentile: 100 }, abnormal: true },
    { key: 'upstreamOut', label: 'Upstream out', group: 'edge', durationNs: 25_400_000, session: { count: 40, p50Ns: 20_000_000, p95Ns: 26_000_000, percentile: 90 }, abnormal: false },
  ],
  abnormalKeys: ['access.key-auth'],
};

export const statistics: TraceStatistics = {
  traceId: TRACE_ID,
  groupBy: 'name',
  spanCount: 2,
  selfTotalNs: 29_460_000,
  rows: [
    { group: 'kong.read_headers_from_upstream', count: 1, totalNs: 25_000_000, selfNs: 25_000_000, minNs: 25_000_000, avgNs: 25_000_000, maxNs: 25_000_000, selfPercent: 84.9 },
    { group: 'kong.access.plugin.key-auth', plugin: 'key-auth', phase: 'access', count: 1, totalNs: 412_000, selfNs: 412_000, minNs: 412_000, avgNs: 412_000, maxNs: 412_000, selfPercent: 1.4 },
  ],
};

/** this trace against a faster one that also ran cors */
export const comparison: TraceComparison = {
  a: { traceId: TRACE_ID, dialect: 'enterprise', startTimeUnixNano: '1764000000000000000', latency: { totalMs: 29.46 }, sessionIds: ['s1'] },
  b: { traceId: OTHER_TRACE_ID, dialect: 'enterprise', startTimeUnixNano: '1764000001000000000', latency: { totalMs: 20 }, sessionIds: ['s1'] },
  latency: [{ metric: 'totalMs', label: 'Total', aMs: 29.46, bMs: 20, diffMs: 9.46 }],
  nodes: [
    { key: 'clientOut', label: 'Client out', group: 'edge', presence: 'both', aNs: 52_000, bNs: 50_000, diffNs: 2_000 },
    { key: 'access.key-auth', label: 'key-auth', group: 'request', phase: 'access', presence: 'both', aNs: 412_000, bNs: 112_000, diffNs: 300_000, aSpanId: 'aaaaaaaaaaaaaaaa' },
    { key: 'access.cors', label: 'cors', group: 'request', phase: 'access', presence: 'onlyB', bNs: 40_000, bSpanId: 'bbbbbbbbbbbbbbbb' },
    { key: 'upstreamIn', label: 'Upstream in', group: 'edge', presence: 'both', aNs: 1_200_000, bNs: 1_200_000, diffNs: 0 },
    { key: 'upstreamOut', label: 'Upstream out', group: 'edge', presence: 'both', aNs: 25_400_000, bNs: 17_000_000, diffNs: 8_400_000 },
  ],
  spans: [{ name: 'kong.read_headers_from_upstream', occurrence: 1, aNs: 25_000_000, bNs: 16_600_000, diffNs: 8_400_000 }],
};

export function fakeApi(over: Partial<Record<keyof PagesApi, jest.Mock>> = {}): { [K in keyof PagesApi]: jest.Mock } {
  return {
    listSessions: jest.fn().mockResolvedValue([session()]),
    getSession: jest.fn().mockResolvedValue(session()),
    createSession: jest.fn().mockResolvedValue(session({ id: 'new1', name: 'new one' })),
    stopSession: jest.fn().mockResolvedValue(session({ status: 'cancelled' })),
    deleteSession: jest.fn().mockResolvedValue(undefined),
    validateExpression: jest.fn().mockResolvedValue({ valid: true, errors: [] }),
    listTraces: jest.fn().mockResolvedValue({ traces: [traceItem] }),
    getTrace: jest.fn().mockResolvedValue(enterpriseTrace()),
    getTraceSummary: jest.fn().mockResolvedValue(traceSummary),
    getSessionSummary: jest.fn().mockResolvedValue(sessionSummary),
    listLogs: jest.fn().mockResolvedValue({ logs: [] }),
    listTraceLogs: jest.fn().mockResolvedValue({ logs: [] }),
    listEntities: jest
      .fn()
      .mockResolvedValue({ routes: [{ id: 'route-1', name: 'orders' }], services: [{ id: 'svc-1', name: 'shop' }] }),
    getAbnormal: jest.fn().mockResolvedValue(standing),
    // answers in the grouping asked for, as the server does
    getStatistics: jest.fn().mockImplementation(async (_id: string, groupBy?: string) =>
      groupBy === 'plugin'
        ? { ...statistics, groupBy: 'plugin', rows: [{ group: 'plugin key-auth', plugin: 'key-auth', phase: 'access', count: 1, totalNs: 412_000, selfNs: 412_000, minNs: 412_000, avgNs: 412_000, maxNs: 412_000, selfPercent: 1.4 }] }
        : statistics
    ),
    compareTraces: jest.fn().mockResolvedValue(comparison),
    compareWithTypical: jest.fn().mockResolvedValue({ ...comparison, typical: { traceId: OTHER_TRACE_ID, sessionId: 's1', basis: 'route', routeId: 'route-1' } }),
    exportTrace: jest.fn().mockResolvedValue(new Blob(['{}'])),
    uploadTrace: jest.fn().mockResolvedValue({ sessionId: 'uploads-default', traceIds: [TRACE_ID], spans: 12, logs: 0 }),
    ...over,
  };
}

/**
 * The server's session event streams (GET /api/v1/sessions/{id}/stream) as the data source's connector sees them:
 * each stream opens with a `status` event carrying the session as `current` reads it (as the server's does), then
 * carries what the test sends to every open stream.
 */
export interface FakeLive {
  connector: LiveConnector;
  /** the URL of every stream opened so far */
  opened: string[];
  /** how many streams are open now */
  openCount(): number;
  send<N extends LiveEventName>(event: N, data: LiveEvents[N]): void;
  /** every open stream fails for good (the connector gave up) */
  fail(err: LiveStreamError): void;
}

export function fakeLive(current: () => Promise<Session>): FakeLive {
  const open = new Set<LiveHandlers>();
  const opened: string[] = [];
  let id = 0;
  const deliver = (h: LiveHandlers, event: string, data: unknown) => h.event({ id: String(++id), event, data: JSON.stringify(data) });
  return {
    opened,
    openCount: () => open.size,
    connector: (url, h) => {
      opened.push(url);
      open.add(h);
      void current().then((s) => open.has(h) && deliver(h, 'status', s));
      return { close: () => open.delete(h) };
    },
    send: (event, data) => [...open].forEach((h) => deliver(h, event, data)),
    fail: (err) => [...open].forEach((h) => h.error(err)),
  };
}

/**
 * Installs Grafana's runtime services with our data source over this fake backend (see scenes/testing/render);
 * the session event streams are a `fakeLive` of a running `session()` unless given. Returns the streams.
 */
export function installDataSource(api: unknown, list = true, live?: FakeLive): FakeLive {
  const streams = live ?? fakeLive(async () => session());
  installHost(api as Partial<PagesApi>, { withDataSource: list, live: streams.connector });
  return streams;
}

/** Renders the app (real routes and scenes) at a path, the way Grafana mounts it under /a/<app id>/. */
export function renderApp(path: string) {
  return renderAppAt(path);
}
