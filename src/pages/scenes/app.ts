/**
 * The app as a SceneApp (routes relative to /a/<app id>/):
 *   sessions                       Sessions (table, actions)
 *   sessions/new                   New session (the form; `?from=<id>` runs a session again)
 *   sessions/<id>                  Session (header, summary, traces, selected trace)
 *   trace/<traceId>[/spans|/logs]  Trace (Summary | Spans | Logs)
 *   alert?rule=&labels=&...        an alert instance's door: redirects to the session it started, else New session
 */
import React from 'react';
import { EmbeddedScene, SceneApp, SceneAppPage, SceneFlexItem, SceneFlexLayout, SceneReactObject, SceneTimeRange } from '@grafana/scenes';
import { Alert } from '@grafana/ui';
import { ROUTES } from '../constants';
import { NewSessionPage } from '../NewSessionPage';
import { AlertLanding } from './AlertPage';
import { DsInfo } from './dataSource';
import { sessionPage } from './SessionPage';
import { SessionsTable } from './SessionsTable';
import { tracePage } from './TracePage';

function scene(body: EmbeddedScene['state']['body'], withTimeRange = true): EmbeddedScene {
  return new EmbeddedScene({
    ...(withTimeRange ? { $timeRange: new SceneTimeRange({ from: 'now-24h', to: 'now' }) } : {}),
    body: new SceneFlexLayout({ direction: 'column', children: [new SceneFlexItem({ body })] }),
  });
}

export function buildApp(ds: DsInfo): SceneApp {
  const sessions: SceneAppPage = new SceneAppPage({
    title: 'Debug sessions',
    subTitle: 'Capture Kong traces and logs matching a sampling rule',
    url: ROUTES.sessions,
    routePath: 'sessions/*',
    getScene: () => scene(new SessionsTable({ ds })),
    drilldowns: [
      {
        routePath: 'new/*',
        getPage: (_match, parent) =>
          new SceneAppPage({
            title: 'New debug session',
            url: ROUTES.newSession,
            routePath: 'new',
            getParentPage: () => parent,
            // The form stays a React page (its own validation effects); it talks to the data source's API.
            getScene: () => scene(new SceneReactObject({ component: NewSessionPage }), false),
          }),
      },
      { routePath: ':sessionId/*', getPage: (match, parent) => sessionPage(ds, decodeURIComponent(match.params.sessionId ?? ''), parent) },
    ],
  });
  const traces: SceneAppPage = new SceneAppPage({
    title: 'Traces',
    url: ROUTES.traces,
    routePath: 'trace/*',
    getParentPage: () => sessions,
    getScene: () =>
      scene(
        new SceneReactObject({
          reactNode: React.createElement(Alert, { severity: 'info', title: 'Open a trace' }, 'Open a trace from a session, or go to /trace/<trace id>.'),
        })
      ),
    drilldowns: [{ routePath: ':traceId/*', getPage: (match, parent) => tracePage(ds, decodeURIComponent(match.params.traceId ?? ''), parent) }],
  });
  const alert = new SceneAppPage({
    title: 'Debug an alert',
    subTitle: 'Opens the session the alert started, else a new one for what it is about',
    url: ROUTES.alert({}),
    routePath: 'alert/*',
    getParentPage: () => sessions,
    getScene: () => scene(new AlertLanding({ ds }), false),
  });
  return new SceneApp({ name: 'kong-debugger', pages: [sessions, traces, alert], urlSyncOptions: { updateUrlOnInit: true, createBrowserHistorySteps: true } });
}
