/**
 * A session's Logs tab, `/a/<app>/sessions/<id>/logs`: the session's header above every log line it captured, across
 * its traces (the logs view of `LogsScene.tsx` in its session scope: `?level=`, `?cursor=` in the URL). The lines
 * follow the session's life (the page's absolute `from`/`to`, set from the session when the link brought none,
 * `pageRange.ts`); while the session captures, the newest page streams.
 */
import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { SceneAppPage, SceneComponentProps, SceneObjectBase, SceneObjectState, SceneQueryRunner } from '@grafana/scenes';
import { useStyles2 } from '@grafana/ui';
import { ROUTES } from '../constants';
import { DsInfo } from './dataSource';
import { LogsScene } from './LogsScene';
import { sessionRangeOnce, tabScene } from './pageRange';
import { SessionHeader } from './SessionPage';

interface SessionLogsPageState extends SceneObjectState {
  header: SessionHeader;
  logs: LogsScene;
}

/** The Logs tab's body: the session's header above its logs; sets the session's life as the time range. */
export class SessionLogsScene extends SceneObjectBase<SessionLogsPageState> {
  static Component = SessionLogsSceneRenderer;

  constructor(state: { ds: DsInfo; sessionId: string }) {
    super({ header: new SessionHeader(state), logs: new LogsScene({ ds: state.ds, scope: { kind: 'session', sessionId: state.sessionId } }) });
    this.addActivationHandler(() => {
      const setRange = sessionRangeOnce(this);
      const apply = () => {
        const s = this.state.header.session();
        if (s) {
          // a range change runs the logs query by itself: going live then need not run it too
          this.state.logs.follow(s, !setRange(s));
        }
      };
      const subs = [
        this.state.header.state.$data!.subscribeToState(apply),
        // the stream ended with the session: the header shows how it ended
        this.state.logs.subscribeToState((n, p) => p.live && !n.live && (this.state.header.state.$data as SceneQueryRunner).runQueries()),
      ];
      apply();
      return () => subs.forEach((sub) => sub.unsubscribe());
    });
  }
}

function SessionLogsSceneRenderer({ model }: SceneComponentProps<SessionLogsScene>) {
  const styles = useStyles2(getStyles);
  const { header, logs } = model.useState();
  return (
    <div className={styles.column}>
      <header.Component model={header} />
      <logs.Component model={logs} />
    </div>
  );
}

/** The Session page's Logs tab (a tab of `sessionPage`, beside Traces). */
export function sessionLogsTab(ds: DsInfo, sessionId: string): SceneAppPage {
  return new SceneAppPage({
    title: 'Logs',
    url: ROUTES.sessionLogs(sessionId),
    routePath: 'logs',
    preserveUrlKeys: ['from', 'to'],
    getScene: () => tabScene(new SessionLogsScene({ ds, sessionId })),
  });
}

const getStyles = (theme: GrafanaTheme2) => ({
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), width: '100%', minWidth: 0 }),
});
