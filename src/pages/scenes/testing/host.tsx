/**
 * Stand-ins for what Grafana's server-side app shell provides to an app page and that npm does not ship: the
 * core `traces` and `logs` panels (public/app/plugins/panel/{traces,logs}), `runRequest` (the query path scenes
 * use), the panel plugin loader and the page chrome (`PluginPage`). Used by the jest page tests and by the browser
 * harness (tests/browser/host). Each follows the documented contract and refuses input that breaks it, so a test
 * fails when the page sends the core panels the wrong frames or options.
 */
import React from 'react';
import {
  FieldType,
  LoadingState,
  PanelPlugin,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type Field,
  type PanelData,
  type PanelProps,
  type NavModelItem,
} from '@grafana/data';
import { from, map, of, startWith, catchError, type Observable, type ObservableInput } from 'rxjs';

/** TraceSpanRow's required fields (Grafana's trace frame contract, `transformDataFrames`). */
export const TRACE_FIELDS = ['traceID', 'spanID', 'parentSpanID', 'operationName', 'serviceName', 'startTime', 'duration'];
/** The logs panel's dataplane `log-lines` frame: a time field and a string body (severity optional). */
export const LOG_FIELDS = ['timestamp', 'body'];

const missing = (frame: DataFrame | undefined, names: string[]) => names.filter((n) => !frame?.fields.some((f) => f.name === n));
const value = (frame: DataFrame, name: string, i: number): unknown => frame.fields.find((f) => f.name === name)?.values[i];

/** Data links as Grafana interpolates them for one row: `${__value.raw}` and `${__data.fields.<name>}`. */
export function interpolateLink(url: string, frame: DataFrame, field: Field, row: number): string {
  return url
    .replace(/\$\{__value\.raw\}/g, String(field.values[row] ?? ''))
    .replace(/\$\{__data\.fields\.([\w.]+)\}/g, (_m, name: string) => String(value(frame, name, row) ?? ''));
}

interface TraceSpanStandIn {
  traceID: string;
  spanID: string;
  parentSpanID?: string;
  operationName: string;
  tags: Array<{ key: string; value: unknown }>;
}

interface TracesOptions {
  focusedSpanId?: string;
  createSpanLink?: (span: TraceSpanStandIn) => Array<{ href: string; content: React.ReactNode; title?: string; type: string }> | undefined;
  createFocusSpanLink?: (traceId: string, spanId: string) => { href: string; title: string; onClick?: (e?: unknown) => void };
}

/** Core `traces` panel stand-in: one row per span, the focused one marked, the span links the page created. */
export function TracesPanelStandIn({ data, options }: PanelProps<TracesOptions>) {
  const frame = data.series[0];
  if (!frame) {
    return <div data-testid="core-panel-traces">No data found in response</div>;
  }
  const lacking = missing(frame, TRACE_FIELDS);
  if (lacking.length) {
    return <div data-testid="core-panel-traces" role="alert">{`traces panel: frame ${frame.name} lacks ${lacking.join(', ')}`}</div>;
  }
  const spans: TraceSpanStandIn[] = Array.from({ length: frame.length }, (_, i) => ({
    traceID: String(value(frame, 'traceID', i)),
    spanID: String(value(frame, 'spanID', i)),
    parentSpanID: (value(frame, 'parentSpanID', i) as string | undefined) || undefined,
    operationName: String(value(frame, 'operationName', i)),
    tags: (value(frame, 'tags', i) as TraceSpanStandIn['tags']) ?? [],
  }));
  return (
    <div
      data-testid="core-panel-traces"
      data-frames={data.series.map((f) => f.name).join(',')}
      data-options={Object.keys(options).filter((k) => (options as Record<string, unknown>)[k] !== undefined).sort().join(',')}
      data-focused={options.focusedSpanId ?? ''}
      style={{ overflow: 'auto', height: '100%' }}
    >
      <ul style={{ margin: 0, paddingLeft: 16 }}>
        {spans.map((s) => {
          const description = s.tags.find((t) => t.key === 'kong.span.description')?.value;
          const focus = s.parentSpanID ? options.createFocusSpanLink?.(s.traceID, s.parentSpanID) : undefined;
          return (
            <li key={s.spanID} data-testid="span-row" data-span-id={s.spanID} aria-current={s.spanID === options.focusedSpanId ? 'true' : undefined}>
              <strong>{s.operationName}</strong> {description ? <em data-testid="span-description">{String(description)}</em> : null}{' '}
              {(options.createSpanLink?.(s) ?? []).map((l) => (
                <a key={l.href} href={l.href} title={l.title} data-link-type={l.type}>
                  {l.content}
                </a>
              ))}{' '}
              {focus && (
                <a
                  href={focus.href}
                  onClick={(e) => {
                    if (focus.onClick) {
                      e.preventDefault();
                      focus.onClick(e);
                    }
                  }}
                >
                  parent
                </a>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

interface LogsOptions {
  sortOrder?: 'Descending' | 'Ascending';
  showTime?: boolean;
  wrapLogMessage?: boolean;
  enableLogDetails?: boolean;
}

/** Core `logs` panel stand-in: the lines of every log-lines frame in the sort order asked for, with field links. */
export function LogsPanelStandIn({ data, options }: PanelProps<LogsOptions>) {
  const frames = data.series.filter((f) => f.meta?.type === 'log-lines' || f.fields.some((x) => x.type === FieldType.time));
  const bad = frames.map((f) => ({ f, lacking: missing(f, LOG_FIELDS) })).find((x) => x.lacking.length);
  if (bad) {
    return <div data-testid="core-panel-logs" role="alert">{`logs panel: frame ${bad.f.name} lacks ${bad.lacking.join(', ')}`}</div>;
  }
  const rows = frames.flatMap((frame) =>
    Array.from({ length: frame.length }, (_, i) => ({ frame, i, t: Number(value(frame, 'timestamp', i)) }))
  );
  rows.sort((a, b) => (options.sortOrder === 'Ascending' ? a.t - b.t : b.t - a.t));
  return (
    <div
      data-testid="core-panel-logs"
      data-frames={data.series.map((f) => f.name).join(',')}
      data-options={Object.keys(options).filter((k) => (options as Record<string, unknown>)[k] !== undefined).sort().join(',')}
      data-sort={options.sortOrder ?? ''}
      style={{ overflow: 'auto', height: '100%', fontFamily: 'monospace', fontSize: 12 }}
    >
      {rows.length === 0 && <div>No logs found.</div>}
      {rows.map(({ frame, i, t }) => (
        <div key={`${frame.refId}-${String(value(frame, 'id', i) ?? i)}`} data-testid="log-line">
          {options.showTime ? <span>{new Date(t).toISOString()} </span> : null}
          <span>[{String(value(frame, 'severity', i) ?? '')}]</span> <span>{String(value(frame, 'body', i) ?? '')}</span>{' '}
          {frame.fields.flatMap((field) =>
            field.values[i] ? (field.config.links ?? []).map((l) => (
              <a key={`${field.name}-${l.title}`} href={interpolateLink(l.url, frame, field, i)} data-testid={`log-link-${field.name}`}>
                {l.title}
              </a>
            )) : []
          )}
        </div>
      ))}
    </div>
  );
}

/** The two core panels as panel plugins (ids as Grafana registers them). */
export function corePanelPlugins(): Record<string, PanelPlugin> {
  const plugin = (id: string, name: string, panel: React.ComponentType<PanelProps<any>>) => {
    const p = new PanelPlugin(panel);
    p.meta = { id, name, type: 'panel', sort: 0, module: 'core:plugin/' + id, baseUrl: '', info: { author: { name: 'Grafana Labs' }, description: '', links: [], logos: { small: '', large: '' }, screenshots: [], updated: '', version: '' } } as never;
    return p;
  };
  return { traces: plugin('traces', 'Traces', TracesPanelStandIn), logs: plugin('logs', 'Logs', LogsPanelStandIn) };
}

/** Grafana's `runRequest` reduced to its contract: Loading, then Done with the answer's frames and errors. */
export function runRequestStandIn(ds: DataSourceApi, request: DataQueryRequest): Observable<PanelData> {
  const base = { series: [] as DataFrame[], timeRange: request.range, request };
  return from(ds.query(request) as ObservableInput<DataQueryResponse>).pipe(
    map((res): PanelData => ({ ...base, state: res.errors?.length ? LoadingState.Error : LoadingState.Done, series: res.data, errors: res.errors, error: res.errors?.[0] })),
    catchError((e: unknown) => of<PanelData>({ ...base, state: LoadingState.Error, errors: [{ message: String(e) }] })),
    startWith<PanelData>({ ...base, state: LoadingState.Loading })
  );
}

/** Grafana's page chrome reduced to what an app page sets: title, tabs (pageNav.children) and actions. */
export function PluginPageStandIn(props: { pageNav?: NavModelItem; actions?: React.ReactNode; subTitle?: React.ReactNode; children?: React.ReactNode }) {
  const nav = props.pageNav;
  return (
    <div data-testid="plugin-page">
      {nav && (
        <header>
          <h1 style={{ margin: '0 0 4px' }}>{nav.text}</h1>
          {props.subTitle && <div>{props.subTitle}</div>}
          {nav.children?.length ? (
            <nav role="tablist" aria-label="Page tabs" style={{ display: 'flex', gap: 16, margin: '8px 0' }}>
              {nav.children.map((t) => (
                <a key={t.text} role="tab" href={t.url} aria-selected={t.active ? 'true' : 'false'}>
                  {t.text}
                </a>
              ))}
            </nav>
          ) : null}
          {props.actions}
        </header>
      )}
      {props.children}
    </div>
  );
}
