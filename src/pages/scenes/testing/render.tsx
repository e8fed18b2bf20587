/**
 * Jest set-up for the app's scenes: our real data source (its API client replaced by a fake backend), Grafana's
 * runtime services it needs (template service, data source service, runRequest, the panel loader with the core
 * panels' stand-ins), and the app rendered at a path on runtime's location service, as Grafana mounts it.
 */
import React, { useSyncExternalStore } from 'react';
import { render } from '@testing-library/react';
import { Router, Route, Routes, useLocation } from 'react-router-dom';
import { EventBusSrv, type AppRootProps, type DataSourceInstanceSettings } from '@grafana/data';
import {
  LocationServiceProvider,
  locationService,
  setAppEvents,
  setDataSourceSrv,
  setPluginImportUtils,
  setRunRequest,
  setTemplateSrv,
} from '@grafana/runtime';
import App from '../../../components/App/App';
import { KongDebuggerDataSource } from '../../../datasource/datasource';
import type { KongDebuggerOptions } from '../../../datasource/types';
import { BASE_URL, DATASOURCE_TYPE } from '../../constants';
import type { PagesApi } from '../../useDebuggerApi';
import { corePanelPlugins, runRequestStandIn } from './host';

const SETTINGS = {
  id: 1,
  uid: 'kdbg',
  type: DATASOURCE_TYPE,
  name: 'Kong Debugger',
  url: '/api/datasources/proxy/uid/kdbg',
  jsonData: { url: 'http://kong-debugger:8080' },
  meta: {} as never,
  readOnly: false,
  access: 'proxy',
} as DataSourceInstanceSettings<KongDebuggerOptions>;

const PANELS = corePanelPlugins();
let pluginsInstalled = false;

class FakeResizeObserver {
  constructor(private cb: (entries: Array<{ contentRect: DOMRectReadOnly; target: Element }>) => void) {}
  /** jsdom lays nothing out: every observed element reports a 1200x700 box, so panels render their content. */
  observe(target: Element) {
    const rect = { x: 0, y: 0, top: 0, left: 0, width: 1200, height: 700, right: 1200, bottom: 700 } as DOMRectReadOnly;
    this.cb([{ contentRect: rect, target }]);
  }
  unobserve() {}
  disconnect() {}
}

/** Installs the runtime services with a data source whose backend is `api`; returns the data source. */
export function installHost(api: Partial<PagesApi>, opts: { withDataSource?: boolean } = {}): KongDebuggerDataSource {
  const ds = new KongDebuggerDataSource(SETTINGS);
  Object.defineProperty(ds, 'api', { value: api });
  setTemplateSrv({
    getVariables: () => [],
    replace: (target?: string) => target ?? '',
    containsTemplate: () => false,
    updateTimeRange: () => undefined,
  } as never);
  setDataSourceSrv({
    getList: (f?: { type?: string }) => (opts.withDataSource === false || (f?.type && f.type !== DATASOURCE_TYPE) ? [] : [SETTINGS]),
    get: async () => ds,
    getInstanceSettings: () => SETTINGS,
    reload: async () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as never);
  setRunRequest(runRequestStandIn as never);
  setAppEvents(new EventBusSrv());
  if (!pluginsInstalled) {
    // runtime accepts the panel loader once (Grafana sets it at start-up)
    pluginsInstalled = true;
    setPluginImportUtils({
      importPanelPlugin: async (id: string) => {
        if (!PANELS[id]) {
          throw new Error(`panel plugin ${id} is not available here`);
        }
        return PANELS[id];
      },
      getPanelPluginFromCache: (id: string) => PANELS[id],
    });
  }
  (window as unknown as { ResizeObserver: unknown }).ResizeObserver = FakeResizeObserver;
  return ds;
}

/** react-router on runtime's location service (what scenes' URL sync writes to), as Grafana does. */
function LocationRouter({ children }: { children: React.ReactNode }) {
  const history = locationService.getHistory();
  // subscribed from the first render, so a child's navigation during mount (a <Navigate>) is not missed
  const location = useSyncExternalStore(
    (onChange: () => void) => history.listen(onChange),
    () => history.location
  );
  return (
    <LocationServiceProvider service={locationService}>
      <Router location={location} navigator={history as never}>
        {children}
      </Router>
    </LocationServiceProvider>
  );
}

function LocationProbe() {
  const loc = useLocation();
  return <div data-testid="location">{loc.pathname}</div>;
}

/** Renders the app at `path` (relative to /a/<app id>, with its query string). */
export function renderAppAt(path: string) {
  locationService.push(`${BASE_URL}${path}`);
  return render(
    <LocationRouter>
      <Routes>
        <Route path={`${BASE_URL}/*`} element={<App {...({} as AppRootProps)} />} />
      </Routes>
      <LocationProbe />
    </LocationRouter>
  );
}

/** The current URL's path and query, relative to the app. */
export function currentUrl(): { path: string; query: URLSearchParams } {
  const l = locationService.getLocation();
  return { path: l.pathname.slice(BASE_URL.length), query: new URLSearchParams(l.search) };
}
