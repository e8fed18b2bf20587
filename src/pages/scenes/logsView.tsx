/**
 * The pieces the logs view (`LogsScene.tsx`) is made of: the data source's `logs` query, the server's paging cursor
 * as the logs frame carries it, Grafana's logs panel with each line linking into the app, the level filter and the
 * paging buttons.
 */
import React from 'react';
import type { DataFrame } from '@grafana/data';
import { PanelBuilders, SceneDataTransformer, type SceneQueryRunner, type VizPanel } from '@grafana/scenes';
import { Button, MultiSelect } from '@grafana/ui';
import { map } from 'rxjs';
import { withAppSpanLinks } from './traceLinks';

/** Kong's normalised log levels (the backend's `level` filter). */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'] as const;
export const LOGS_PAGE = 200;

/** The data source's logs query: a trace's (or span's) lines, or, without a trace id, every line of the session. */
export function logsQuery(
  traceId: string | undefined,
  s: { session?: string; span?: string; levels: string[]; limit: number; cursor?: string; live?: boolean }
) {
  return {
    refId: 'logs',
    queryType: 'logs' as const,
    sessionId: s.session,
    traceId,
    spanId: s.span,
    levels: s.levels.length ? s.levels : undefined,
    limit: s.limit,
    cursor: s.cursor,
    // a live query needs the session (its event stream); pages after a cursor are plain reads
    live: (s.live && Boolean(s.session) && !s.cursor) || undefined,
  };
}

/** The cursor of the next (older) page, as the logs frame carries it; absent on the last page. */
export function olderCursor(frames: DataFrame[] | undefined): string | undefined {
  const next = frames?.find((f) => f.name === 'logs')?.meta?.custom?.nextCursor;
  return typeof next === 'string' && next ? next : undefined;
}

/** Lines on the page shown. */
export function logLineCount(frames: DataFrame[] | undefined): number {
  return frames?.find((f) => f.name === 'logs')?.length ?? 0;
}

/**
 * Grafana's logs panel on a logs query runner, newest first; each line's trace and span open in the app's trace
 * page (not in Explore), with the session `session()` names at the time the frames arrive.
 */
export function buildLogsPanel(runner: SceneQueryRunner, session: () => string | undefined): VizPanel {
  return PanelBuilders.logs()
    .setTitle('Logs')
    .setHoverHeader(true)
    .setData(
      new SceneDataTransformer({
        $data: runner,
        transformations: [() => (source) => source.pipe(map((frames: DataFrame[]) => withAppSpanLinks(frames, session())))],
      })
    )
    .setOption('showTime', true)
    .setOption('wrapLogMessage', true)
    .setOption('enableLogDetails', true)
    .setOption('sortOrder' as never, 'Descending' as never)
    .setOption('dedupStrategy' as never, 'none' as never)
    .build();
}

/** The query runner under a panel built by `buildLogsPanel`. */
export function logsRunner(panel: VizPanel): SceneQueryRunner {
  return (panel.state.$data as SceneDataTransformer).state.$data as SceneQueryRunner;
}

export function LevelFilter({ levels, onChange }: { levels: string[]; onChange: (levels: string[]) => void }) {
  return (
    <div style={{ minWidth: 280 }}>
      <MultiSelect<string>
        aria-label="Log levels"
        placeholder="All levels"
        options={LOG_LEVELS.map((l) => ({ value: l, label: l }))}
        value={levels}
        onChange={(v) => onChange(v.map((o) => o.value!).filter(Boolean))}
      />
    </div>
  );
}

/** "n lines, newest first", then Newer (back one page) and Load older (the page after the server's cursor). */
export function LogsPaging(p: { lines: number; className?: string; canNewer: boolean; canOlder: boolean; onNewer: () => void; onOlder: () => void }) {
  return (
    <>
      <span className={p.className} data-testid="logs-count">
        {p.lines} line{p.lines === 1 ? '' : 's'}, newest first
      </span>
      <Button size="sm" variant="secondary" icon="arrow-left" onClick={p.onNewer} disabled={!p.canNewer}>
        Newer
      </Button>
      <Button size="sm" variant="secondary" icon="history" onClick={p.onOlder} disabled={!p.canOlder}>
        Load older
      </Button>
    </>
  );
}
