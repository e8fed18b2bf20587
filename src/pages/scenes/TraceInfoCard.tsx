/**
 * The trace's information card (Summary tab): total latency, status, upstream status, start time to the
 * nanosecond, client, and Kong's route/service/consumer names, from the `summary` and `trace` frames.
 */
import React from 'react';
import { css } from '@emotion/css';
import { DataFrameView, GrafanaTheme2, type DataFrame, type TraceKeyValuePair } from '@grafana/data';
import { SceneComponentProps, SceneObjectBase, SceneObjectState, sceneGraph } from '@grafana/scenes';
import { useStyles2 } from '@grafana/ui';
import { findFrame } from './rows';

export interface TraceInfo {
  traceId?: string;
  totalMs?: number;
  statusCode?: number | null;
  upstreamStatus?: string;
  failure?: string | null;
  /** RFC 3339 with nanoseconds, UTC */
  startTime?: string;
  client?: string;
  route?: string;
  service?: string;
  consumer?: string;
}

/** "2026-12-06T20:41:15.123456789Z" from Unix ns as a decimal string (exact: no float on the way). */
export function nsToRfc3339(ns: string): string | undefined {
  if (!/^\d{10,}$/.test(ns)) {
    return undefined;
  }
  const seconds = ns.slice(0, -9);
  const frac = ns.slice(-9);
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

function rootTags(trace: DataFrame | undefined): Map<string, unknown> {
  const tags = new Map<string, unknown>();
  if (!trace) {
    return tags;
  }
  const rows = new DataFrameView<{ parentSpanID?: string; tags?: TraceKeyValuePair[]; serviceTags?: TraceKeyValuePair[] }>(trace);
  for (let i = 0; i < rows.length; i++) {
    const r = rows.get(i);
    if (!r.parentSpanID) {
      for (const t of [...(r.serviceTags ?? []), ...(r.tags ?? [])]) {
        tags.set(t.key, t.value);
      }
      break;
    }
  }
  return tags;
}

/** Reads the card's facts from the summary (`lifecycle`, `latency`) and `trace` frames. */
export function readTraceInfo(series: DataFrame[] | undefined): TraceInfo {
  const lifecycle = findFrame(series, 'lifecycle');
  const latency = findFrame(series, 'latency');
  const custom = (lifecycle?.meta?.custom ?? {}) as { traceId?: string; startTimeUnixNano?: string; info?: Record<string, unknown> };
  const info = custom.info ?? {};
  const tags = rootTags(findFrame(series, 'Trace'));
  const str = (...keys: string[]) => {
    for (const k of keys) {
      const v = tags.get(k);
      if (typeof v === 'string' && v !== '') {
        return v;
      }
    }
    return undefined;
  };
  let totalMs: number | undefined;
  if (latency) {
    const view = new DataFrameView<{ metric: string; valueMs: number | null }>(latency);
    for (let i = 0; i < view.length; i++) {
      const r = view.get(i);
      if (r.metric === 'total' && typeof r.valueMs === 'number') {
        totalMs = r.valueMs;
      }
    }
  }
  const clientAddress = str('client.address', 'net.peer.ip');
  const clientPort = tags.get('client.port');
  return {
    traceId: custom.traceId,
    totalMs,
    statusCode: typeof info.statusCode === 'number' ? info.statusCode : null,
    upstreamStatus: typeof info.upstreamStatus === 'string' ? info.upstreamStatus : undefined,
    failure: typeof info.failure === 'string' ? info.failure : null,
    startTime: custom.startTimeUnixNano ? nsToRfc3339(custom.startTimeUnixNano) : undefined,
    client: clientAddress ? `${clientAddress}${clientPort !== undefined ? `:${String(clientPort)}` : ''}` : undefined,
    route: str('kong.route.name') ?? (typeof info.route === 'string' ? info.route : undefined),
    service: str('kong.service.name', 'proxy.kong.service.id', 'proxy.kong.router.service_id'),
    consumer: str('kong.consumer.name', 'proxy.kong.consumer.id', 'proxy.kong.consumer_id'),
  };
}

export class TraceInfoCard extends SceneObjectBase<SceneObjectState> {
  static Component = TraceInfoCardRenderer;
}

function TraceInfoCardRenderer({ model }: SceneComponentProps<TraceInfoCard>) {
  const styles = useStyles2(getStyles);
  const { data } = sceneGraph.getData(model).useState();
  if (!findFrame(data?.series, 'lifecycle')) {
    return null;
  }
  const info = readTraceInfo(data?.series);
  const facts: Array<[string, React.ReactNode]> = [
    ['Total latency', info.totalMs === undefined ? 'n/a' : `${info.totalMs.toFixed(2)} ms`],
    ['Status', info.statusCode ?? 'none (no response sent)'],
    ['Upstream status', info.upstreamStatus ?? 'unknown'],
    ['Start time', info.startTime ?? 'n/a'],
    ['Client', info.client ?? 'n/a'],
    ['Route', info.route ?? '—'],
    ['Service', info.service ?? '—'],
    ['Consumer', info.consumer ?? '—'],
  ];
  if (info.failure) {
    facts.splice(3, 0, ['Failed', info.failure]);
  }
  return (
    <dl className={styles.card} aria-label="Trace information" data-testid="trace-info">
      {facts.map(([k, v]) => (
        <div key={k} className={styles.fact}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))',
    gap: theme.spacing(1, 2),
    margin: 0,
    padding: theme.spacing(1.5),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
  }),
  fact: css({
    minWidth: 0,
    dt: { color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize },
    dd: { margin: 0, fontFamily: theme.typography.fontFamilyMonospace, overflowWrap: 'anywhere' },
  }),
});
