/**
 * A selected trace on the session page: its lifecycle map with abnormal steps flagged (above the session's
 * p95, with p50/p95 beside the value), optionally compared with another trace or the typical one (the
 * session's median trace of the same route), download buttons, and the per-trace statistics table.
 */
import React, { useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, LoadingPlaceholder, RadioButtonGroup, Stack, useStyles2 } from '@grafana/ui';
import type { TraceComparison, TraceStanding, TraceStatistics } from '../../common/analysis/types';
import { formatDuration } from '../../common/lifecycle/format';
import { withComparison, withStanding } from '../panels/lifecyclemap/analysis';
import { LifecycleMap } from '../panels/lifecyclemap/LifecycleMap';
import type { ReadResult } from '../panels/lifecyclemap/model';
import { PagesApi, errorMessage } from './useDebuggerApi';

export interface TraceAnalysisProps {
  api: PagesApi;
  /** the session the trace was opened from: abnormal steps and "compare with typical" need it */
  sessionId?: string;
  traceId: string;
  /** the trace's own summary view */
  summary?: ReadResult;
  /** 'typical' or another trace id */
  compareTo?: string;
  /** "Compare with…" a trace picked elsewhere (the session page's table); hidden without it */
  picking?: boolean;
  onCompare: (to: string | undefined) => void;
  onPick?: () => void;
  selectedSpanId?: string;
  /** a plugin node with a span was clicked on the map */
  onSelectSpan?: (spanId: string) => void;
}

type Loaded<T> = { for: string; value?: T; error?: string };

export function TraceAnalysis({
  api,
  sessionId,
  traceId,
  summary,
  compareTo,
  picking,
  onCompare,
  onPick,
  selectedSpanId,
  onSelectSpan,
}: TraceAnalysisProps) {
  const styles = useStyles2(getStyles);
  const [standing, setStanding] = useState<Loaded<TraceStanding>>();
  const [comparison, setComparison] =
    useState<Loaded<TraceComparison & { typical?: { traceId: string; basis: string } }>>();
  const [groupBy, setGroupBy] = useState<'name' | 'plugin'>('name');
  const [stats, setStats] = useState<Loaded<TraceStatistics>>();
  const [downloadError, setDownloadError] = useState<string>();

  useEffect(() => {
    if (!sessionId) {
      return;
    }
    api.getAbnormal(traceId, sessionId).then(
      (value) => setStanding({ for: traceId, value }),
      (e) => setStanding({ for: traceId, error: errorMessage(e) })
    );
  }, [api, traceId, sessionId]);

  const statsKey = `${traceId}/${groupBy}`;
  useEffect(() => {
    api.getStatistics(traceId, groupBy).then(
      (value) => setStats({ for: statsKey, value }),
      (e) => setStats({ for: statsKey, error: errorMessage(e) })
    );
  }, [api, traceId, groupBy, statsKey]);

  const compareKey = `${traceId}/${compareTo ?? ''}`;
  useEffect(() => {
    if (!compareTo) {
      return;
    }
    if (compareTo === 'typical' && !sessionId) {
      return;
    }
    const call =
      compareTo === 'typical' ? api.compareWithTypical(traceId, sessionId!) : api.compareTraces(traceId, compareTo);
    call.then(
      (value) => setComparison({ for: compareKey, value }),
      (e) => setComparison({ for: compareKey, error: errorMessage(e) })
    );
  }, [api, traceId, sessionId, compareTo, compareKey]);

  // Answers for an earlier trace or comparison are ignored.
  const st = standing?.for === traceId ? standing : undefined;
  const cmp = compareTo && comparison?.for === compareKey ? comparison : undefined;
  const view = useMemo(() => {
    if (summary?.ok !== true) {
      return undefined;
    }
    let v = summary.view;
    if (st?.value) {
      v = withStanding(v, st.value);
    }
    if (cmp?.value) {
      const label = cmp.value.typical ? 'typical' : cmp.value.b.traceId.slice(0, 8);
      v = withComparison(v, cmp.value, label);
    }
    return v;
  }, [summary, st, cmp]);

  const download = async (format: 'json' | 'zip') => {
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
        {onPick && (
          <Button size="sm" variant={picking ? 'primary' : 'secondary'} icon="search-plus" onClick={onPick}>
            {picking ? 'Pick a trace in the table…' : 'Compare with…'}
          </Button>
        )}
        {compareTo && (
          <Button size="sm" variant="secondary" icon="times" onClick={() => onCompare(undefined)}>
            Stop comparing
          </Button>
        )}
        <Button size="sm" variant="secondary" icon="download-alt" onClick={() => download('json')}>
          Download JSON
        </Button>
        <Button size="sm" variant="secondary" icon="download-alt" onClick={() => download('zip')}>
          Download zip (with logs)
        </Button>
      </Stack>
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
      {compareTo && !cmp && <LoadingPlaceholder text="Comparing…" />}
      {cmp?.error && (
        <Alert severity="error" title="Could not compare">
          {cmp.error}
        </Alert>
      )}
      {cmp?.value && (
        <p className={styles.note} data-testid="compare-summary">
          Compared with {cmp.value.typical ? `the typical trace (median of the ${cmp.value.typical.basis})` : 'trace'}{' '}
          <code>{cmp.value.b.traceId}</code>; Δ = this trace − the other.
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
          <RadioButtonGroup<'name' | 'plugin'>
            size="sm"
            options={[
              { value: 'name', label: 'By span name' },
              { value: 'plugin', label: 'By plugin' },
            ]}
            value={groupBy}
            onChange={setGroupBy}
          />
        </Stack>
        <StatisticsTable loaded={stats?.for === statsKey ? stats : undefined} />
      </section>
    </div>
  );
}

function StatisticsTable({ loaded }: { loaded?: Loaded<TraceStatistics> }) {
  const styles = useStyles2(getStyles);
  if (!loaded) {
    return <LoadingPlaceholder text="Loading statistics…" />;
  }
  if (loaded.error || !loaded.value) {
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
        {loaded.value.rows.map((r) => (
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
