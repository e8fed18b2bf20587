/**
 * The correlated log viewer: level chips with counts, a span filter, newest-first lines with the span
 * name beside each, severity colour, expandable attributes and links to the trace/span.
 * Virtualised (windowing.ts) so 10,000 lines render only the visible slice.
 * Used by the debuglogs panel and by the app's session detail page.
 */
import React, { useMemo, useState } from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2, SelectableValue, dateTimeFormat } from '@grafana/data';
import { Select, useStyles2, useTheme2 } from '@grafana/ui';
import { LogRow, filterRows, levelCounts, spanOptions } from './model';
import { prefixOffsets, visibleRange } from './windowing';

export const ROW_HEIGHT = 28;
export const DETAIL_LINE_HEIGHT = 20;
export const TOOLBAR_HEIGHT = 40;

export interface RowLink {
  title: string;
  href: string;
  onClick?: (e: React.MouseEvent) => void;
}

export interface LogsViewProps {
  rows: LogRow[];
  height: number;
  /** span id coming from outside (dashboard variable); the span filter follows it until the user picks one */
  externalSpanId?: string;
  /** links of one line (to its trace / span); evaluated only for rendered lines */
  getRowLinks?: (row: LogRow) => RowLink[];
  timeZone?: string;
}

const ALL = '';

function detailLines(row: LogRow): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  if (row.traceId) {
    lines.push(['trace id', row.traceId]);
  }
  if (row.spanId) {
    lines.push(['span id', `${row.spanId}${row.spanName ? ` (${row.spanName})` : ''}`]);
  }
  for (const [k, v] of Object.entries(row.labels).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  }
  return lines;
}

export function rowHeight(row: LogRow, expanded: boolean): number {
  return expanded ? ROW_HEIGHT + DETAIL_LINE_HEIGHT * Math.max(1, detailLines(row).length) + 8 : ROW_HEIGHT;
}

export function severityColor(theme: GrafanaTheme2, severity: string): string {
  const s = severity.toLowerCase();
  const named = (n: string) => theme.visualization.getColorByName(n);
  if (['emerg', 'alert', 'crit', 'critical'].includes(s)) {
    return named('purple');
  }
  if (s === 'error' || s === 'err') {
    return named('red');
  }
  if (s === 'warn' || s === 'warning') {
    return named('orange');
  }
  if (s === 'notice' || s === 'info') {
    return named('green');
  }
  if (s === 'debug') {
    return named('blue');
  }
  if (s === 'trace') {
    return named('light-blue');
  }
  return theme.colors.text.secondary;
}

export function LogsView({ rows, height, externalSpanId, getRowLinks, timeZone }: LogsViewProps) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [hiddenLevels, setHiddenLevels] = useState<Set<string>>(new Set());
  // A manual pick is remembered with the dashboard value it was made under: a new dashboard selection wins.
  const [userPick, setUserPick] = useState<{ under?: string; spanId: string }>();
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [scrollTop, setScrollTop] = useState(0);

  const spanId = userPick && userPick.under === externalSpanId ? userPick.spanId : (externalSpanId ?? ALL);

  const counts = useMemo(() => levelCounts(rows), [rows]);
  const spans = useMemo(() => spanOptions(rows), [rows]);
  const visible = useMemo(() => filterRows(rows, { hiddenLevels, spanId }), [rows, hiddenLevels, spanId]);
  const offsets = useMemo(
    () => prefixOffsets(visible.map((r) => rowHeight(r, expanded.has(r.id)))),
    [visible, expanded]
  );
  const viewport = Math.max(ROW_HEIGHT, height - TOOLBAR_HEIGHT);
  const { start, end } = visibleRange(offsets, scrollTop, viewport);

  const spanSelectOptions: Array<SelectableValue<string>> = [
    { label: 'All spans', value: ALL },
    ...spans.map((s) => ({
      label: `${s.spanName || '(unknown span)'} · ${s.spanId.slice(0, 8)} (${s.count})`,
      value: s.spanId,
    })),
  ];
  if (spanId && !spans.some((s) => s.spanId === spanId)) {
    spanSelectOptions.push({ label: `span ${spanId} (no lines)`, value: spanId });
  }

  const toggleLevel = (level: string) =>
    setHiddenLevels((prev) => {
      const next = new Set(prev);
      next.has(level) ? next.delete(level) : next.add(level);
      return next;
    });
  const toggleRow = (id: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      next.has(id) ? next.delete(id) : next.add(id);
      return next;
    });

  return (
    <div className={styles.root} style={{ height }} data-testid="logs-view">
      <div className={styles.toolbar} style={{ height: TOOLBAR_HEIGHT }}>
        <div className={styles.chips} role="group" aria-label="Level filter">
          {counts.map(({ level, count }) => {
            const on = !hiddenLevels.has(level);
            return (
              <button
                key={level}
                type="button"
                aria-pressed={on}
                className={cx(styles.chip, !on && styles.chipOff)}
                style={{ borderColor: severityColor(theme, level) }}
                onClick={() => toggleLevel(level)}
              >
                <span className={styles.dot} style={{ background: severityColor(theme, level) }} />
                {level} <span className={styles.count}>{count}</span>
              </button>
            );
          })}
        </div>
        <div className={styles.spanSelect}>
          <Select
            aria-label="Span filter"
            options={spanSelectOptions}
            value={spanId}
            onChange={(v) => setUserPick({ under: externalSpanId, spanId: v?.value ?? ALL })}
            width={40}
          />
        </div>
        <span className={styles.summary}>
          {visible.length === rows.length ? `${rows.length} lines` : `${visible.length} of ${rows.length} lines`}
        </span>
      </div>
      <div
        className={styles.scroller}
        style={{ height: viewport }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        data-testid="logs-scroller"
      >
        {visible.length === 0 ? (
          <div className={styles.empty}>{rows.length === 0 ? 'No log lines.' : 'No log lines match the filters.'}</div>
        ) : (
          <div style={{ height: offsets[visible.length], position: 'relative' }}>
            {visible.slice(start, end).map((row, k) => {
              const i = start + k;
              const open = expanded.has(row.id);
              const links = getRowLinks?.(row) ?? [];
              return (
                <div
                  key={row.id}
                  className={styles.row}
                  style={{ top: offsets[i], height: offsets[i + 1] - offsets[i] }}
                  data-testid="log-row"
                >
                  <div
                    className={styles.line}
                    style={{ height: ROW_HEIGHT, borderLeftColor: severityColor(theme, row.severity) }}
                  >
                    <button
                      type="button"
                      className={styles.toggle}
                      aria-expanded={open}
                      aria-label={open ? 'Hide attributes' : 'Show attributes'}
                      onClick={() => toggleRow(row.id)}
                    >
                      {open ? '▾' : '▸'}
                    </button>
                    <span className={styles.time}>
                      {dateTimeFormat(row.timeMs, { format: 'HH:mm:ss.SSS', timeZone })}
                    </span>
                    <span className={styles.level} style={{ color: severityColor(theme, row.severity) }}>
                      {row.severity}
                    </span>
                    <span className={styles.span} title={row.spanId}>
                      {row.spanName || (row.spanId ? row.spanId.slice(0, 8) : '')}
                    </span>
                    <span className={styles.body} title={row.body}>
                      {row.body}
                    </span>
                    {links.map((l) => (
                      <a key={l.title} className={styles.link} href={l.href} onClick={l.onClick}>
                        {l.title}
                      </a>
                    ))}
                  </div>
                  {open && (
                    <dl className={styles.details}>
                      {detailLines(row).map(([k, v]) => (
                        <div key={k} className={styles.detail} style={{ height: DETAIL_LINE_HEIGHT }}>
                          <dt>{k}</dt>
                          <dd title={v}>{v}</dd>
                        </div>
                      ))}
                      {detailLines(row).length === 0 && (
                        <div style={{ height: DETAIL_LINE_HEIGHT }}>No attributes.</div>
                      )}
                    </dl>
                  )}
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', width: '100%', fontSize: theme.typography.bodySmall.fontSize }),
  toolbar: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexShrink: 0, overflow: 'hidden' }),
  chips: css({ display: 'flex', gap: theme.spacing(0.5), flexWrap: 'nowrap', overflow: 'hidden' }),
  chip: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0.25, 1),
    border: '1px solid',
    borderRadius: theme.shape.radius.pill,
    background: theme.colors.background.secondary,
    color: theme.colors.text.primary,
    cursor: 'pointer',
  }),
  chipOff: css({ opacity: 0.45, textDecoration: 'line-through' }),
  dot: css({ width: 8, height: 8, borderRadius: '50%', display: 'inline-block' }),
  count: css({ color: theme.colors.text.secondary }),
  spanSelect: css({ flexShrink: 0 }),
  summary: css({ marginLeft: 'auto', color: theme.colors.text.secondary, whiteSpace: 'nowrap' }),
  scroller: css({ overflowY: 'auto', position: 'relative' }),
  empty: css({ padding: theme.spacing(2), color: theme.colors.text.secondary }),
  row: css({ position: 'absolute', left: 0, right: 0, borderBottom: `1px solid ${theme.colors.border.weak}` }),
  line: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    borderLeft: '3px solid',
    paddingLeft: theme.spacing(0.5),
    fontFamily: theme.typography.fontFamilyMonospace,
    whiteSpace: 'nowrap',
  }),
  toggle: css({
    background: 'none',
    border: 'none',
    color: theme.colors.text.secondary,
    cursor: 'pointer',
    padding: 0,
    width: 16,
  }),
  time: css({ color: theme.colors.text.secondary, flexShrink: 0 }),
  level: css({ width: 56, flexShrink: 0, fontWeight: theme.typography.fontWeightMedium }),
  span: css({ width: 200, flexShrink: 0, overflow: 'hidden', textOverflow: 'ellipsis', color: theme.colors.text.link }),
  body: css({ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis' }),
  link: css({
    color: theme.colors.text.link,
    flexShrink: 0,
    paddingRight: theme.spacing(1),
    '&:hover': { textDecoration: 'underline' },
  }),
  details: css({ margin: 0, padding: theme.spacing(0.5, 0, 0.5, 4), fontFamily: theme.typography.fontFamilyMonospace }),
  detail: css({
    display: 'flex',
    gap: theme.spacing(1),
    dt: { color: theme.colors.text.secondary, minWidth: 200, fontWeight: 'normal' },
    dd: { margin: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  }),
});
