/**
 * A session's Logs tab, `/a/<app>/sessions/<id>/logs`: every log line the session captured, across its traces,
 * in Grafana's logs panel, newest first, filtered by level, paged with the server's cursor ("Load older", "Newer"),
 * each line linking to its trace and span on the app's trace page. The lines follow the session's life (the page's
 * absolute `from`/`to`, set from the session when the link brought none). `?level=` and `?cursor=` (the page shown)
 * are in the URL, so a shared link opens the same lines; the browser's Back goes to the page before. While the
 * session captures, the newest page is the data source's live logs query (the session's event stream), no polling.
 */
import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, LoadingState } from '@grafana/data';
import {
  SceneAppPage,
  SceneComponentProps,
  SceneDataTransformer,
  SceneObjectBase,
  SceneObjectState,
  SceneObjectUrlSyncConfig,
  SceneObjectUrlValues,
  SceneQueryRunner,
  type SceneDataState,
  VizPanel,
  sceneGraph,
} from '@grafana/scenes';
import { Alert, Stack, useStyles2 } from '@grafana/ui';
import { ROUTES } from '../constants';
import { DsInfo, actionsApi, kongQueries } from './dataSource';
import { errorMessage } from '../useDebuggerApi';
import { LOGS_PAGE, LevelFilter, LogsPaging, buildLogsPanel, logLineCount, logsQuery, logsRunner, olderCursor } from './logsView';
import { isActiveStatus } from './rows';
import { sessionRangeOnce, tabScene } from './pageRange';
import { urlString } from './urlValues';
import { SessionHeader } from './SessionPage';


/**
 * The session's logs query: no trace id, so the server answers every line of the session in the time range. While
 * the session captures, the newest page is the data source's live query (new lines arrive from the event stream).
 */
export function sessionLogsQuery(sessionId: string, s: { levels: string[]; cursor?: string; limit?: number; live?: boolean }) {
  return logsQuery(undefined, { session: sessionId, levels: s.levels, limit: s.limit ?? LOGS_PAGE, cursor: s.cursor, live: s.live });
}

interface SessionLogsState extends SceneObjectState {
  ds: DsInfo;
  sessionId: string;
  levels: string[];
  /** the page shown: after this cursor (absent: the newest lines) */
  cursor?: string;
  /** the cursors of the newer pages, to go back one at a time */
  newer: Array<string | undefined>;
  panel: VizPanel;
  /** the session captures: the newest page streams; older pages do not */
  live?: boolean;
  error?: string;
}

export class SessionLogs extends SceneObjectBase<SessionLogsState> {
  static Component = SessionLogsRenderer;
  protected _urlSync = new SceneObjectUrlSyncConfig(this, { keys: ['level', 'cursor'] });

  constructor(state: { ds: DsInfo; sessionId: string; levels?: string[] }) {
    const levels = state.levels ?? [];
    const runner = kongQueries(state.ds, [sessionLogsQuery(state.sessionId, { levels })]);
    super({ ...state, levels, newer: [], panel: buildLogsPanel(runner, () => state.sessionId) });
    this.addActivationHandler(() => {
      // the URL (levels, cursor) is applied after construction: query what it says
      this.rerun();
      const subs = [
        this.subscribeToState((n, p) => (n.levels !== p.levels || n.cursor !== p.cursor || n.live !== p.live) && this.rerun(!this.held)),
        logsRunner(this.state.panel).subscribeToState((n, p) => this.onData(n.data, p.data)),
      ];
      return () => subs.forEach((sub) => sub.unsubscribe());
    });
  }

  getUrlState(): SceneObjectUrlValues {
    return { level: this.state.levels.length ? this.state.levels.join(',') : undefined, cursor: this.state.cursor };
  }

  updateFromUrl(values: SceneObjectUrlValues) {
    const next: Partial<SessionLogsState> = {};
    if ('level' in values) {
      const levels = (urlString(values.level) ?? '').split(',').filter(Boolean);
      if (levels.join(',') !== this.state.levels.join(',')) {
        next.levels = levels;
      }
    }
    if ('cursor' in values && urlString(values.cursor) !== this.state.cursor) {
      const cursor = urlString(values.cursor);
      next.cursor = cursor;
      // Back to a page seen before pops the way back; an unknown page (a shared link) goes back to the newest.
      const at = this.state.newer.indexOf(cursor);
      next.newer = at >= 0 ? this.state.newer.slice(0, at) : cursor ? [undefined] : [];
    }
    if (Object.keys(next).length) {
      this.setState(next);
    }
  }

  /** set while a time range change is about to run the query anyway (one stream, not two) */
  private held = false;

  private rerun(now = true) {
    const runner = logsRunner(this.state.panel);
    const query = { ...sessionLogsQuery(this.state.sessionId, this.state), datasource: { uid: this.state.ds.uid, type: this.state.ds.type } };
    runner.setState({ queries: [query as never] });
    // an inactive runner runs its (new) queries when its panel mounts
    if (now && runner.isActive) {
      runner.runQueries();
    }
  }

  /** Streams the newest page while the session captures; `false` (it ended) reads it once more, as it stands. */
  setLive(live: boolean, now = true) {
    if (live !== Boolean(this.state.live)) {
      this.held = !now;
      this.setState({ live });
      this.held = false;
    }
  }

  /** The live query's end (the session ended: `Done`) or failure turns it into a plain read. */
  private onData(n: SceneDataState['data'], p: SceneDataState['data']) {
    if (!this.state.live || !n || n.state === p?.state) {
      return;
    }
    const live = (n.request?.targets as Array<{ live?: boolean }> | undefined)?.some((q) => q.live);
    if (live && n.state === LoadingState.Done && n.request?.requestId === p?.request?.requestId) {
      this.setLive(false);
    } else if (live && n.state === LoadingState.Error) {
      this.setState({ live: false, error: `Live updates stopped (${n.errors?.[0]?.message ?? 'the stream failed'}). The lines are read once.` });
    }
  }

  /** A live newest page carries no cursor (its lines move as new ones arrive): a full one may have older lines. */
  canLoadOlder(frames = this.frames()): boolean {
    return Boolean(olderCursor(frames)) || (Boolean(this.state.live) && !this.state.cursor && logLineCount(frames) >= LOGS_PAGE);
  }

  frames() {
    return (this.state.panel.state.$data as SceneDataTransformer).state.data?.series;
  }

  // A new filter starts again at the newest page.
  setLevels = (levels: string[]) => this.setState({ levels, cursor: undefined, newer: [] });
  /** The next page of older lines, after the cursor the server gave with this one (every line is reachable). */
  loadOlder = async () => {
    let next = olderCursor(this.frames());
    if (!next && this.canLoadOlder()) {
      // the live page's cursor, read from the newest page as it stands now
      const { sessionId, levels, ds } = this.state;
      const { from, to } = sceneGraph.getTimeRange(this).state.value;
      try {
        const api = await actionsApi(ds);
        next = (await api.listLogs(sessionId, { level: levels.length ? levels.join(',') : undefined, limit: LOGS_PAGE, from: from.valueOf(), to: to.valueOf() })).nextCursor;
      } catch (e) {
        this.setState({ error: `Could not read the older page: ${errorMessage(e)}` });
        return;
      }
    }
    if (next) {
      this.setState({ newer: [...this.state.newer, this.state.cursor], cursor: next });
    }
  };
  /** Back to the page before (newer lines). */
  loadNewer = () => {
    const newer = [...this.state.newer];
    const cursor = newer.pop();
    this.setState({ newer, cursor });
  };
}

function SessionLogsRenderer({ model }: SceneComponentProps<SessionLogs>) {
  const styles = useStyles2(getStyles);
  const { panel, levels, newer, cursor, live, error } = model.useState();
  const { data } = (panel.state.$data as SceneDataTransformer).useState();
  const queryError = data?.errors?.[0]?.message;
  return (
    <section aria-label="Session logs" className={styles.column}>
      {queryError && (
        <Alert severity="error" title="Could not load the logs">
          {queryError}
        </Alert>
      )}
      {error && (
        <Alert severity="error" title="Request failed" onRemove={() => model.setState({ error: undefined })}>
          {error}
        </Alert>
      )}
      <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
        <LevelFilter levels={levels} onChange={model.setLevels} />
        <span className={styles.muted}>All traces of this session{cursor ? ', older page' : live ? ', live' : ''}</span>
        <LogsPaging
          lines={logLineCount(data?.series)}
          className={styles.muted}
          canNewer={newer.length > 0}
          canOlder={model.canLoadOlder(data?.series)}
          onNewer={model.loadNewer}
          onOlder={() => void model.loadOlder()}
        />
      </Stack>
      <div className={styles.panel} style={{ height: 640 }}>
        <panel.Component model={panel} />
      </div>
    </section>
  );
}

interface SessionLogsPageState extends SceneObjectState {
  header: SessionHeader;
  logs: SessionLogs;
}

/** The Logs tab's body: the session's header above its logs; sets the session's life as the time range. */
export class SessionLogsScene extends SceneObjectBase<SessionLogsPageState> {
  static Component = SessionLogsSceneRenderer;

  constructor(state: { ds: DsInfo; sessionId: string }) {
    super({ header: new SessionHeader(state), logs: new SessionLogs(state) });
    this.addActivationHandler(() => {
      const setRange = sessionRangeOnce(this);
      let wentLive = false;
      const apply = () => {
        const s = this.state.header.session();
        const rangeChanged = s ? setRange(s) : false;
        // once: a stream that ended is not reopened by a header read racing the session's end
        if (s && isActiveStatus(s.status) && s.captureLogs && !wentLive) {
          wentLive = true;
          this.state.logs.setLive(true, !rangeChanged);
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
  panel: css({ width: '100%', minWidth: 0, display: 'flex', flexDirection: 'column' }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
