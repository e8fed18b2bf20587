/**
 * One session: header (status, rule, Kong tracing mode, time left, counts, live), the session summary (p50/p95/p99
 * per lifecycle node), the traces table (server-side paging, every filter of the API) and the selected trace in
 * Grafana's traces panel. `?trace=`, `?span=` and the absolute `from`/`to` (the session's life) are in the URL.
 * While the session captures, the first traces page is the data source's live query (the session's event stream):
 * new traces appear as they arrive, the header and summary are re-read when they do, and once more when the stream
 * ends with the session. Nothing polls. With a trace selected, each other row's "Compare" opens the selected trace's
 * Summary compared with that one (`?compare=`, the range kept).
 */
import React from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2, LoadingState } from '@grafana/data';
import {
  SceneAppPage,
  SceneComponentProps,
  SceneObjectBase,
  SceneObjectState,
  SceneObjectUrlSyncConfig,
  SceneObjectUrlValues,
  SceneQueryRunner,
  type SceneDataState,
  VizPanel,
  sceneGraph,
  type SceneAppPageLike,
} from '@grafana/scenes';
import { locationService } from '@grafana/runtime';
import { Alert, Badge, Button, Checkbox, ConfirmModal, Input, LinkButton, LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import { ROUTES } from '../constants';
import { STATUS_COLOR, STATUS_LABEL } from '../format';
import { errorMessage } from '../useDebuggerApi';
import { useNow } from '../useNow';
import { DsInfo, actionsApi, kongQueries, type KongQuery } from './dataSource';
import { LifecycleMapScene } from './LifecycleMapScene';
import { SessionRow, TraceRow, findFrame, isActiveStatus, rowsOf, timeLeftOf } from './rows';
import { buildTracePanel, setPanelOptions } from './TracePage';
import { sessionLogsTab } from './SessionLogs';
import { sessionRangeOnce, tabScene } from './pageRange';
import { changedStrings } from './urlValues';

export const TRACES_PAGE = 50;
/** at most one re-read of the header and summary per this long while traces stream in */
export const COUNTS_THROTTLE_MS = 1000;

/** The API's trace filters (TraceQueryFilters without paging and time bounds). */
export interface TraceFilters {
  status?: string;
  method?: string;
  path?: string;
  routeId?: string;
  serviceId?: string;
  minDurationMs?: number;
  errorsOnly?: boolean;
  spanErrorsOnly?: boolean;
}

// ---- Header -----------------------------------------------------------------------------------------------

interface HeaderState extends SceneObjectState {
  ds: DsInfo;
  sessionId: string;
  confirmStop?: boolean;
  error?: string;
}

export class SessionHeader extends SceneObjectBase<HeaderState> {
  static Component = HeaderRenderer;

  constructor(state: Omit<HeaderState, '$data'>) {
    super({ ...state, $data: kongQueries(state.ds, [{ queryType: 'sessions', sessionId: state.sessionId }]) });
  }

  session(): SessionRow | undefined {
    return rowsOf<SessionRow>(findFrame(this.state.$data?.state.data?.series, 'sessions'))[0];
  }

  stop = async () => {
    this.setState({ confirmStop: false });
    try {
      await (await actionsApi(this.state.ds)).stopSession(this.state.sessionId);
    } catch (e) {
      this.setState({ error: `Could not stop the session: ${errorMessage(e)}` });
      return;
    }
    (this.state.$data as SceneQueryRunner).runQueries();
  };
}

function HeaderRenderer({ model }: SceneComponentProps<SessionHeader>) {
  const styles = useStyles2(getStyles);
  const now = useNow();
  const { confirmStop, error, sessionId } = model.useState();
  const { data } = sceneGraph.getData(model).useState();
  const s = rowsOf<SessionRow>(findFrame(data?.series, 'sessions'))[0];
  const queryError = data?.errors?.[0]?.message;
  if (!s) {
    return queryError ? (
      <Alert severity="error" title="Could not load the session">
        {queryError}
      </Alert>
    ) : (
      <LoadingPlaceholder text="Loading session…" />
    );
  }
  const active = isActiveStatus(s.status);
  return (
    <section aria-label="Session" className={styles.column}>
      <Stack direction="row" justifyContent="space-between" alignItems="center" wrap="wrap">
        <Stack direction="row" gap={1} alignItems="center">
          <h2 className={styles.title}>{s.name || s.id}</h2>
          <Badge text={STATUS_LABEL[s.status] ?? s.status} color={STATUS_COLOR[s.status] ?? 'blue'} />
          {active && <Badge text="Live" icon="circle" color="green" tooltip="New traces appear as Kong sends them, while the session captures" />}
        </Stack>
        <Stack direction="row" gap={1}>
          <LinkButton variant="secondary" icon="repeat" href={ROUTES.runAgain(sessionId)}>
            Run again
          </LinkButton>
          {active && (
            <Button variant="destructive" icon="square-shape" onClick={() => model.setState({ confirmStop: true })}>
              Stop
            </Button>
          )}
        </Stack>
      </Stack>
      <dl className={styles.facts}>
        <dt>Rule</dt>
        <dd>
          {s.ruleType}: <code>{s.rule}</code>
        </dd>
        <dt>Kong tracing</dt>
        <dd aria-label="Kong tracing">{s.tracingMode ?? '—'}</dd>
        <dt>Time left</dt>
        <dd>{timeLeftOf(s, now)}</dd>
        <dt>Traces</dt>
        <dd>
          {s.traceCount} / {s.maxTraces}
        </dd>
        <dt>Logs</dt>
        <dd>{s.captureLogs ? s.logCount : 'not captured'}</dd>
        {s.createdBy && (
          <>
            <dt>Created by</dt>
            <dd>{s.createdBy}</dd>
          </>
        )}
      </dl>
      {error && (
        <Alert severity="error" title="Request failed" onRemove={() => model.setState({ error: undefined })}>
          {error}
        </Alert>
      )}
      <ConfirmModal
        isOpen={!!confirmStop}
        title="Stop session"
        body={`Stop "${s.name}"? It stops capturing; its traces are kept.`}
        confirmText="Stop"
        onConfirm={model.stop}
        onDismiss={() => model.setState({ confirmStop: false })}
      />
    </section>
  );
}

// ---- Traces table -----------------------------------------------------------------------------------------

interface TracesListState extends SceneObjectState {
  ds: DsInfo;
  sessionId: string;
  filters: TraceFilters;
  draft: TraceFilters;
  /** cursors of the pages before the current one ('' = first page); the current page's cursor is last */
  cursors: string[];
  selectedTraceId?: string;
  /** the session captures: the first page streams (the data source's live query); older pages do not */
  live?: boolean;
  onSelect: (traceId: string) => void;
  /** the Refresh button also re-reads what sits beside the table (header, summary) */
  onRefresh?: () => void;
  error?: string;
}

export function tracesQuery(sessionId: string, filters: TraceFilters, cursor: string, live = false): KongQuery {
  return {
    refId: 'traces',
    queryType: 'traces',
    sessionId,
    ...filters,
    limit: TRACES_PAGE,
    cursor: cursor || undefined,
    live: (live && !cursor) || undefined,
  };
}

/**
 * The selected trace's Summary compared with another (the product's "compare two traces"): state in the URL, so the
 * link can be shared; the session (for the standing) and the time range go along.
 */
export function compareLink(traceId: string, other: string, sessionId: string, range: { from?: string; to?: string }): string {
  return ROUTES.trace(traceId, 'summary', { session: sessionId, compare: other, from: range.from, to: range.to });
}

/** whether a traces runner's current request is the live one */
export const isLiveRequest = (data: SceneDataState['data']) =>
  Boolean((data?.request?.targets as KongQuery[] | undefined)?.some((q) => q.queryType === 'traces' && q.live));

export class TracesList extends SceneObjectBase<TracesListState> {
  static Component = TracesListRenderer;

  constructor(state: Omit<TracesListState, '$data' | 'filters' | 'draft' | 'cursors'>) {
    super({
      ...state,
      filters: {},
      draft: {},
      cursors: [''],
      $data: kongQueries(state.ds, [tracesQuery(state.sessionId, {}, '')]),
    });
  }

  private run(filters: TraceFilters, cursors: string[], live = this.state.live, now = true) {
    this.setState({ filters, cursors, live });
    const runner = this.state.$data as SceneQueryRunner;
    const query = tracesQuery(this.state.sessionId, filters, cursors[cursors.length - 1], live);
    runner.setState({ queries: [{ ...query, datasource: { uid: this.state.ds.uid, type: this.state.ds.type } } as never] });
    if (now) {
      runner.runQueries();
    }
  }

  /**
   * Streams the first page while the session captures; `false` (it ended) reads it once more, as it stands.
   * `now: false` when a time range change is about to run the query anyway (one stream, not two).
   */
  setLive(live: boolean, now = true) {
    if (live !== Boolean(this.state.live)) {
      this.run(this.state.filters, this.state.cursors, live, now);
    }
  }

  search = () => this.run({ ...this.state.draft }, ['']);
  /**
   * The next (older) page: the server's cursor after the last trace shown. A live first page carries none (its
   * rows move as traces arrive): the cursor is read then, from the first page as it stands.
   */
  older = async (nextCursor?: string) => {
    const { filters, cursors, ds, sessionId } = this.state;
    let cursor = nextCursor;
    if (!cursor) {
      const { from, to } = sceneGraph.getTimeRange(this).state.value;
      try {
        const page = await (await actionsApi(ds)).listTraces(sessionId, { ...filters, limit: TRACES_PAGE, from: from.valueOf(), to: to.valueOf() });
        cursor = page.nextCursor;
      } catch (e) {
        this.setState({ error: `Could not read the older page: ${errorMessage(e)}` });
        return;
      }
    }
    if (cursor) {
      this.run(filters, [...cursors, cursor]);
    }
  };
  newer = () => this.run(this.state.filters, this.state.cursors.slice(0, -1));
  refresh = () => {
    (this.state.$data as SceneQueryRunner).runQueries();
    this.state.onRefresh?.();
  };
  setDraft = (patch: Partial<TraceFilters>) => this.setState({ draft: { ...this.state.draft, ...patch } });
}

function TracesListRenderer({ model }: SceneComponentProps<TracesList>) {
  const styles = useStyles2(getStyles);
  const { draft, cursors, selectedTraceId, onSelect, filters, live, error, sessionId } = model.useState();
  const { data } = sceneGraph.getData(model).useState();
  const timeRange = sceneGraph.getTimeRange(model);
  timeRange.useState();
  const range = (timeRange.urlSync?.getUrlState() ?? {}) as { from?: string; to?: string };
  const frame = findFrame(data?.series, 'traces');
  const traces = rowsOf<TraceRow>(frame);
  const nextCursor = (frame?.meta?.custom as { nextCursor?: string } | undefined)?.nextCursor;
  const queryError = data?.errors?.[0]?.message;
  const page = cursors.length;
  // a live first page knows no cursor: a full one has older traces, whose cursor is read on the click
  const hasOlder = Boolean(nextCursor) || (Boolean(live) && page === 1 && traces.length >= TRACES_PAGE);

  const text = (key: 'status' | 'method' | 'path' | 'routeId' | 'serviceId', label: string, width: number, placeholder: string) => (
    <Input aria-label={label} placeholder={placeholder} width={width} value={draft[key] ?? ''} onChange={(e) => model.setDraft({ [key]: e.currentTarget.value || undefined })} />
  );
  return (
    <div className={styles.column}>
      <form
        aria-label="Trace filters"
        onSubmit={(e) => {
          e.preventDefault();
          model.search();
        }}
      >
        <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
          {text('status', 'Status', 12, '5xx, 503, 400-499')}
          {text('method', 'Method', 10, 'GET')}
          {text('path', 'Path prefix', 18, '/orders')}
          {text('routeId', 'Route id', 18, 'route id')}
          {text('serviceId', 'Service id', 18, 'service id')}
          <Input
            aria-label="Min duration (ms)"
            placeholder="min ms"
            width={10}
            type="number"
            value={draft.minDurationMs ?? ''}
            onChange={(e) => model.setDraft({ minDurationMs: e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value) })}
          />
          <Checkbox label="Errors only" value={!!draft.errorsOnly} onChange={(e) => model.setDraft({ errorsOnly: e.currentTarget.checked || undefined })} />
          <Checkbox label="Span errors only" value={!!draft.spanErrorsOnly} onChange={(e) => model.setDraft({ spanErrorsOnly: e.currentTarget.checked || undefined })} />
          <Button type="submit" size="sm" icon="search">
            Search
          </Button>
          <Button size="sm" variant="secondary" icon="sync" onClick={model.refresh}>
            Refresh
          </Button>
        </Stack>
      </form>
      {queryError && (
        <Alert severity="error" title="Could not load traces">
          {queryError}
        </Alert>
      )}
      {error && (
        <Alert severity="error" title="Request failed" onRemove={() => model.setState({ error: undefined })}>
          {error}
        </Alert>
      )}
      {!frame && !queryError && <LoadingPlaceholder text="Loading traces…" />}
      {frame && traces.length === 0 && (
        <p className={styles.muted}>No traces{Object.keys(filters).length ? ' matching the filters' : page > 1 ? ' on this page' : ' captured yet'}.</p>
      )}
      {traces.length > 0 && (
        <div className={styles.scroll}>
          <table className={styles.table} aria-label="Traces">
            <thead>
              <tr>
                {['Start', 'Method', 'Path', 'Route', 'Status', 'Upstream', 'Duration', 'Kong', 'Upstream latency', 'Spans', 'Trace id'].map((h) => (
                  <th key={h}>{h}</th>
                ))}
                {selectedTraceId && <th>Compare</th>}
              </tr>
            </thead>
            <tbody>
              {traces.map((t) => (
                <tr
                  key={t.traceID}
                  className={cx(styles.row, t.traceID === selectedTraceId && styles.selected)}
                  onClick={() => onSelect(t.traceID)}
                  aria-selected={t.traceID === selectedTraceId}
                  tabIndex={0}
                  onKeyDown={(e) => e.key === 'Enter' && onSelect(t.traceID)}
                >
                  <td>{new Date(t.startTime).toLocaleTimeString()}</td>
                  <td>{t.method}</td>
                  <td className={styles.path}>{t.path}</td>
                  <td title={t.routeId}>{t.routeName || t.routeId}</td>
                  <td>{t.statusCode !== null ? <Badge text={String(t.statusCode)} color={t.error ? 'red' : t.statusCode >= 400 ? 'orange' : 'green'} /> : ''}</td>
                  <td>{t.upstreamStatusCode ?? ''}</td>
                  <td>{t.duration.toFixed(2)} ms</td>
                  <td>{t.kongLatency !== null ? `${t.kongLatency.toFixed(1)} ms` : 'n/a'}</td>
                  <td>{t.upstreamLatency !== null ? `${t.upstreamLatency.toFixed(1)} ms` : 'n/a'}</td>
                  <td>{t.spanCount}</td>
                  <td className={styles.mono}>{t.traceID}</td>
                  {selectedTraceId && (
                    <td>
                      {t.traceID !== selectedTraceId && (
                        <LinkButton
                          size="sm"
                          variant="secondary"
                          fill="text"
                          icon="exchange-alt"
                          href={compareLink(selectedTraceId, t.traceID, sessionId, range)}
                          aria-label={`Compare the selected trace with ${t.traceID}`}
                          onKeyDown={(e) => e.stopPropagation()}
                          onClick={(e) => {
                            // the link's own navigation (in-app, like Grafana's link interception), not the row's select
                            e.stopPropagation();
                            e.preventDefault();
                            locationService.push(compareLink(selectedTraceId, t.traceID, sessionId, range));
                          }}
                        >
                          Compare
                        </LinkButton>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Stack direction="row" gap={1} alignItems="center">
        <Button size="sm" variant="secondary" icon="angle-left" disabled={page <= 1} onClick={model.newer}>
          Newer
        </Button>
        <span className={styles.muted} data-testid="traces-page">
          Page {page}
        </span>
        <Button size="sm" variant="secondary" icon="angle-right" disabled={!hasOlder} onClick={() => void model.older(nextCursor)}>
          Older
        </Button>
      </Stack>
    </div>
  );
}

// ---- The page ---------------------------------------------------------------------------------------------

interface SessionSceneState extends SceneObjectState {
  ds: DsInfo;
  sessionId: string;
  trace?: string;
  span?: string;
  header: SessionHeader;
  summary: LifecycleMapScene;
  traces: TracesList;
  tracePanel?: VizPanel;
}

export class SessionScene extends SceneObjectBase<SessionSceneState> {
  static Component = SessionSceneRenderer;
  protected _urlSync = new SceneObjectUrlSyncConfig(this, { keys: ['trace', 'span'] });

  constructor(state: { ds: DsInfo; sessionId: string }) {
    const self: { scene?: SessionScene } = {};
    super({
      ...state,
      $data: kongQueries(state.ds, [{ refId: 'summary', queryType: 'summary', sessionId: state.sessionId }]),
      header: new SessionHeader(state),
      summary: new LifecycleMapScene({ emptyText: 'No traces yet: the summary appears once traces are captured.' }),
      traces: new TracesList({ ...state, onSelect: (traceId) => self.scene?.selectTrace(traceId), onRefresh: () => self.scene?.refreshBeside() }),
    });
    self.scene = this;
    this.addActivationHandler(() => this.onActivate());
  }

  getUrlState(): SceneObjectUrlValues {
    return { trace: this.state.trace, span: this.state.span };
  }

  updateFromUrl(values: SceneObjectUrlValues) {
    const next = changedStrings(values, this.state, ['trace', 'span']);
    if (Object.keys(next).length) {
      this.setState(next);
    }
  }

  /** A row click: that trace (toggles off when clicked again), no span yet. */
  selectTrace(traceId: string) {
    this.setState({ trace: traceId === this.state.trace ? undefined : traceId, span: undefined });
  }

  private onActivate() {
    const setRange = sessionRangeOnce(this);
    this.syncTrace();
    const subs = [
      this.subscribeToState((n, p) => {
        if (n.trace !== p.trace) {
          this.syncTrace();
        } else if (n.span !== p.span) {
          n.tracePanel && setPanelOptions(n.tracePanel, { focusedSpanId: n.span });
        }
      }),
      // Once the session is known: its life as the absolute time range (unless the URL brought one); while it
      // captures, the first traces page streams.
      this.state.header.state.$data!.subscribeToState(() => {
        const s = this.state.header.session();
        if (!s) {
          return;
        }
        const rangeChanged = setRange(s);
        // once: a stream that ended is not reopened by a header read racing the session's end
        if (isActiveStatus(s.status) && !this.wentLive) {
          this.wentLive = true;
          this.state.traces.setLive(true, !rangeChanged);
        }
      }),
      this.state.traces.state.$data!.subscribeToState((n, p) => this.onTracesData(n.data, p.data)),
    ];
    return () => {
      clearTimeout(this.countsTimer);
      this.countsTimer = undefined;
      subs.forEach((s) => s.unsubscribe());
    };
  }

  private wentLive = false;
  private countsTimer?: ReturnType<typeof setTimeout>;
  private countsReadAt = 0;

  /**
   * The live traces query's packets: new rows re-read the header's counts and the summary (at most once a
   * second); the stream's end (the session ended: `Done`) reads them once more and the first page as it stands.
   * A stream that failed for good (the server's stream cap, say) leaves a plain read and says so.
   */
  private onTracesData(n: SceneDataState['data'], p: SceneDataState['data']) {
    if (!n || !isLiveRequest(n) || n.state === p?.state && n.series === p?.series) {
      return;
    }
    const sameRequest = n.request?.requestId === p?.request?.requestId;
    if (n.state === LoadingState.Streaming && sameRequest && p?.state === LoadingState.Streaming) {
      this.readCountsSoon();
    } else if (n.state === LoadingState.Done && sameRequest && p?.state !== LoadingState.Done) {
      clearTimeout(this.countsTimer);
      this.countsTimer = undefined;
      this.state.traces.setLive(false);
      this.refreshBeside();
    } else if (n.state === LoadingState.Error && p?.state !== LoadingState.Error) {
      const why = n.errors?.[0]?.message ?? 'the stream failed';
      this.state.traces.setLive(false);
      this.state.traces.setState({ error: `Live updates stopped (${why}). The list is read once; Refresh reads it again.` });
    }
  }

  private readCountsSoon() {
    if (this.countsTimer) {
      return;
    }
    const wait = Math.max(0, this.countsReadAt + COUNTS_THROTTLE_MS - Date.now());
    this.countsTimer = setTimeout(() => {
      this.countsTimer = undefined;
      this.refreshBeside();
    }, wait);
  }

  /** re-reads the header and the summary */
  refreshBeside() {
    this.countsReadAt = Date.now();
    (this.state.header.state.$data as SceneQueryRunner).runQueries();
    (this.state.$data as SceneQueryRunner).runQueries();
  }

  /** A new selection gets a new panel and query runner: an earlier trace's late answer has nowhere to land. */
  private syncTrace() {
    const { trace, span, ds, sessionId } = this.state;
    this.state.traces.setState({ selectedTraceId: trace });
    this.setState({
      tracePanel: trace ? buildTracePanel(ds, trace, sessionId, span, (spanId) => this.setState({ span: spanId })) : undefined,
    });
  }
}

function SessionSceneRenderer({ model }: SceneComponentProps<SessionScene>) {
  const styles = useStyles2(getStyles);
  const { header, summary, traces, tracePanel, trace, span, sessionId } = model.useState();
  return (
    <div className={styles.column}>
      <header.Component model={header} />
      <section aria-label="Session summary">
        <h3>Session summary</h3>
        <summary.Component model={summary} />
      </section>
      <section aria-label="Traces">
        <h3>Traces</h3>
        <traces.Component model={traces} />
      </section>
      {trace && tracePanel && (
        <section aria-label="Selected trace" className={styles.column}>
          <Stack direction="row" justifyContent="space-between" alignItems="center" wrap="wrap">
            <h3 className={styles.title}>
              Trace <code>{trace}</code>
            </h3>
            <Stack direction="row" gap={1}>
              <LinkButton size="sm" variant="secondary" icon="info-circle" href={ROUTES.trace(trace, 'summary', { session: sessionId, span })}>
                Summary
              </LinkButton>
              <LinkButton size="sm" variant="secondary" icon="gf-traces" href={ROUTES.trace(trace, 'spans', { session: sessionId, span })}>
                Spans
              </LinkButton>
              <LinkButton size="sm" variant="secondary" icon="gf-logs" href={ROUTES.trace(trace, 'logs', { session: sessionId, span })}>
                Logs
              </LinkButton>
              <Button size="sm" variant="secondary" icon="times" onClick={() => model.selectTrace(trace)}>
                Close
              </Button>
            </Stack>
          </Stack>
          <p className={styles.muted}>To compare it with another trace, use Compare on that trace&apos;s row above.</p>
          <div style={{ height: 640, display: 'flex' }}>
            <tracePanel.Component model={tracePanel} />
          </div>
        </section>
      )}
    </div>
  );
}

export function sessionPage(ds: DsInfo, sessionId: string, parent: SceneAppPageLike): SceneAppPage {
  return new SceneAppPage({
    title: 'Session',
    url: ROUTES.session(sessionId),
    routePath: `${encodeURIComponent(sessionId)}/*`,
    getParentPage: () => parent,
    preserveUrlKeys: ['from', 'to'],
    // Traces | Logs (SessionLogs.tsx): the session's log lines across its traces
    tabs: [
      new SceneAppPage({
        title: 'Traces',
        url: ROUTES.session(sessionId),
        routePath: 'traces',
        preserveUrlKeys: ['from', 'to'],
        getScene: () => tabScene(new SessionScene({ ds, sessionId })),
      }),
      sessionLogsTab(ds, sessionId),
    ],
  });
}

const getStyles = (theme: GrafanaTheme2) => ({
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), width: '100%', minWidth: 0 }),
  title: css({ margin: 0 }),
  muted: css({ color: theme.colors.text.secondary }),
  facts: css({
    display: 'grid',
    // minmax(0, 1fr): a long rule wraps inside the page instead of widening it
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0, minWidth: 0, overflowWrap: 'anywhere' },
    code: { whiteSpace: 'normal', overflowWrap: 'anywhere' },
  }),
  scroll: css({ maxHeight: 420, overflow: 'auto' }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.5, 1), borderBottom: `1px solid ${theme.colors.border.weak}`, textAlign: 'left', whiteSpace: 'nowrap' },
    th: { color: theme.colors.text.secondary, position: 'sticky', top: 0, background: theme.colors.background.primary },
  }),
  row: css({ cursor: 'pointer', '&:hover': { background: theme.colors.action.hover } }),
  selected: css({ background: theme.colors.action.selected }),
  path: css({ maxWidth: 280, overflow: 'hidden', textOverflow: 'ellipsis' }),
  mono: css({ fontFamily: theme.typography.fontFamilyMonospace }),
});
