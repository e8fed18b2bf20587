/** Test helpers for the pages: a fake DebuggerApi (the boundary is the backend) and the data source service. */
import React from 'react';
import { render } from '@testing-library/react';
import { setDataSourceSrv } from '@grafana/runtime';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import type { Session, SessionSummary, TraceListItem, TraceSummary } from '../../common/api';
import App from '../components/App/App';
import { BASE_URL, DATASOURCE_TYPE } from './constants';
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

export function fakeApi(over: Partial<Record<keyof PagesApi, jest.Mock>> = {}): { [K in keyof PagesApi]: jest.Mock } {
  return {
    listSessions: jest.fn().mockResolvedValue([session()]),
    getSession: jest.fn().mockResolvedValue(session()),
    createSession: jest.fn().mockResolvedValue(session({ id: 'new1', name: 'new one' })),
    stopSession: jest.fn().mockResolvedValue(session({ status: 'cancelled' })),
    deleteSession: jest.fn().mockResolvedValue(undefined),
    validateExpression: jest.fn().mockResolvedValue({ valid: true, errors: [] }),
    listTraces: jest.fn().mockResolvedValue({ traces: [traceItem] }),
    getTraceSummary: jest.fn().mockResolvedValue(traceSummary),
    getSessionSummary: jest.fn().mockResolvedValue(sessionSummary),
    listLogs: jest.fn().mockResolvedValue({ logs: [] }),
    listEntities: jest
      .fn()
      .mockResolvedValue({ routes: [{ id: 'route-1', name: 'orders' }], services: [{ id: 'svc-1', name: 'shop' }] }),
    ...over,
  };
}

/** Installs a data source service that returns an instance exposing `api` (like our data source). */
export function installDataSource(api: unknown, list = true) {
  setDataSourceSrv({
    getList: (filters?: { type?: string }) =>
      list && (!filters?.type || filters.type === DATASOURCE_TYPE)
        ? [{ uid: 'ds-uid', name: 'Kong Debugger', type: DATASOURCE_TYPE }]
        : [],
    get: async () => ({ api }),
    getInstanceSettings: () => undefined,
    reload: async () => undefined,
  } as never);
}

function LocationProbe() {
  const loc = useLocation();
  return <div data-testid="location">{loc.pathname}</div>;
}

/** Renders the app (real routes) at a path, the way Grafana mounts it under /a/<app id>/. */
export function renderApp(path: string) {
  return render(
    <MemoryRouter initialEntries={[`${BASE_URL}${path}`]}>
      <Routes>
        <Route path={`${BASE_URL}/*`} element={<App {...({} as AppRootProps)} />} />
      </Routes>
      <LocationProbe />
    </MemoryRouter>
  );
}
