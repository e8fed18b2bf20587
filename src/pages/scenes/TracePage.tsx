/**
 * A trace's own page, `/a/<app>/trace/<traceId>` (reachable with just the id), with Konnect's three tabs:
 * Summary (info card, latency breakdown, lifecycle map), Spans (Grafana's traces panel on our trace frame) and
 * Logs (Grafana's logs panel on our logs frames, filtered by level and span, newest first, "Load older"; while the
 * trace's session captures, the newest page is the data source's live logs query: new lines appear as they arrive).
 * `?session=` (logs are stored per session), `?span=` and the Summary's `?compare=` (another trace id or `typical`:
 * the summary query's `compareTo`) live in the URL and carry over between tabs.
 */
import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, LoadingState, type DataFrame, type PanelData } from '@grafana/data';
import {
  PanelBuilders,
  SceneAppPage,
  SceneComponentProps,
  SceneDataTransformer,
  SceneObjectBase,
  type SceneObject,
  SceneObjectState,
  SceneObjectUrlSyncConfig,
  SceneObjectUrlValues,
  SceneQueryRunner,
  type SceneDataState,
  VizPanel,
  sceneGraph,
  type SceneAppPageLike,
} from '@grafana/scenes';
import { Alert, Badge, Button, LinkButton, Stack, useStyles2 } from '@grafana/ui';
import { ROUTES } from '../constants';
import { DsInfo, actionsApi, kongQueries } from './dataSource';
import { readLifecycleFrames, type ReadResult } from '../../panels/lifecyclemap/model';
import { TraceAnalysis, type StatisticsGroup, type StatisticsResult } from '../TraceAnalysis';
import { readFrameAnalysis } from '../../panels/lifecyclemap/analysis';
import { SessionRow, findFrame, isActiveStatus, readStatisticsFrame, rowsOf } from './rows';
import { errorMessage, type PagesApi } from '../useDebuggerApi';
import { TraceInfoCard } from './TraceInfoCard';
import { focusSpanLink, spanLogsLinks } from './traceLinks';
import { tabScene } from './pageRange';
import { changedStrings, urlString } from './urlValues';
import { LOGS_PAGE, LevelFilter, LogsPaging, buildLogsPanel, logLineCount, logsQuery, logsRunner, olderCursor } from './logsView';

// `compare` too: the Summary's comparison is still there when the user comes back from Spans or Logs
const PRESERVED = ['session', 'span', 'compare', 'level', 'from', 'to'];

interface TraceTabState extends SceneObjectState {
  ds: DsInfo;
  traceId: string;
  session?: string;
  span?: string;
}

/** Each tab keeps `session` and `span` in the URL (the tabs' links preserve them). */
abstract class TraceTab<S extends TraceTabState> extends SceneObjectBase<S> {
  protected _urlSync = new SceneObjectUrlSyncConfig(this, { keys: this.urlKeys() });

  protected urlKeys(): string[] {
    return ['session', 'span'];
  }

  getUrlState(): SceneObjectUrlValues {
    return { session: this.state.session, span: this.state.span };
  }

  updateFromUrl(values: SceneObjectUrlValues) {
    const next = changedStrings(values, this.state, ['session', 'span']);
    if (Object.keys(next).length) {
      this.setState(next as Partial<S>);
    }
  }
}

// ---- Summary ----------------------------------------------------------------------------------------------

interface SummaryTabState extends TraceTabState {
  card: TraceInfoCard;
  /** the statistics query (its own runner: regrouping does not rerun the summary) */
  stats: SceneQueryRunner;
  groupBy: StatisticsGroup;
  /** the data source's API client, for downloads (user actions); page data comes through the query runners */
  api?: PagesApi;
  apiError?: string;
  /** `?compare=`: 'typical' or another trace id (what the summary query's `compareTo` asks) */
  compareTo?: string;
}

/** The summary query: with the session, the trace's standing there; with `compareTo`, its comparison. */
export function summaryQuery(traceId: string, s: { session?: string; compareTo?: string }) {
  return { refId: 'summary', queryType: 'summary' as const, traceId, sessionId: s.session, compareTo: s.compareTo };
}

export class TraceSummaryTab extends TraceTab<SummaryTabState> {
  static Component = SummaryTabRenderer;

  constructor(state: Omit<SummaryTabState, 'card' | 'stats' | 'groupBy' | '$data'> & { groupBy?: StatisticsGroup }) {
    const groupBy = state.groupBy ?? 'name';
    super({
      ...state,
      groupBy,
      $data: kongQueries(state.ds, [summaryQuery(state.traceId, state), { refId: 'trace', queryType: 'trace', traceId: state.traceId }]),
      stats: kongQueries(state.ds, [{ refId: 'statistics', queryType: 'statistics', traceId: state.traceId, groupBy }]),
      card: new TraceInfoCard({}),
    });
    this.addActivationHandler(() => {
      if (!this.state.api) {
        actionsApi(this.state.ds).then(
          (api) => this.setState({ api }),
          (e) => this.setState({ apiError: errorMessage(e) })
        );
      }
      // the URL's session is applied after construction; a newer selection replaces (cancels) the running query
      this.rerunSummary();
      const stopStats = this.state.stats.activate();
      const sub = this.subscribeToState((n, p) => {
        if (n.session !== p.session || n.compareTo !== p.compareTo) {
          this.rerunSummary();
        }
        if (n.groupBy !== p.groupBy) {
          this.rerun(this.state.stats, [{ refId: 'statistics', queryType: 'statistics', traceId: n.traceId, groupBy: n.groupBy }]);
        }
      });
      return () => {
        sub.unsubscribe();
        stopStats();
      };
    });
  }

  protected urlKeys(): string[] {
    return ['session', 'span', 'compare'];
  }

  getUrlState(): SceneObjectUrlValues {
    return { ...super.getUrlState(), compare: this.state.compareTo };
  }

  updateFromUrl(values: SceneObjectUrlValues) {
    super.updateFromUrl(values);
    if ('compare' in values && urlString(values.compare) !== this.state.compareTo) {
      this.setState({ compareTo: urlString(values.compare) });
    }
    // the URL is read before the runner starts: its first query already asks for the session's standing and comparison
    this.rerunSummary();
  }

  private rerunSummary() {
    const runner = this.state.$data as SceneQueryRunner;
    const [summary] = runner.state.queries as Array<ReturnType<typeof summaryQuery>>;
    const next = summaryQuery(this.state.traceId, this.state);
    if (summary.sessionId !== next.sessionId || summary.compareTo !== next.compareTo) {
      this.rerun(runner, [next, ...runner.state.queries.slice(1)]);
    }
  }

  private rerun(runner: SceneQueryRunner, queries: object[]) {
    runner.setState({ queries: queries.map((q) => ({ ...q, datasource: { uid: this.state.ds.uid, type: this.state.ds.type } })) as never });
    if (runner.isActive) {
      runner.runQueries();
    }
  }

  setCompareTo = (compareTo: string | undefined) => this.setState({ compareTo });
  setGroupBy = (groupBy: StatisticsGroup) => this.setState({ groupBy });

  /** A clicked map node selects its span (in the URL, so the Spans tab focuses it and the Logs tab filters on it). */
  selectSpan(spanId: string) {
    this.setState({ span: spanId === this.state.span ? undefined : spanId });
  }
}

/** The statistics runner's answer as the table reads it (undefined while the first answer is on its way). */
function statisticsResult(data: PanelData | undefined): StatisticsResult | undefined {
  const error = data?.errors?.[0]?.message;
  const read = readStatisticsFrame(findFrame(data?.series, 'statistics'));
  const asked = (data?.request?.targets?.[0] as { groupBy?: StatisticsGroup } | undefined)?.groupBy ?? 'name';
  if (error) {
    return { groupBy: asked, error };
  }
  return data?.state === 'Done' && read ? read : undefined;
}

function SummaryTabRenderer({ model }: SceneComponentProps<TraceSummaryTab>) {
  const styles = useStyles2(getStyles);
  const { card, api, apiError, traceId, session, span, compareTo, stats, groupBy } = model.useState();
  const { data } = sceneGraph.getData(model).useState();
  const { data: statsData } = stats.useState();
  const summaryFrames = data?.series.filter((f) => f.refId === 'summary');
  const queryError = data?.errors?.find((e) => e.refId === 'summary')?.message;
  const loading = !summaryFrames?.length && !queryError && data?.state !== 'Done';
  const summary: ReadResult | undefined = queryError
    ? { ok: false, error: queryError }
    : loading
      ? undefined
      : readLifecycleFrames(summaryFrames);
  return (
    <div className={styles.column}>
      <card.Component model={card} />
      <section aria-label="Trace summary">
        {apiError && (
          <Alert severity="error" title="Kong Debugger is not available">
            {apiError}
          </Alert>
        )}
        <TraceAnalysis
          api={api}
          sessionId={session}
          traceId={traceId}
          summary={summary}
          analysis={readFrameAnalysis(summaryFrames)}
          compareTo={compareTo}
          onCompare={model.setCompareTo}
          selectedSpanId={span}
          onSelectSpan={(spanId) => model.selectSpan(spanId)}
          groupBy={groupBy}
          onGroupBy={model.setGroupBy}
          statistics={statisticsResult(statsData)}
        />
        {span && (
          <div className={styles.selection} data-testid="selected-span">
            <span>
              Selected span <code>{span}</code>
            </span>
            <LinkButton size="sm" variant="secondary" icon="gf-traces" href={ROUTES.trace(traceId, 'spans', { session, span })}>
              Show in Spans
            </LinkButton>
            <LinkButton size="sm" variant="secondary" icon="gf-logs" href={ROUTES.trace(traceId, 'logs', { session, span })}>
              Logs of this span
            </LinkButton>
          </div>
        )}
      </section>
    </div>
  );
}

/** Options set on a panel whether or not its plugin has loaded yet (onOptionsChange needs the plugin). */
export function setPanelOptions(panel: VizPanel, patch: Record<string, unknown>) {
  panel.setState({ options: { ...panel.state.options, ...patch } });
}

// ---- Spans ------------------------------------------------------------------------------------------------

interface SpansTabState extends TraceTabState {
  panel: VizPanel;
}

/** Grafana's traces panel on our `trace` query; span links go to our Logs tab, focus follows `?span=`. */
export function buildTracePanel(ds: DsInfo, traceId: string, session: string | undefined, span: string | undefined, onFocus: (spanId: string) => void): VizPanel {
  return PanelBuilders.traces()
    .setTitle('Spans')
    .setHoverHeader(true)
    .setData(kongQueries(ds, [{ refId: 'trace', queryType: 'trace', traceId, sessionId: session }]))
    .setOption('focusedSpanId' as never, span as never)
    .setOption('createSpanLink' as never, spanLogsLinks(session) as never)
    .setOption('createFocusSpanLink' as never, focusSpanLink(session, onFocus) as never)
    .setOption('datasource' as never, { uid: ds.uid, type: ds.type } as never)
    .build();
}

export class TraceSpansTab extends TraceTab<SpansTabState> {
  static Component = SpansTabRenderer;

  constructor(state: Omit<SpansTabState, 'panel'>) {
    // The focus callback needs the tab, which exists only after super().
    const self: { tab?: TraceSpansTab } = {};
    super({
      ...state,
      panel: buildTracePanel(state.ds, state.traceId, state.session, state.span, (spanId) => self.tab?.setState({ span: spanId })),
    });
    self.tab = this;
    this.addActivationHandler(() => {
      // the URL's session is applied after construction: the trace query carries it for the span links
      this.syncPanel(true);
      const sub = this.subscribeToState((n, p) => (n.span !== p.span || n.session !== p.session) && this.syncPanel(n.session !== p.session));
      return () => sub.unsubscribe();
    });
  }

  private syncPanel(sessionChanged = false) {
    const { panel, span, session, ds, traceId } = this.state;
    setPanelOptions(panel, {
      focusedSpanId: span,
      createSpanLink: spanLogsLinks(session),
      createFocusSpanLink: focusSpanLink(session, (spanId) => this.setState({ span: spanId })),
    });
    if (sessionChanged) {
      const runner = panel.state.$data as SceneQueryRunner;
      runner.setState({ queries: [{ refId: 'trace', queryType: 'trace', traceId, sessionId: session, datasource: { uid: ds.uid, type: ds.type } } as never] });
      if (runner.isActive) {
        runner.runQueries();
      }
    }
  }
}

function SpansTabRenderer({ model }: SceneComponentProps<TraceSpansTab>) {
  const styles = useStyles2(getStyles);
  const { panel } = model.useState();
  return (
    <div className={styles.panel} style={{ height: 720 }}>
      <panel.Component model={panel} />
    </div>
  );
}

// ---- Logs -------------------------------------------------------------------------------------------------

interface LogsTabState extends TraceTabState {
  levels: string[];
  limit: number;
  panel: VizPanel;
  /** the page shown: after this cursor (absent: the newest lines) */
  cursor?: string;
  /** the cursors of the newer pages, to go back one at a time */
  newer: Array<string | undefined>;
  /** the session query (its status): while the session captures, the newest page streams */
  sessionRunner: SceneQueryRunner;
  /** the trace's session captures: the newest page is the data source's live logs query; older pages are not */
  live?: boolean;
  error?: string;
}

/** whether a logs runner's current request is the live one */
const isLiveLogs = (data: SceneDataState['data']) => Boolean((data?.request?.targets as Array<{ live?: boolean }> | undefined)?.some((q) => q.live));

export class TraceLogsTab extends TraceTab<LogsTabState> {
  static Component = LogsTabRenderer;

  constructor(state: Omit<LogsTabState, 'panel' | 'levels' | 'limit' | 'newer' | 'sessionRunner'> & { levels?: string[]; limit?: number }) {
    const levels = state.levels ?? [];
    const limit = state.limit ?? LOGS_PAGE;
    const runner = kongQueries(state.ds, [logsQuery(state.traceId, { ...state, levels, limit })]);
    const self: { tab?: TraceLogsTab } = {};
    // Each line's span opens in the app's Spans tab (not in Explore).
    const panel = buildLogsPanel(runner, () => self.tab?.state.session);
    const sessionRunner = kongQueries(state.ds, []);
    super({ ...state, levels, limit, panel, newer: [], sessionRunner });
    self.tab = this;
    this.addActivationHandler(() => {
      // the URL (session, span, levels) is applied after construction: query what it says
      this.rerun();
      const stopSession = sessionRunner.activate();
      this.readSession();
      const subs = [
        this.subscribeToState((n, p) => {
          if (n.session !== p.session) {
            this.wentLive = false;
            this.setState({ live: false, error: undefined });
            this.readSession();
          }
          if (n.session !== p.session || n.span !== p.span || n.levels !== p.levels || n.limit !== p.limit || n.cursor !== p.cursor || n.live !== p.live) {
            this.rerun();
          }
        }),
        // once the session is known to capture, the newest page streams (once: a stream that ended is not reopened)
        sessionRunner.subscribeToState((n) => {
          const s = rowsOf<SessionRow>(findFrame(n.data?.series, 'sessions'))[0];
          if (s && s.id === this.state.session && isActiveStatus(s.status) && !this.wentLive) {
            this.wentLive = true;
            this.setState({ live: true });
          }
        }),
        runner.subscribeToState((n, p) => this.onLogsData(n.data, p.data)),
      ];
      return () => {
        subs.forEach((x) => x.unsubscribe());
        stopSession();
      };
    });
  }

  private wentLive = false;

  private readSession() {
    const { session, ds } = this.state;
    if (!session) {
      return;
    }
    this.state.sessionRunner.setState({ queries: [{ refId: 'session', queryType: 'sessions', sessionId: session, datasource: { uid: ds.uid, type: ds.type } } as never] });
    this.state.sessionRunner.runQueries();
  }

  /**
   * The live logs query's end (the session ended: `Done`) reads the newest page once more, as it stands; a stream
   * that failed for good (the server's stream cap, say) leaves a plain read and says so.
   */
  private onLogsData(n: SceneDataState['data'], p: SceneDataState['data']) {
    if (!n || !isLiveLogs(n) || n.state === p?.state) {
      return;
    }
    const sameRequest = n.request?.requestId === p?.request?.requestId;
    if (n.state === LoadingState.Done && sameRequest && p?.state !== LoadingState.Done) {
      this.setState({ live: false });
    } else if (n.state === LoadingState.Error) {
      const why = n.errors?.[0]?.message ?? 'the stream failed';
      this.setState({ live: false, error: `Live updates stopped (${why}). The logs are read once; change a filter or reload to read them again.` });
    }
  }

  protected urlKeys(): string[] {
    return ['session', 'span', 'level'];
  }

  getUrlState(): SceneObjectUrlValues {
    return { ...super.getUrlState(), level: this.state.levels.length ? this.state.levels.join(',') : undefined };
  }

  updateFromUrl(values: SceneObjectUrlValues) {
    super.updateFromUrl(values);
    if ('level' in values) {
      const levels = (urlString(values.level) ?? '').split(',').filter(Boolean);
      if (levels.join(',') !== this.state.levels.join(',')) {
        this.setState({ levels });
      }
    }
  }

  private runner(): SceneQueryRunner {
    return logsRunner(this.state.panel);
  }

  private rerun() {
    const runner = this.runner();
    runner.setState({ queries: [logsQuery(this.state.traceId, this.state)] });
    // an inactive runner runs its (new) queries when its panel mounts
    if (runner.isActive) {
      runner.runQueries();
    }
  }

  // A new filter starts again at the newest page.
  setLevels = (levels: string[]) => this.setState({ levels, cursor: undefined, newer: [] });
  clearSpan = () => this.setState({ span: undefined, cursor: undefined, newer: [] });
  /**
   * The next page of older lines, after the cursor the server gave with this one (every line is reachable). A live
   * newest page carries none (its lines move as they arrive): the cursor is read then, from that page as it stands.
   */
  loadOlder = async () => {
    let next = olderCursor(this.dataFrames());
    const { session, cursor, traceId, span, levels, limit, ds } = this.state;
    if (!next && this.isLivePage() && session) {
      try {
        const api = await actionsApi(ds);
        const page = await api.listLogs(session, { traceId, spanId: span, level: levels.length ? levels.join(',') : undefined, limit });
        next = page.nextCursor;
      } catch (e) {
        this.setState({ error: `Could not read the older page: ${errorMessage(e)}` });
        return;
      }
    }
    if (next) {
      this.setState({ newer: [...this.state.newer, cursor], cursor: next });
    }
  };

  /** the newest page, streaming */
  isLivePage(): boolean {
    return Boolean(this.state.live && this.state.session && !this.state.cursor);
  }
  /** Back to the page before (newer lines). */
  loadNewer = () => {
    const newer = [...this.state.newer];
    const cursor = newer.pop();
    this.setState({ newer, cursor });
  };

  private dataFrames(): DataFrame[] | undefined {
    return (this.state.panel.state.$data as SceneDataTransformer).state.data?.series;
  }

  /** Lines shown now; the last page was full when it equals `limit` (there may be older ones). */
  lineCount(frames: DataFrame[] | undefined): number {
    return logLineCount(frames);
  }
}

function LogsTabRenderer({ model }: SceneComponentProps<TraceLogsTab>) {
  const styles = useStyles2(getStyles);
  const { panel, levels, span, traceId, session, newer, limit, error } = model.useState();
  const { data } = (model.state.panel.state.$data as SceneDataTransformer).useState();
  const lines = model.lineCount(data?.series);
  const livePage = model.isLivePage();
  const queryError = data?.errors?.[0]?.message;
  // a full live newest page has older lines, whose cursor is read on the click
  const hasOlder = Boolean(olderCursor(data?.series)) || (livePage && lines >= limit);
  return (
    <div className={styles.column}>
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
        {livePage && <Badge text="Live" icon="circle" color="green" tooltip="New lines appear as Kong sends them, while the session captures" />}
        <LogsPaging
          lines={lines}
          className={styles.muted}
          canNewer={newer.length > 0}
          canOlder={hasOlder}
          onNewer={model.loadNewer}
          onOlder={() => void model.loadOlder()}
        />
      </Stack>
      <div className={styles.panel} style={{ height: 560 }}>
        <panel.Component model={panel} />
      </div>
    </div>
  );
}

// ---- Page -------------------------------------------------------------------------------------------------

/** The trace page with its Summary | Spans | Logs tabs (a drilldown of the Traces page, or of a session). */
export function tracePage(ds: DsInfo, traceId: string, parent: SceneAppPageLike): SceneAppPage {
  const url = ROUTES.trace(traceId);
  const tab = (title: string, suffix: '' | 'spans' | 'logs', body: () => SceneObject) =>
    new SceneAppPage({
      title,
      url: suffix ? `${url}/${suffix}` : url,
      routePath: suffix || 'summary',
      preserveUrlKeys: PRESERVED,
      getScene: () => tabScene(body()),
    });
  return new SceneAppPage({
    title: `Trace ${traceId.slice(0, 16)}`,
    subTitle: `Trace ${traceId}`,
    url,
    routePath: `${encodeURIComponent(traceId)}/*`,
    getParentPage: () => parent,
    preserveUrlKeys: PRESERVED,
    tabs: [
      tab('Summary', '', () => new TraceSummaryTab({ ds, traceId })),
      tab('Spans', 'spans', () => new TraceSpansTab({ ds, traceId })),
      tab('Logs', 'logs', () => new TraceLogsTab({ ds, traceId })),
    ],
  });
}

const getStyles = (theme: GrafanaTheme2) => ({
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), width: '100%', minWidth: 0 }),
  panel: css({ width: '100%', minWidth: 0, display: 'flex', flexDirection: 'column' }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  selection: css({
    position: 'sticky',
    bottom: 0,
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    padding: theme.spacing(1),
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
});
