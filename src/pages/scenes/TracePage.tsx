/**
 * A trace's own page, `/a/<app>/trace/<traceId>` (reachable with just the id), with Konnect's three tabs:
 * Summary (info card, latency breakdown, lifecycle map), Spans (Grafana's traces panel on our trace frame) and
 * Logs (the logs view of `LogsScene.tsx` in its trace scope: filtered by level and span, newest first, "Load older";
 * while the trace's session captures logs, the newest page is the data source's live logs query).
 * `?session=` (logs are stored per session), `?span=` and the Summary's `?compare=` (another trace id or `typical`:
 * the summary query's `compareTo`) live in the URL and carry over between tabs.
 */
import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, type PanelData } from '@grafana/data';
import {
  PanelBuilders,
  SceneAppPage,
  SceneComponentProps,
  SceneObjectBase,
  type SceneObject,
  SceneObjectState,
  SceneObjectUrlSyncConfig,
  SceneObjectUrlValues,
  SceneQueryRunner,
  VizPanel,
  sceneGraph,
  type SceneAppPageLike,
} from '@grafana/scenes';
import { Alert, LinkButton, useStyles2 } from '@grafana/ui';
import { ROUTES } from '../constants';
import { DsInfo, actionsApi, kongQueries } from './dataSource';
import { readLifecycleFrames, type ReadResult } from '../../panels/lifecyclemap/model';
import { TraceAnalysis, type StatisticsGroup, type StatisticsResult } from '../TraceAnalysis';
import { readFrameAnalysis } from '../../panels/lifecyclemap/analysis';
import { findFrame, readStatisticsFrame } from './rows';
import { errorMessage, type PagesApi } from '../useDebuggerApi';
import { TraceInfoCard } from './TraceInfoCard';
import { focusSpanLink, spanLogsLinks } from './traceLinks';
import { LogsScene } from './LogsScene';
import { tabScene } from './pageRange';
import { changedStrings, urlString } from './urlValues';

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
      tab('Logs', 'logs', () => new LogsScene({ ds, scope: { kind: 'trace', traceId } })),
    ],
  });
}

const getStyles = (theme: GrafanaTheme2) => ({
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), width: '100%', minWidth: 0 }),
  panel: css({ width: '100%', minWidth: 0, display: 'flex', flexDirection: 'column' }),
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
