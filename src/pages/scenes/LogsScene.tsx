/**
 * The app's one logs view: the session page's Logs tab (every line of the session, in the page's time range) and the
 * trace page's Logs tab (one trace's lines, filtered by span) are this scene object with another scope. It owns the
 * logs query runner under Grafana's logs panel (newest first, each line linking into the app), the level filter (and
 * the trace's span filter), the paging by the server's cursor ("Load older", "Newer") and its URL keys. While the
 * session captures logs, the newest page is the data source's live logs query (the session's event stream, no
 * polling); pages after a cursor are plain reads, and the stream's end or failure turns the newest page into one too.
 */
import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, LoadingState, type DataFrame } from '@grafana/data';
import {
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
import { Alert, Badge, Button, LinkButton, Stack, useStyles2 } from '@grafana/ui';
import type { LogQueryFilters } from '../../../common/api';
import { ROUTES } from '../constants';
import { errorMessage } from '../useDebuggerApi';
import { DsInfo, actionsApi, kongQueries } from './dataSource';
import { LOGS_PAGE, LevelFilter, LogsPaging, buildLogsPanel, logLineCount, logsQuery, logsRunner, olderCursor } from './logsView';
import { SessionRow, findFrame, isActiveStatus, rowsOf } from './rows';
import { changedStrings, urlString } from './urlValues';

/**
 * Whose lines: a session's, all of them in the page's time range (its owner, which reads the session, says when it
 * captures: `follow`), or one trace's, whatever the range, with the session from the URL (read here).
 */
export type LogsScope = { kind: 'session'; sessionId: string } | { kind: 'trace'; traceId: string };

/** Each scope's URL keys: a shared link opens the same lines (the trace tabs carry `session` and `span` between them). */
export const LOGS_URL_KEYS = { session: ['level', 'cursor'], trace: ['session', 'span', 'level'] } as const;
type LogsUrlKey = (typeof LOGS_URL_KEYS)[keyof typeof LOGS_URL_KEYS][number];

// ---- The state machine, pure -------------------------------------------------------------------------------

/** The page shown: after `cursor` (absent: the newest lines), with the cursors of the newer pages to go back through. */
export interface LogsPage {
  cursor?: string;
  newer: Array<string | undefined>;
}

/** A new filter (level, span, session) starts again at the newest page. */
export const NEWEST_PAGE: LogsPage = { cursor: undefined, newer: [] };

/** The page after the server's cursor `next`; this one is the way back. */
export const olderPage = (p: LogsPage, next: string): LogsPage => ({ cursor: next, newer: [...p.newer, p.cursor] });

/** Back one page (newer lines); on the newest page, stays there. */
export const newerPage = (p: LogsPage): LogsPage => ({ cursor: p.newer[p.newer.length - 1], newer: p.newer.slice(0, -1) });

/** The page a URL names: one seen before (the browser's Back) pops the way back; another (a shared link) has the newest before it. */
export function pageFromUrl(p: LogsPage, cursor: string | undefined): LogsPage {
  const at = p.newer.indexOf(cursor);
  return { cursor, newer: at >= 0 ? p.newer.slice(0, at) : cursor ? [undefined] : [] };
}

/** `?level=` as the level filter keeps it. */
export const levelsFromUrl = (v: SceneObjectUrlValues[string]): string[] => (urlString(v) ?? '').split(',').filter(Boolean);

/** Only a running session that captures logs has new lines to stream. */
export const streamsLogs = (s: Pick<SessionRow, 'status' | 'captureLogs'>): boolean => isActiveStatus(s.status) && s.captureLogs;

/** whether a logs runner's current request is the live one */
export const isLiveLogs = (data: SceneDataState['data']) => Boolean((data?.request?.targets as Array<{ live?: boolean }> | undefined)?.some((q) => q.live));

/**
 * What a logs runner's new state says of its live query: `ended` when the stream finished (the session ended:
 * `Done`), `failed` with the reason when it failed for good (the server's stream cap, say); otherwise nothing.
 */
export function liveOutcome(n: SceneDataState['data'], p: SceneDataState['data']): { ended: true } | { failed: string } | undefined {
  if (!n || !isLiveLogs(n) || n.state === p?.state) {
    return undefined;
  }
  if (n.state === LoadingState.Done && n.request?.requestId === p?.request?.requestId) {
    return { ended: true };
  }
  return n.state === LoadingState.Error ? { failed: n.errors?.[0]?.message ?? 'the stream failed' } : undefined;
}

/**
 * The API's filters for the page a logs query shows, as the data source asks them: a trace's or span's lines
 * whatever the time range, a session's in it (the live page's cursor is read with these).
 */
export function logsPageFilters(q: ReturnType<typeof logsQuery>, range: { from: number; to: number }): LogQueryFilters {
  const scoped = Boolean(q.traceId || q.spanId);
  return { traceId: q.traceId, spanId: q.spanId, level: q.levels?.join(','), limit: q.limit, ...(scoped ? {} : range) };
}

// ---- The scene object --------------------------------------------------------------------------------------

interface LogsSceneState extends SceneObjectState, LogsPage {
  ds: DsInfo;
  scope: LogsScope;
  /** the session whose lines these are (a trace's: from the URL; absent, the server finds the trace's) */
  session?: string;
  /** a trace's lines of this span only */
  span?: string;
  levels: string[];
  limit: number;
  panel: VizPanel;
  /** a trace's session, read for its status (a session's owner reads it already) */
  sessionRunner?: SceneQueryRunner;
  /** the session captures logs: the newest page streams; older pages do not */
  live?: boolean;
  error?: string;
}

export class LogsScene extends SceneObjectBase<LogsSceneState> {
  static Component = LogsSceneRenderer;
  protected _urlSync = new SceneObjectUrlSyncConfig(this, { keys: [...LOGS_URL_KEYS[this.state.scope.kind]] });

  constructor(state: { ds: DsInfo; scope: LogsScope; session?: string; span?: string; levels?: string[]; limit?: number }) {
    const { ds, scope } = state;
    const levels = state.levels ?? [];
    const limit = state.limit ?? LOGS_PAGE;
    const session = scope.kind === 'session' ? scope.sessionId : state.session;
    const traceId = scope.kind === 'trace' ? scope.traceId : undefined;
    const self: { scene?: LogsScene } = {};
    // each line's trace and span open in the app with the session shown when the lines arrive
    const panel = buildLogsPanel(kongQueries(ds, [logsQuery(traceId, { session, span: state.span, levels, limit })]), () => self.scene?.state.session);
    super({ ...state, session, levels, limit, panel, ...NEWEST_PAGE, sessionRunner: scope.kind === 'trace' ? kongQueries(ds, []) : undefined });
    self.scene = this;
    this.addActivationHandler(() => this.onActivate());
  }

  private onActivate() {
    // the URL (filters, page) is applied after construction: query what it says; a new activation reads the session anew
    this.wentLive = false;
    this.rerun();
    const { sessionRunner } = this.state;
    const stopSession = sessionRunner?.activate();
    this.readSession();
    const subs = [
      this.subscribeToState((n, p) => {
        if (n.session !== p.session) {
          // another session: its own status decides
          this.wentLive = false;
          this.setState({ live: false, error: undefined });
          this.readSession();
        }
        if (n.session !== p.session || n.span !== p.span || n.levels !== p.levels || n.limit !== p.limit || n.cursor !== p.cursor || n.live !== p.live) {
          this.rerun(!this.held);
        }
      }),
      logsRunner(this.state.panel).subscribeToState((n, p) => this.onData(n.data, p.data)),
      ...(sessionRunner ? [sessionRunner.subscribeToState((n) => this.follow(rowsOf<SessionRow>(findFrame(n.data?.series, 'sessions'))[0]))] : []),
    ];
    return () => {
      subs.forEach((sub) => sub.unsubscribe());
      stopSession?.();
    };
  }

  getUrlState(): SceneObjectUrlValues {
    const { session, span, levels, cursor } = this.state;
    const all: Record<LogsUrlKey, string | undefined> = { session, span, level: levels.length ? levels.join(',') : undefined, cursor };
    return Object.fromEntries(this.urlKeys().map((k) => [k, all[k]]));
  }

  updateFromUrl(values: SceneObjectUrlValues) {
    const keys = this.urlKeys();
    const next: Partial<LogsSceneState> = changedStrings(values, this.state, keys.filter((k) => k === 'session' || k === 'span'));
    if (keys.includes('level') && 'level' in values) {
      const levels = levelsFromUrl(values.level);
      if (levels.join(',') !== this.state.levels.join(',')) {
        next.levels = levels;
      }
    }
    if (keys.includes('cursor') && 'cursor' in values && urlString(values.cursor) !== this.state.cursor) {
      Object.assign(next, pageFromUrl(this.state, urlString(values.cursor)));
    }
    if (Object.keys(next).length) {
      this.setState(next);
    }
  }

  private urlKeys(): readonly LogsUrlKey[] {
    return LOGS_URL_KEYS[this.state.scope.kind];
  }

  /** The logs query for the state as it stands. */
  query() {
    const { scope, session, span, levels, limit, cursor, live } = this.state;
    return logsQuery(scope.kind === 'trace' ? scope.traceId : undefined, { session, span, levels, limit, cursor, live });
  }

  /** set while a time range change is about to run the query anyway (one stream, not two) */
  private held = false;

  private rerun(now = true) {
    const runner = logsRunner(this.state.panel);
    runner.setState({ queries: [{ ...this.query(), datasource: { uid: this.state.ds.uid, type: this.state.ds.type } } as never] });
    // an inactive runner runs its (new) queries when its panel mounts
    if (now && runner.isActive) {
      runner.runQueries();
    }
  }

  /** set once the newest page streamed: a stream that ended is not reopened by a read racing the session's end */
  private wentLive = false;

  /**
   * The session as last read: once it is known to capture logs, the newest page streams. `now: false` when a time
   * range change is about to run the query anyway.
   */
  follow(s: SessionRow | undefined, now = true) {
    if (s && s.id === this.state.session && streamsLogs(s) && !this.wentLive) {
      this.wentLive = true;
      this.setLive(true, now);
    }
  }

  private readSession() {
    const { sessionRunner, session, ds } = this.state;
    if (!sessionRunner || !session) {
      return;
    }
    sessionRunner.setState({ queries: [{ refId: 'session', queryType: 'sessions', sessionId: session, datasource: { uid: ds.uid, type: ds.type } } as never] });
    sessionRunner.runQueries();
  }

  /** Streams the newest page; `false` (the session ended) reads it once more, as it stands. */
  setLive(live: boolean, now = true) {
    if (live !== Boolean(this.state.live)) {
      this.held = !now;
      this.setState({ live });
      this.held = false;
    }
  }

  /** The live query's end or failure turns the newest page into a plain read; a failure says so. */
  private onData(n: SceneDataState['data'], p: SceneDataState['data']) {
    const outcome = this.state.live ? liveOutcome(n, p) : undefined;
    if (outcome && 'ended' in outcome) {
      this.setLive(false);
    } else if (outcome) {
      this.setState({ live: false, error: `Live updates stopped (${outcome.failed}). The lines are read once; change a filter or reload to read them again.` });
    }
  }

  /** the newest page, streaming */
  isLivePage(): boolean {
    return Boolean(this.state.live && this.state.session && !this.state.cursor);
  }

  /** A live newest page carries no cursor (its lines move as new ones arrive): a full one may have older lines. */
  canLoadOlder(frames = this.frames()): boolean {
    return Boolean(olderCursor(frames)) || (this.isLivePage() && logLineCount(frames) >= this.state.limit);
  }

  frames(): DataFrame[] | undefined {
    return (this.state.panel.state.$data as SceneDataTransformer).state.data?.series;
  }

  setLevels = (levels: string[]) => this.setState({ levels, ...NEWEST_PAGE });
  clearSpan = () => this.setState({ span: undefined, ...NEWEST_PAGE });

  /**
   * The next page of older lines, after the cursor the server gave with this one (every line is reachable). A live
   * newest page carries none: the cursor is read then, from that page as it stands.
   */
  loadOlder = async () => {
    let next = olderCursor(this.frames());
    const { session, ds } = this.state;
    if (!next && session && this.canLoadOlder()) {
      const { from, to } = sceneGraph.getTimeRange(this).state.value;
      try {
        const api = await actionsApi(ds);
        next = (await api.listLogs(session, logsPageFilters(this.query(), { from: from.valueOf(), to: to.valueOf() }))).nextCursor;
      } catch (e) {
        this.setState({ error: `Could not read the older page: ${errorMessage(e)}` });
        return;
      }
    }
    if (next) {
      this.setState(olderPage(this.state, next));
    }
  };

  /** Back to the page before (newer lines). */
  loadNewer = () => this.setState(newerPage(this.state));
}

// ---- The view ----------------------------------------------------------------------------------------------

const SCOPE = {
  session: { label: 'Session logs', height: 640 },
  trace: { label: 'Trace logs', height: 560 },
};

function LogsSceneRenderer({ model }: SceneComponentProps<LogsScene>) {
  const styles = useStyles2(getStyles);
  const { panel, levels, scope, newer, error } = model.useState();
  const { data } = (panel.state.$data as SceneDataTransformer).useState();
  const queryError = data?.errors?.[0]?.message;
  return (
    <section aria-label={SCOPE[scope.kind].label} className={styles.column}>
      {queryError && (
        <Alert severity="error" title="Could not load the logs">
          {queryError}
        </Alert>
      )}
      {error && (
        <Alert severity="warning" title="Logs" onRemove={() => model.setState({ error: undefined })}>
          {error}
        </Alert>
      )}
      <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
        <LevelFilter levels={levels} onChange={model.setLevels} />
        {scope.kind === 'session' ? <SessionScope model={model} /> : <TraceScope model={model} traceId={scope.traceId} />}
        <LogsPaging
          lines={logLineCount(data?.series)}
          className={styles.muted}
          canNewer={newer.length > 0}
          canOlder={model.canLoadOlder(data?.series)}
          onNewer={model.loadNewer}
          onOlder={() => void model.loadOlder()}
        />
      </Stack>
      <div className={styles.panel} style={{ height: SCOPE[scope.kind].height }}>
        <panel.Component model={panel} />
      </div>
    </section>
  );
}

/** Which lines a session's view shows: all its traces', the newest live or an older page. */
function SessionScope({ model }: { model: LogsScene }) {
  const styles = useStyles2(getStyles);
  const { cursor } = model.useState();
  return <span className={styles.muted}>All traces of this session{cursor ? ', older page' : model.isLivePage() ? ', live' : ''}</span>;
}

/** Which lines a trace's view shows: one span's (with the way to it and back to all) or all spans'; live or not. */
function TraceScope({ model, traceId }: { model: LogsScene; traceId: string }) {
  const styles = useStyles2(getStyles);
  const { span, session } = model.useState();
  return (
    <>
      {span ? (
        <Stack direction="row" gap={1} alignItems="center">
          <span data-testid="logs-span-filter">
            Span <code>{span}</code>
          </span>
          <LinkButton size="sm" variant="secondary" icon="gf-traces" href={ROUTES.trace(traceId, 'spans', { session, span })}>
            Show span
          </LinkButton>
          <Button size="sm" variant="secondary" icon="times" onClick={model.clearSpan}>
            All spans
          </Button>
        </Stack>
      ) : (
        <span className={styles.muted}>All spans of this trace</span>
      )}
      {model.isLivePage() && <Badge text="Live" icon="circle" color="green" tooltip="New lines appear as Kong sends them, while the session captures" />}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), width: '100%', minWidth: 0 }),
  panel: css({ width: '100%', minWidth: 0, display: 'flex', flexDirection: 'column' }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
