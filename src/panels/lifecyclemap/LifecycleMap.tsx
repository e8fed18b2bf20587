/**
 * Konnect's Summary view: the latency breakdown and the request-lifecycle flow map, one left-to-right flow with
 * each node drawn once: Client -> client out -> request plugins -> upstream in -> Upstream -> upstream out ->
 * response plugins -> client in -> (back to the client). Wider than its panel, the flow scrolls sideways.
 * Presentational only (used by the panel and by the app's session pages).
 */
import React from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Badge, Icon, Tooltip, useStyles2, useTheme2 } from '@grafana/ui';
import { formatDuration } from '../../../common/lifecycle/format';
import { durationColor } from './colors';
import {
  EdgeKey,
  LatencyRow,
  LifecycleView,
  MapNode,
  MapNote,
  RequestInfo,
  TryNode,
  formatMs,
  isSubMetric,
} from './model';
import { EDGE_LABELS, EDGE_TOOLTIPS, EMPTY_GROUP, NOTE_PLACE, TRY_OUTCOME, UNMEASURED_TOOLTIP } from './texts';

export interface LifecycleMapProps {
  view: LifecycleView;
  /** span id of the plugin node to highlight (e.g. the dashboard's spanId variable) */
  selectedSpanId?: string;
  /** called when a plugin node that has a span is clicked */
  onSelectPlugin?: (node: MapNode) => void;
}

export function LifecycleMap({ view, selectedSpanId, onSelectPlugin }: LifecycleMapProps) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.root} data-testid="lifecycle-map">
      {view.info && <InfoLine info={view.info} />}
      <LatencyBreakdown rows={view.latency} kind={view.kind} traceCount={view.traceCount} compareWith={view.compareWith?.label} />
      <div className={styles.flowScroll} data-testid="lifecycle-flow">
      <div className={styles.flow} aria-label="Request lifecycle">
        <Endpoint label="Client" icon="user" />
        <Edge node={view.edges.clientOut} edgeKey="clientOut" />
        <PluginGroup
          title="Request"
          nodes={view.requestPlugins}
          selectedSpanId={selectedSpanId}
          onSelect={onSelectPlugin}
        />
        <Edge node={view.edges.upstreamIn} edgeKey="upstreamIn" />
        <Endpoint label="Upstream" icon="cloud" />
        <Edge node={view.edges.upstreamOut} edgeKey="upstreamOut" />
        <PluginGroup
          title="Response"
          nodes={view.responsePlugins}
          selectedSpanId={selectedSpanId}
          onSelect={onSelectPlugin}
        />
        <Edge node={view.edges.clientIn} edgeKey="clientIn" />
        {/* The response returns to the client drawn at the start; a second Client node would read as another party. */}
        <div className={styles.returnMark} data-testid="return-to-client" aria-label="back to the client" title="back to the client">
          <Icon name="corner-up-left" size="lg" />
        </div>
      </div>
      </div>
      {view.tries.length > 0 && <Tries tries={view.tries} />}
      {view.notes.length > 0 && <Notes notes={view.notes} />}
    </div>
  );
}

/** Status, the upstream's status as Kong's data proves it, route, and why the request failed. */
function InfoLine({ info }: { info: RequestInfo }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.info} data-testid="request-info">
      <span>Status {info.statusCode ?? 'none (no response sent)'}</span>
      <span>Upstream status {info.upstreamStatus}</span>
      {info.route && <span>Route {info.route}</span>}
      {info.failure && <span className={styles.failure}>Failed: {info.failure}</span>}
      {info.spanErrorCount ? (
        <span>
          {info.spanErrorCount} span error{info.spanErrorCount === 1 ? '' : 's'}
        </span>
      ) : null}
    </div>
  );
}

/** The upstream tries between upstream in and upstream out: target, outcome and where the time went. */
function Tries({ tries }: { tries: TryNode[] }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  return (
    <table className={styles.tries} aria-label="Upstream tries" data-testid="upstream-tries">
      <thead>
        <tr>
          <th>Try</th>
          <th>Target</th>
          <th>Outcome</th>
          <th>Time</th>
          <th>Span</th>
        </tr>
      </thead>
      <tbody>
        {tries.map((t) => (
          <tr key={t.spanId || t.tryCount} data-testid={`try-${t.tryCount}`}>
            <td>#{t.tryCount}</td>
            <td>{[t.peerName, t.target].filter(Boolean).join(' ') || 'n/a'}</td>
            <td>
              {TRY_OUTCOME[t.outcome] ?? t.outcome}
              {t.statusCode !== undefined ? ` (${t.statusCode})` : ''}
            </td>
            <td style={{ color: durationColor(theme, t.colorIndex) }}>{formatDuration(t.durationNs)}</td>
            <td>{formatDuration(t.spanDurationNs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Notes({ notes }: { notes: MapNote[] }) {
  const styles = useStyles2(getStyles);
  return (
    <ul className={styles.notes} aria-label="Not shown on the map" data-testid="map-notes">
      {notes.map((n, i) => (
        <li key={i}>
          <strong>{NOTE_PLACE[n.at] ?? n.at}:</strong> {n.text}
        </li>
      ))}
    </ul>
  );
}

function LatencyBreakdown({
  rows,
  kind,
  traceCount,
  compareWith,
}: {
  rows: LatencyRow[];
  kind: 'trace' | 'session';
  traceCount?: number;
  /** compare mode: heading of the other trace's column */
  compareWith?: string;
}) {
  const styles = useStyles2(getStyles);
  if (rows.length === 0) {
    return null;
  }
  return (
    <table className={styles.latency} aria-label="Latency breakdown">
      <thead>
        <tr>
          <th>Latency{kind === 'session' && traceCount !== undefined ? ` (${traceCount} traces)` : ''}</th>
          {kind === 'trace' ? <th>ms</th> : (['p50', 'p95', 'p99', 'max'] as const).map((p) => <th key={p}>{p}</th>)}
          {compareWith !== undefined && (
            <>
              <th>{compareWith}</th>
              <th>Δ</th>
            </>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.metric} className={cx(!isSubMetric(r.metric) && styles.mainMetric)}>
            <td className={cx(isSubMetric(r.metric) && styles.subMetric)}>{r.label}</td>
            {kind === 'trace' ? (
              <td>{formatMs(r.valueMs)}</td>
            ) : (
              <>
                <td className={styles.strong}>{formatMs(r.p50Ms)}</td>
                <td>{formatMs(r.p95Ms)}</td>
                <td>{formatMs(r.p99Ms)}</td>
                <td>{formatMs(r.maxMs)}</td>
              </>
            )}
            {compareWith !== undefined && (
              <>
                <td>{formatMs(r.otherMs)}</td>
                <td className={cx(diffClass(styles, r.diffMs))} data-testid={`latency-diff-${r.metric}`}>
                  {r.diffMs === undefined ? '' : `${r.diffMs > 0 ? '+' : ''}${formatMs(r.diffMs)}`}
                </td>
              </>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Endpoint({ label, icon }: { label: string; icon: 'user' | 'cloud' }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.endpoint} data-testid={`endpoint-${label.toLowerCase()}`}>
      <Icon name={icon} size="lg" />
      <span>{label}</span>
    </div>
  );
}

/** The node's main number: its duration (trace) or p50 (session); "n/a" when nothing measured it. */
function mainValue(node: MapNode): string {
  if (!node.measured) {
    return 'n/a';
  }
  if (node.stats) {
    return node.stats.count === 0 ? 'n/a' : formatDuration(node.stats.p50Ns);
  }
  return node.durationNs === undefined ? 'n/a' : formatDuration(node.durationNs);
}

function StatsLine({ node }: { node: MapNode }) {
  const styles = useStyles2(getStyles);
  if (!node.stats || !node.measured || node.stats.count === 0) {
    return null;
  }
  const s = node.stats;
  return (
    <div className={styles.stats}>
      p95 {formatDuration(s.p95Ns)} · p99 {formatDuration(s.p99Ns)} · n={s.count}
    </div>
  );
}

/** Compare mode: the other trace's value and the difference (red: this trace took longer; green: shorter). */
function CompareLine({ node }: { node: MapNode }) {
  const styles = useStyles2(getStyles);
  const c = node.compare;
  if (!c) {
    return null;
  }
  let text: React.ReactNode;
  if (c.presence === 'onlyA') {
    text = 'only in this trace';
  } else if (c.presence === 'onlyB') {
    text = `only in the other: ${formatDuration(c.otherNs ?? 0)}`;
  } else {
    const d = c.diffNs ?? 0;
    text = (
      <>
        vs {formatDuration(c.otherNs ?? 0)} <span className={cx(diffClass(styles, d))}>{`${d > 0 ? '+' : d < 0 ? '−' : '±'}${formatDuration(Math.abs(d))}`}</span>
      </>
    );
  }
  return (
    <div className={cx(styles.stats, c.presence !== 'both' && styles.onlyOne)} data-testid={`compare-${node.key}`}>
      {text}
    </div>
  );
}

/** Abnormal steps: the session's p50/p95 beside the value, flagged when above p95. */
function StandingLine({ node }: { node: MapNode }) {
  const styles = useStyles2(getStyles);
  const s = node.standing;
  if (!s) {
    return null;
  }
  return (
    <div className={cx(styles.stats, s.abnormal && styles.abnormal)} data-testid={s.abnormal ? `abnormal-${node.key}` : undefined}>
      {s.abnormal ? '⚠ above p95 · ' : ''}p50 {formatDuration(s.p50Ns)} · p95 {formatDuration(s.p95Ns)} · pctl {s.percentile}
    </div>
  );
}

function diffClass(styles: ReturnType<typeof getStyles>, diff: number | undefined): string | undefined {
  return diff === undefined || diff === 0 ? undefined : diff > 0 ? styles.slower : styles.faster;
}

function Edge({ node, edgeKey }: { node: MapNode; edgeKey: EdgeKey }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const color = node.measured ? durationColor(theme, node.colorIndex) : theme.colors.text.disabled;
  const tip = node.measured ? EDGE_TOOLTIPS[edgeKey] : `${EDGE_TOOLTIPS[edgeKey]} ${UNMEASURED_TOOLTIP}`;
  return (
    <Tooltip content={tip} placement="top">
      <div className={styles.edge} data-testid={`edge-${edgeKey}`} tabIndex={0}>
        <span className={styles.edgeLabel}>{EDGE_LABELS[edgeKey]}</span>
        <span className={styles.edgeValue} style={{ color }}>
          {mainValue(node)}
        </span>
        <StatsLine node={node} />
        <CompareLine node={node} />
        <StandingLine node={node} />
        <span className={styles.arrow} style={{ borderTopColor: color }} aria-hidden />
      </div>
    </Tooltip>
  );
}

function PluginGroup({
  title,
  nodes,
  selectedSpanId,
  onSelect,
}: {
  title: string;
  nodes: MapNode[];
  selectedSpanId?: string;
  onSelect?: (node: MapNode) => void;
}) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.group} role="group" aria-label={`${title} plugins`}>
      <div className={styles.groupTitle}>{title}</div>
      {nodes.length === 0 ? (
        <div className={styles.empty}>{EMPTY_GROUP}</div>
      ) : (
        nodes.map((n) => (
          <PluginNode key={n.key} node={n} selected={!!n.spanId && n.spanId === selectedSpanId} onSelect={onSelect} />
        ))
      )}
    </div>
  );
}

function PluginNode({
  node,
  selected,
  onSelect,
}: {
  node: MapNode;
  selected: boolean;
  onSelect?: (node: MapNode) => void;
}) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const color = durationColor(theme, node.colorIndex);
  const clickable = !!onSelect && node.spanId !== '';
  const tip = node.stats
    ? `${node.label} (${node.phase}): p50 ${mainValue(node)} over ${node.stats.count} traces`
    : `${node.label} (${node.phase}): ${mainValue(node)}${clickable ? '. Click to select its span.' : ''}`;
  return (
    <Tooltip content={tip} placement="top">
      <button
        type="button"
        className={cx(styles.node, clickable && styles.clickable, selected && styles.selected)}
        style={{ borderLeftColor: color }}
        onClick={clickable ? () => onSelect!(node) : undefined}
        aria-pressed={selected}
        data-testid={`node-${node.key}`}
      >
        <span className={styles.nodeName}>{node.label}</span>
        <Badge text={node.phase} color="blue" className={styles.badge} />
        <span className={styles.nodeValue} style={{ color }}>
          {node.compare?.presence === 'onlyB' ? '—' : mainValue(node)}
        </span>
        <StatsLine node={node} />
        <CompareLine node={node} />
        <StandingLine node={node} />
      </button>
    </Tooltip>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  // Facts and breakdown above, the flow below at full width (at 1280 px it fits without scrolling).
  root: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'stretch',
    gap: theme.spacing(2),
    padding: theme.spacing(1),
    minWidth: 0,
  }),
  flowScroll: css({ overflowX: 'auto', overflowY: 'hidden', maxWidth: '100%', paddingBottom: theme.spacing(1) }),
  returnMark: css({
    display: 'flex',
    alignItems: 'center',
    color: theme.colors.text.secondary,
    paddingTop: theme.spacing(1),
  }),
  latency: css({
    alignSelf: 'flex-start',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.25, 1.5, 0.25, 0), textAlign: 'right', whiteSpace: 'nowrap' },
    'th:first-child, td:first-child': { textAlign: 'left' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  mainMetric: css({ fontWeight: theme.typography.fontWeightMedium }),
  subMetric: css({ paddingLeft: `${theme.spacing(2)} !important`, color: theme.colors.text.secondary }),
  strong: css({ fontWeight: theme.typography.fontWeightBold }),
  // Top-aligned so endpoints and edges stay level with the first plugin of a tall group.
  flow: css({
    display: 'flex',
    flexWrap: 'nowrap',
    width: 'max-content',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    '& > *': { marginTop: theme.spacing(3) },
  }),
  endpoint: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1),
    border: `1px solid ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    minWidth: 72,
    flex: '0 0 auto',
  }),
  edge: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    minWidth: 76,
    maxWidth: 112,
    flex: '0 0 auto',
    textAlign: 'center',
    fontSize: theme.typography.bodySmall.fontSize,
    position: 'relative',
  }),
  edgeLabel: css({ color: theme.colors.text.secondary }),
  edgeValue: css({ fontWeight: theme.typography.fontWeightBold }),
  arrow: css({
    display: 'block',
    width: '100%',
    height: 0,
    borderTop: '2px solid',
    marginTop: theme.spacing(0.5),
    position: 'relative',
    '&::after': {
      content: '""',
      position: 'absolute',
      right: -1,
      top: -6,
      borderLeft: `8px solid ${theme.colors.text.secondary}`,
      borderTop: '5px solid transparent',
      borderBottom: '5px solid transparent',
    },
  }),
  group: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1),
    border: `1px dashed ${theme.colors.border.strong}`,
    borderRadius: theme.shape.radius.default,
    minWidth: 150,
    maxWidth: 240,
    flex: '0 0 auto',
    marginTop: '0 !important',
  }),
  groupTitle: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    textTransform: 'uppercase',
  }),
  empty: css({ color: theme.colors.text.disabled, fontStyle: 'italic', fontSize: theme.typography.bodySmall.fontSize }),
  node: css({
    display: 'grid',
    gridTemplateColumns: '1fr auto',
    alignItems: 'center',
    columnGap: theme.spacing(1),
    textAlign: 'left',
    padding: theme.spacing(0.5, 1),
    background: theme.colors.background.primary,
    color: theme.colors.text.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderLeft: '4px solid',
    borderRadius: theme.shape.radius.default,
    cursor: 'default',
  }),
  clickable: css({ cursor: 'pointer', '&:hover': { background: theme.colors.action.hover } }),
  selected: css({ outline: `2px solid ${theme.colors.primary.main}` }),
  nodeName: css({ fontWeight: theme.typography.fontWeightMedium, overflow: 'hidden', textOverflow: 'ellipsis' }),
  badge: css({ justifySelf: 'end' }),
  nodeValue: css({ fontWeight: theme.typography.fontWeightBold, gridColumn: '1 / span 2' }),
  stats: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    gridColumn: '1 / span 2',
  }),
  info: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  failure: css({ color: theme.colors.error.text, fontWeight: theme.typography.fontWeightMedium }),
  tries: css({
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.25, 1.5, 0.25, 0), textAlign: 'left', whiteSpace: 'nowrap' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  notes: css({
    margin: 0,
    paddingLeft: theme.spacing(2),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  slower: css({ color: theme.colors.error.text, fontWeight: theme.typography.fontWeightMedium }),
  faster: css({ color: theme.colors.success.text, fontWeight: theme.typography.fontWeightMedium }),
  onlyOne: css({ fontStyle: 'italic' }),
  abnormal: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightMedium }),
});
