import { ROUTES } from '../pages/constants';
import { isOurs, sessionOf, traceOf, type FrameLike, type QueryLike } from './ourQueries';
import { sessionPath, timeBound, tracePath, withQuery } from './paths';

/** Our panels' ids (src/panels/<name>/plugin.json). */
export const OUR_PANELS = ['kongdbg-lifecyclemap-panel', 'kongdbg-debuglogs-panel'];

/** Context of `grafana/dashboard/panel/menu` (PluginExtensionPanelContext); `timeRange` is the raw range. */
export interface PanelMenuContext {
  pluginId?: string;
  title?: string;
  targets?: QueryLike[];
  timeRange?: { from: unknown; to: unknown };
  data?: { series?: FrameLike[] } | null;
}

/**
 * "Open in Kong Debugger app" in a panel's menu: on our panels and on any panel querying our data source. Opens
 * the trace it shows, else its session, else the sessions list, with the dashboard's time range.
 */
export function panelMenuLink(ctx: PanelMenuContext | undefined): { path: string } | undefined {
  if (!ctx) {
    return undefined;
  }
  const targets = ctx.targets ?? [];
  const ourPanel = OUR_PANELS.includes(ctx.pluginId ?? '');
  // Our panels may sit on a panel-level data source the targets do not repeat: their queries count as ours.
  const ours = ourPanel ? targets.filter((q) => !q.datasource?.type || isOurs(q)) : targets.filter(isOurs);
  if (!ourPanel && ours.length === 0) {
    return undefined;
  }
  const frames = ctx.data?.series ?? [];
  const range = { from: timeBound(ctx.timeRange?.from), to: timeBound(ctx.timeRange?.to) };
  const trace = traceOf(ours, frames);
  if (trace) {
    return { path: tracePath(trace.traceId, { spanId: trace.spanId, ...range }) };
  }
  const sessionId = sessionOf(ours, frames);
  if (sessionId) {
    return { path: sessionPath(sessionId, range) };
  }
  return { path: withQuery(ROUTES.sessions, range) };
}
