/** A session's traces with search filters (mirroring TraceQueryFilters); clicking a row selects the trace. */
import React, { useEffect, useState } from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Checkbox, Input, Stack, useStyles2 } from '@grafana/ui';
import type { TraceListItem, TraceQueryFilters } from '../../common/api';
import { formatDuration } from '../../common/lifecycle/format';
import { PagesApi, errorMessage } from './useDebuggerApi';

export interface TracesTableProps {
  api: Pick<PagesApi, 'listTraces'>;
  sessionId: string;
  selectedTraceId?: string;
  onSelect: (trace: TraceListItem) => void;
  /** bump to reload (e.g. while the session runs) */
  reloadKey?: number;
  /** Kong's names for route ids (the id shows on hover) */
  nameOf?: (kind: 'route' | 'service', id: string) => string | undefined;
}

export function TracesTable({ api, sessionId, selectedTraceId, onSelect, reloadKey, nameOf }: TracesTableProps) {
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState<TraceQueryFilters>({});
  const [filters, setFilters] = useState<TraceQueryFilters>({});
  const [traces, setTraces] = useState<TraceListItem[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    api.listTraces(sessionId, { ...filters, limit: 200 }).then(
      (r) => !cancelled && (setTraces(r.traces), setError(undefined)),
      (e) => !cancelled && setError(errorMessage(e))
    );
    return () => {
      cancelled = true;
    };
  }, [api, sessionId, filters, reloadKey]);

  const text = (key: keyof TraceQueryFilters, label: string, width: number, placeholder: string) => (
    <Input
      aria-label={label}
      placeholder={placeholder}
      width={width}
      value={(draft[key] as string | number | undefined) ?? ''}
      onChange={(e) => {
        const v = e.currentTarget.value;
        setDraft((d) => ({ ...d, [key]: v === '' ? undefined : key === 'minDurationMs' ? Number(v) : v }));
      }}
    />
  );

  return (
    <div className={styles.root}>
      <form
        aria-label="Trace filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...draft });
        }}
      >
        <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
          {text('status', 'Status', 12, '5xx, 503, 400-499')}
          {text('method', 'Method', 10, 'GET')}
          {text('path', 'Path prefix', 20, '/orders')}
          {text('minDurationMs', 'Min duration (ms)', 16, 'min ms')}
          <Checkbox
            label="Errors only"
            value={!!draft.errorsOnly}
            onChange={(e) => setDraft((d) => ({ ...d, errorsOnly: e.currentTarget.checked || undefined }))}
          />
          <Checkbox
            label="Span errors only"
            value={!!draft.spanErrorsOnly}
            onChange={(e) => setDraft((d) => ({ ...d, spanErrorsOnly: e.currentTarget.checked || undefined }))}
          />
          <Button type="submit" size="sm" icon="search">
            Search
          </Button>
        </Stack>
      </form>
      {error && (
        <Alert severity="error" title="Could not load traces">
          {error}
        </Alert>
      )}
      {traces?.length === 0 && (
        <p className={styles.empty}>
          No traces captured{Object.keys(filters).length ? ' matching the filters' : ' yet'}.
        </p>
      )}
      {traces && traces.length > 0 && (
        <div className={styles.scroll}>
          <table className={styles.table} aria-label="Traces">
            <thead>
              <tr>
                <th>Start</th>
                <th>Method</th>
                <th>Path</th>
                <th>Route</th>
                <th>Status</th>
                <th>Duration</th>
                <th>Kong</th>
                <th>Upstream</th>
                <th>Spans</th>
                <th>Trace id</th>
              </tr>
            </thead>
            <tbody>
              {traces.map((t) => (
                <tr
                  key={t.traceId}
                  className={cx(styles.row, t.traceId === selectedTraceId && styles.selected)}
                  onClick={() => onSelect(t)}
                  aria-selected={t.traceId === selectedTraceId}
                  tabIndex={0}
                  onKeyDown={(e) => e.key === 'Enter' && onSelect(t)}
                >
                  <td>{new Date(t.startTimeMs).toLocaleTimeString()}</td>
                  <td>{t.method ?? ''}</td>
                  <td className={styles.path}>{t.path ?? ''}</td>
                  <td title={t.routeId}>{t.routeId ? (nameOf?.('route', t.routeId) ?? t.routeId) : ''}</td>
                  <td>
                    {t.statusCode !== undefined ? (
                      <Badge
                        text={String(t.statusCode)}
                        color={t.error ? 'red' : t.statusCode >= 400 ? 'orange' : 'green'}
                      />
                    ) : (
                      ''
                    )}
                  </td>
                  <td>{formatDuration(t.durationNs)}</td>
                  <td>{t.latency.internalMs !== undefined ? `${t.latency.internalMs.toFixed(1)} ms` : 'n/a'}</td>
                  <td>{t.latency.upstreamMs !== undefined ? `${t.latency.upstreamMs.toFixed(1)} ms` : 'n/a'}</td>
                  <td>{t.spanCount}</td>
                  <td className={styles.mono}>{t.traceId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  empty: css({ color: theme.colors.text.secondary }),
  scroll: css({ maxHeight: 360, overflow: 'auto' }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': {
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      textAlign: 'left',
      whiteSpace: 'nowrap',
    },
    th: { color: theme.colors.text.secondary, position: 'sticky', top: 0, background: theme.colors.background.primary },
  }),
  row: css({ cursor: 'pointer', '&:hover': { background: theme.colors.action.hover } }),
  selected: css({ background: theme.colors.action.selected }),
  path: css({ maxWidth: 300, overflow: 'hidden', textOverflow: 'ellipsis' }),
  mono: css({ fontFamily: theme.typography.fontFamilyMonospace }),
});
