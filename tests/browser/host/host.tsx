/**
 * A minimal Grafana host for the real-browser test (bundled by esbuild as an IIFE).
 * Like Grafana: the npm builds of @grafana/*, react, rxjs, ... are registered as SystemJS shared
 * modules (`app:<name>` + import map), then the BUILT plugin bundles (dist/**\/module.js, AMD) are
 * loaded with System.import. Runtime services get small real implementations: backendSrv over fetch
 * (to the harness server's data source proxy), an identity templateSrv, a dataSourceSrv holding our
 * data source instance.
 *
 * SystemJS itself is loaded by a later <script> (after this bundle ran): evaluated earlier, lodash's UMD
 * header would see the AMD `define` and never set module.exports (see grafana-plugin.md §5.4).
 */
import * as React from 'react';
import * as ReactJsxRuntime from 'react/jsx-runtime';
import * as ReactDOM from 'react-dom';
import { createRoot, Root } from 'react-dom/client';
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import * as lodash from 'lodash';
import * as ReactRouter from 'react-router';
import * as ReactRouterDom from 'react-router-dom';
import * as grafanaData from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaRuntimeUnstable from '@grafana/runtime/unstable';
import * as i18n from '@grafana/i18n';
import * as i18next from 'i18next';
import {
  AppPlugin,
  DataFrame,
  DataQueryRequest,
  DataSourceApi,
  DataSourceInstanceSettings,
  DataSourcePlugin,
  LoadingState,
  PanelPlugin,
  ThemeContext,
  createTheme,
  dateTime,
} from '@grafana/data';
import { GlobalStyles, PanelChrome } from '@grafana/ui';
import {
  LocationServiceProvider,
  locationService,
  setAppEvents,
  setBackendSrv,
  setDataSourceSrv,
  setPluginImportUtils,
  setRunRequest,
  setTemplateSrv,
} from '@grafana/runtime';
import { Route, Router, Routes } from 'react-router';
import { PluginPageStandIn, corePanelPlugins, runRequestStandIn } from '../../../src/pages/scenes/testing/host';

const SHARED: Record<string, unknown> = {
  react: React,
  'react/jsx-runtime': ReactJsxRuntime,
  'react-dom': ReactDOM,
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  rxjs,
  'rxjs/operators': rxjsOperators,
  lodash: { ...lodash, __useDefault: true, default: lodash },
  'react-router': ReactRouter,
  'react-router-dom': ReactRouterDom,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  // Grafana's page chrome (PluginPage) is set by Grafana at start-up; here a stand-in draws title and tabs.
  '@grafana/runtime': { ...grafanaRuntime, PluginPage: PluginPageStandIn },
  '@grafana/i18n': i18n,
  // Grafana shares these too (sharedDependenciesMap); @grafana/scenes imports the runtime's
  '@grafana/runtime/unstable': grafanaRuntimeUnstable,
  i18next,
};

export const APP_ID = 'kongdbg-debugger-app';
export const DS_TYPE = 'kongdbg-debugger-datasource';
export const DS_UID = 'kongdbg-ds';
const PLUGIN_BASE = `/public/plugins/${APP_ID}`;

interface SystemLike {
  set(id: string, mod: unknown): void;
  addImportMap(map: { imports: Record<string, string> }): void;
  import(url: string): Promise<Record<string, unknown>>;
  newModule?(m: unknown): unknown;
}

function registerShared(System: SystemLike) {
  const imports: Record<string, string> = {};
  for (const [name, mod] of Object.entries(SHARED)) {
    System.set(`app:${name}`, {
      ...(mod as object),
      default: (mod as { default?: unknown }).default ?? mod,
      __esModule: true,
    });
    imports[name] = `app:${name}`;
  }
  System.addImportMap({ imports });
}

/** getBackendSrv().fetch over window.fetch, with Grafana's FetchResponse / FetchError shapes. */
function installBackendSrv() {
  const fetchFn = (options: grafanaRuntime.BackendSrvRequest) =>
    new rxjs.Observable<grafanaRuntime.FetchResponse>((sub) => {
      const params = options.params
        ? `?${new URLSearchParams(Object.entries(options.params).map(([k, v]) => [k, String(v)]))}`
        : '';
      // As Grafana's fetch (parseBody): strings and Blobs are sent as they are, other data as JSON.
      const raw = typeof options.data === 'string' || options.data instanceof Blob;
      const body = options.data === undefined ? undefined : raw ? (options.data as string | Blob) : JSON.stringify(options.data);
      const given = (options.headers ?? {}) as Record<string, string>;
      const type = Object.entries(given).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
      fetch(options.url + params, {
        method: options.method ?? 'GET',
        body,
        headers: body !== undefined ? { 'content-type': type } : {},
      })
        .then(async (r) => {
          let data: unknown;
          if (options.responseType === 'blob' && r.ok) {
            data = await r.blob();
          } else {
            const text = await r.text();
            data = text;
            try {
              data = text ? JSON.parse(text) : undefined;
            } catch {
              /* keep text */
            }
          }
          const resp = {
            data,
            status: r.status,
            statusText: r.statusText,
            ok: r.ok,
            headers: r.headers,
            redirected: r.redirected,
            type: r.type,
            url: r.url,
            config: options,
          };
          if (r.ok) {
            sub.next(resp as grafanaRuntime.FetchResponse);
            sub.complete();
          } else {
            sub.error({ ...resp, isHandled: false });
          }
        })
        .catch((e) => sub.error({ status: 0, statusText: String(e), data: undefined, config: options }));
    });
  setBackendSrv({ fetch: fetchFn } as unknown as grafanaRuntime.BackendSrv);
  setTemplateSrv({
    getVariables: () => [],
    replace: (target?: string) => target ?? '',
    containsTemplate: () => false,
    updateTimeRange: () => undefined,
  } as unknown as grafanaRuntime.TemplateSrv);
}

/**
 * Grafana's core panels (traces, logs) live in Grafana's own bundle, not in npm: the panel loader serves
 * stand-ins following their documented options and frame contracts (src/pages/scenes/testing/host.tsx), and
 * records what the page asked each for, so the test can assert on it.
 */
const CORE_PANELS = corePanelPlugins();
function installSceneServices() {
  // Grafana's app-wide event bus (scenes publish on it, e.g. when a query fails)
  setAppEvents(new grafanaData.EventBusSrv());
  setRunRequest(runRequestStandIn as never);
  setPluginImportUtils({
    importPanelPlugin: async (id: string) => {
      const p = CORE_PANELS[id];
      if (!p) {
        throw new Error(`panel plugin ${id} is not served by the harness`);
      }
      return p;
    },
    getPanelPluginFromCache: (id: string) => CORE_PANELS[id],
  });
  // Grafana routes clicks on in-app anchors itself (interceptLinkClicks) instead of reloading the page.
  document.addEventListener('click', (e) => {
    const a = (e.target as Element | null)?.closest?.('a');
    const href = a?.getAttribute('href');
    if (a && href && href.startsWith(`/a/${APP_ID}`) && !e.defaultPrevented && !a.target) {
      e.preventDefault();
      locationService.push(href);
    }
  });
}

let ds: DataSourceApi | undefined;
let settings: DataSourceInstanceSettings | undefined;
const plugins: Record<string, Record<string, unknown>> = {};

async function loadPlugins(System: SystemLike): Promise<string[]> {
  const paths: Record<string, string> = {
    app: `${PLUGIN_BASE}/module.js`,
    datasource: `${PLUGIN_BASE}/datasource/module.js`,
    lifecyclemap: `${PLUGIN_BASE}/panels/lifecyclemap/module.js`,
    debuglogs: `${PLUGIN_BASE}/panels/debuglogs/module.js`,
  };
  for (const [k, url] of Object.entries(paths)) {
    plugins[k] = await System.import(url);
  }
  const dsPlugin = plugins.datasource.plugin as DataSourcePlugin<DataSourceApi>;
  settings = {
    id: 1,
    uid: DS_UID,
    type: DS_TYPE,
    name: 'Kong Debugger',
    url: `/api/datasources/proxy/uid/${DS_UID}`,
    access: 'proxy',
    readOnly: false,
    jsonData: {},
    meta: { id: DS_TYPE, name: 'Kong Debugger', type: 'datasource', info: {} } as never,
  } as DataSourceInstanceSettings;
  ds = new dsPlugin.DataSourceClass(settings);
  setDataSourceSrv({
    getList: (f?: { type?: string }) => (!f?.type || f.type === DS_TYPE ? [settings!] : []),
    get: async () => ds!,
    getInstanceSettings: () => settings,
    reload: async () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as unknown as grafanaRuntime.DataSourceSrv);
  return Object.entries(plugins).map(([k, m]) => `${k}:${m.plugin?.constructor?.name}`);
}

async function query(targets: Array<Record<string, unknown>>): Promise<DataFrame[]> {
  const now = dateTime();
  const range = { from: dateTime(now).subtract(1, 'day'), to: now, raw: { from: 'now-24h', to: 'now' } };
  const request = {
    requestId: 'browser-test',
    interval: '1s',
    intervalMs: 1000,
    range,
    scopedVars: {},
    targets: targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: { uid: DS_UID, type: DS_TYPE },
      ...t,
    })),
    timezone: 'utc',
    app: 'dashboard',
    startTime: Date.now(),
  } as unknown as DataQueryRequest;
  const res = await rxjs.lastValueFrom(
    rxjs.from(ds!.query(request as never) as rxjs.ObservableInput<{ data: DataFrame[]; error?: { message?: string } }>)
  );
  if (res.error) {
    throw new Error(`query failed: ${res.error.message}`);
  }
  return res.data;
}

let root: Root | undefined;
function mount(node: React.ReactNode, mode: 'light' | 'dark') {
  const theme = createTheme({ colors: { mode } });
  root?.unmount();
  root = createRoot(document.getElementById('root')!);
  root.render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div style={{ padding: 16, background: theme.colors.background.canvas, minHeight: '100vh' }}>{node}</div>
    </ThemeContext.Provider>
  );
}

function Panel({
  plugin,
  frames,
  options,
  title,
  width,
  height,
}: {
  plugin: PanelPlugin;
  frames: DataFrame[];
  options: object;
  title: string;
  width: number;
  height: number;
}) {
  const Component = plugin.panel!;
  const timeRange = { from: dateTime().subtract(1, 'day'), to: dateTime(), raw: { from: 'now-24h', to: 'now' } };
  return (
    <PanelChrome title={title} width={width} height={height}>
      {(w, h) => (
        <Component
          id={1}
          data={{ series: frames, state: LoadingState.Done, timeRange }}
          timeRange={timeRange}
          timeZone="utc"
          options={options}
          fieldConfig={{ defaults: {}, overrides: [] }}
          transparent={false}
          width={w}
          height={h}
          renderCounter={0}
          title={title}
          eventBus={new grafanaData.EventBusSrv()}
          onOptionsChange={() => undefined}
          onFieldConfigChange={() => undefined}
          replaceVariables={(s: string) => s}
          onChangeTimeRange={() => undefined}
        />
      )}
    </PanelChrome>
  );
}

/** Runs the data source's summary and logs queries, then renders both panels like a dashboard row. */
async function renderDashboard(args: { sessionId: string; traceId: string; mode: 'light' | 'dark' }) {
  const summary = await query([{ queryType: 'summary', traceId: args.traceId }]);
  const logs = await query([{ queryType: 'logs', sessionId: args.sessionId }]);
  mount(
    <div style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
      <Panel
        plugin={plugins.lifecyclemap.plugin as PanelPlugin}
        frames={summary}
        options={{ variableName: 'spanId' }}
        title="Request lifecycle"
        width={1240}
        height={520}
      />
      <Panel
        plugin={plugins.debuglogs.plugin as PanelPlugin}
        frames={logs}
        options={{ spanVariable: 'spanId' }}
        title="Correlated logs"
        width={1240}
        height={360}
      />
    </div>,
    args.mode
  );
  return { summaryFrames: summary.map((f) => `${f.name}:${f.length}`), logRows: logs[0]?.length ?? 0 };
}

/** react-router on runtime's location service, which scenes' URL sync writes to (as in Grafana). */
function LocationRouter({ children }: { children: React.ReactNode }) {
  const history = locationService.getHistory();
  // subscribed from the first render, so a child's navigation during mount (a <Navigate>) is not missed
  const location = React.useSyncExternalStore(
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

/** Renders the app's root page (real AppPlugin.root) at an app path (with its query string). */
function renderApp(args: { path: string; mode: 'light' | 'dark' }) {
  const app = plugins.app.plugin as AppPlugin;
  const Root = app.root!;
  locationService.push(`/a/${APP_ID}${args.path}`);
  mount(
    <LocationRouter>
      <Routes>
        <Route
          path={`/a/${APP_ID}/*`}
          element={
            <Root
              meta={{ id: APP_ID } as never}
              basename={`/a/${APP_ID}`}
              query={{}}
              path={`/a/${APP_ID}`}
              onNavChanged={() => undefined}
            />
          }
        />
      </Routes>
    </LocationRouter>,
    args.mode
  );
}

/** The app's current path and query (scenes keep the selection there). */
function appUrl(): string {
  const l = locationService.getLocation();
  return `${l.pathname}${l.search}`;
}

/** In-app navigation as Grafana does it for a plain anchor inside the app. */
function navigate(url: string) {
  locationService.push(url);
}

(window as unknown as { kongHost: unknown }).kongHost = {
  async boot(System: SystemLike) {
    registerShared(System);
    installBackendSrv();
    installSceneServices();
    return loadPlugins(System);
  },
  renderDashboard,
  renderApp,
  // The React this host runs, so the test can check it is the intended line (18 with @grafana/* 12.4, 19 with 13.x).
  reactVersion: React.version,
  appUrl,
  navigate,
};
