/**
 * A trace's analysis on its Summary tab: the lifecycle map with abnormal steps flagged (above the session's p95,
 * with p50/p95 beside the value), optionally compared with another trace or the typical one (the session's median
 * trace of the same route), download buttons, and the per-trace statistics table. Presentational: the data comes
 * from the data source's summary and statistics queries (the page's query runners); an answer is shown only under
 * the selection it answers (the frames say what they were asked), so an older answer never shows under a newer one.
 */
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, FieldValidationMessage, Input, LoadingPlaceholder, RadioButtonGroup, Stack, useStyles2 } from '@grafana/ui';
import type { SpanStatisticsRow } from '../../common/analysis/types';
import { formatDuration } from '../../common/lifecycle/format';
import { applyFrameAnalysis, type FrameAnalysis } from '../panels/lifecyclemap/analysis';
import { LifecycleMap } from '../panels/lifecyclemap/LifecycleMap';
import type { ReadResult } from '../panels/lifecyclemap/model';
import { readCompareTarget } from './compareTarget';
import { ROUTES } from './constants';
import { PagesApi, errorMessage } from './useDebuggerApi';

export type StatisticsGroup = 'name' | 'plugin';

/** The statistics query's answer: its rows, or why there are none. */
export interface StatisticsResult {
  groupBy: StatisticsGroup;
  rows?: SpanStatisticsRow[];
  error?: string;
}

export interface TraceAnalysisProps {
  /** downloads are user actions through the data source's API client; the buttons wait for it */
  api?: Pick<PagesApi, 'exportTrace'>;
  /** the session the trace was opened from: abnormal steps and "compare with typical" need it */
  sessionId?: string;
  traceId: string;
  /** the summary query's map (undefined while it loads) */
  summary?: ReadResult;
  /** what the summary's frames carry beyond the map: standing, comparison, and what they were asked for */
  analysis?: FrameAnalysis;
  /** 'typical' or another trace id */
  compareTo?: string;
  /** 'typical', another trace's id (checked: see compareTarget), or undefined to stop comparing */
  onCompare: (to: string | undefined) => void;
  selectedSpanId?: string;
  /** a plugin node with a span was clicked on the map */
  onSelectSpan?: (spanId: string) => void;
  groupBy: StatisticsGroup;
  onGroupBy: (groupBy: StatisticsGroup) => void;
  /** the statistics query's answer (undefined while it loads) */
  statistics?: StatisticsResult;
}

export function TraceAnalysis({
  api,
  sessionId,
  traceId,
  summary,
  analysis,
  compareTo,
  onCompare,
  selectedSpanId,
  onSelectSpan,
  groupBy,
  onGroupBy,
  statistics,
}: TraceAnalysisProps) {
  const styles = useStyles2(getStyles);
  const [downloadError, setDownloadError] = useState<string>();
  const [other, setOther] = useState('');
  const [otherError, setOtherError] = useState<string>();
  const compareWithOther = () => {
    const target = readCompareTarget(other, traceId);
    if ('error' in target) {
      setOtherError(target.error);
      return;
    }
    setOtherError(undefined);
    onCompare(target.traceId);
  };

  // Only what answers the current selection: the standing for this session, the comparison with this target.
  const st = sessionId && analysis?.sessionId === sessionId ? { value: analysis.standing, error: analysis.standingError } : undefined;
  const cmp =
    compareTo && analysis?.compareTo === compareTo && (analysis.comparison || analysis.comparisonError)
      ? { value: analysis.comparison, error: analysis.comparisonError }
      : undefined;
  const view = useMemo(
    () => (summary?.ok === true ? applyFrameAnalysis(summary.view, { standing: st?.value, comparison: cmp?.value }) : undefined),
    [summary, st?.value, cmp?.value]
  );

  const download = async (format: 'json' | 'zip') => {
    if (!api) {
      return;
    }
    try {
      const blob = await api.exportTrace(traceId, format);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `trace-${traceId}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDownloadError(undefined);
    } catch (e) {
      setDownloadError(errorMessage(e));
    }
  };

  const abnormal = st?.value?.abnormalKeys ?? [];
  return (
    <div className={styles.root}>
      <Stack direction="row" gap={1} wrap="wrap" alignItems="center">
        {sessionId && (
          <Button
            size="sm"
            variant="secondary"
            icon="exchange-alt"
            onClick={() => onCompare('typical')}
            disabled={compareTo === 'typical'}
          >
            Compare with typical
          </Button>
        )}
        <form
          aria-label="Compare with another trace"
          className={styles.compareForm}
          onSubmit={(e) => {
            e.preventDefault();
            compareWithOther();
          }}
        >
          <Input
            aria-label="Trace to compare with"
            placeholder="another trace id"
            width={38}
            invalid={Boolean(otherError)}
            value={other}
            onChange={(e) => {
              setOther(e.currentTarget.value);
              setOtherError(undefined);
            }}
          />
          <Button type="submit" size="sm" variant="secondary" icon="exchange-alt" disabled={!other.trim()}>
            Compare with…
          </Button>
        </form>
        {compareTo && (
          <Button size="sm" variant="secondary" icon="times" onClick={() => onCompare(undefined)}>
            Stop comparing
          </Button>
        )}
        <Button size="sm" variant="secondary" icon="download-alt" onClick={() => download('json')} disabled={!api}>
          Download JSON
        </Button>
        <Button size="sm" variant="secondary" icon="download-alt" onClick={() => download('zip')} disabled={!api}>
          Download zip (with logs)
        </Button>
      </Stack>
      {otherError && (
        <FieldValidationMessage>
          <span data-testid="compare-input-error">{otherError}</span>
        </FieldValidationMessage>
      )}
      {downloadError && (
        <Alert severity="error" title="Download failed">
          {downloadError}
        </Alert>
      )}
      {st?.error && (
        <Alert severity="warning" title="Abnormal steps unavailable">
          {st.error}
        </Alert>
      )}
      {abnormal.length > 0 && (
        <p className={styles.note} data-testid="abnormal-summary">
          {abnormal.length} step{abnormal.length > 1 ? 's' : ''} above the session&apos;s p95: {abnormal.join(', ')}
        </p>
      )}
      {compareTo && !cmp && summary?.ok !== false && <LoadingPlaceholder text="Comparing…" />}
      {cmp?.error && (
        <Alert severity="error" title="Could not compare">
          {cmp.error}
        </Alert>
      )}
      {cmp?.value && (
        <p className={styles.note} data-testid="compare-summary">
          Compared with {cmp.value.typical ? `the typical trace (median of the ${cmp.value.typical.basis})` : 'trace'}{' '}
          <a className={styles.link} href={ROUTES.trace(cmp.value.b.traceId)}>
            <code>{cmp.value.b.traceId}</code>
          </a>
          ; Δ = this trace − the other.
        </p>
      )}
      {!summary && <LoadingPlaceholder text="Loading summary…" />}
      {summary?.ok === false && (
        <Alert severity="error" title="Could not draw the summary">
          {summary.error}
        </Alert>
      )}
      {summary?.ok === 'empty' && <p>No summary for this trace.</p>}
      {view && (
        <LifecycleMap
          view={view}
          selectedSpanId={selectedSpanId}
          onSelectPlugin={onSelectSpan ? (node) => node.spanId && onSelectSpan(node.spanId) : undefined}
        />
      )}
      {cmp?.value && cmp.value.spans.length > 0 && (
        <table className={styles.table} aria-label="Spans that differ most">
          <thead>
            <tr>
              <th>Span</th>
              <th>this</th>
              <th>other</th>
              <th>Δ</th>
            </tr>
          </thead>
          <tbody>
            {cmp.value.spans.slice(0, 5).map((d) => (
              <tr key={`${d.name}#${d.occurrence}`}>
                <td>
                  {d.name}
                  {d.occurrence > 1 ? ` #${d.occurrence}` : ''}
                </td>
                <td>{d.aNs === undefined ? '—' : formatDuration(d.aNs)}</td>
                <td>{d.bNs === undefined ? '—' : formatDuration(d.bNs)}</td>
                <td>{`${d.diffNs > 0 ? '+' : d.diffNs < 0 ? '−' : ''}${formatDuration(Math.abs(d.diffNs))}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <section aria-label="Trace statistics">
        <Stack direction="row" gap={2} alignItems="center">
          <h4 className={styles.h4}>Statistics</h4>
          <RadioButtonGroup<StatisticsGroup>
            size="sm"
            options={[
              { value: 'name', label: 'By span name' },
              { value: 'plugin', label: 'By plugin' },
            ]}
            value={groupBy}
            onChange={onGroupBy}
          />
        </Stack>
        <StatisticsTable loaded={statistics?.groupBy === groupBy ? statistics : undefined} />
      </section>
    </div>
  );
}

function StatisticsTable({ loaded }: { loaded?: StatisticsResult }) {
  const styles = useStyles2(getStyles);
  if (!loaded) {
    return <LoadingPlaceholder text="Loading statistics…" />;
  }
  if (loaded.error || !loaded.rows) {
    return (
      <Alert severity="error" title="Could not load statistics">
        {loaded.error}
      </Alert>
    );
  }
  return (
    <table className={styles.table} aria-label="Span statistics">
      <thead>
        <tr>
          {['Name', 'Count', 'Total', 'Self', 'Self %', 'Min', 'Avg', 'Max'].map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {loaded.rows.map((r) => (
          <tr key={r.group}>
            <td>
              {r.group}
              {r.phase && r.group.startsWith('plugin ') ? <span className={styles.muted}> ({r.phase})</span> : null}
            </td>
            <td>{r.count}</td>
            <td>{formatDuration(r.totalNs)}</td>
            <td className={styles.strong}>{formatDuration(r.selfNs)}</td>
            <td>{r.selfPercent.toFixed(1)}</td>
            <td>{formatDuration(r.minNs)}</td>
            <td>{formatDuration(Math.round(r.avgNs))}</td>
            <td>{formatDuration(r.maxNs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  note: css({ margin: 0, color: theme.colors.text.secondary }),
  link: css({ color: theme.colors.text.link, '&:hover': { textDecoration: 'underline' } }),
  compareForm: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center' }),
  h4: css({ margin: 0 }),
  muted: css({ color: theme.colors.text.secondary }),
  strong: css({ fontWeight: theme.typography.fontWeightBold }),
  table: css({
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.25, 1.5, 0.25, 0), textAlign: 'right', whiteSpace: 'nowrap' },
    'th:first-child, td:first-child': { textAlign: 'left' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
});
