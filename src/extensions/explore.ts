import { isOurs, traceOf, type FrameLike, type QueryLike } from './ourQueries';
import { timeBound, tracePath } from './paths';

/** Context of `grafana/explore/toolbar/action` (Explore's ToolbarExtensionPoint): `timeRange` is the raw range. */
export interface ExploreContext {
  exploreId?: string;
  targets?: QueryLike[];
  data?: { series?: FrameLike[] } | null;
  timeRange?: { from: unknown; to: unknown };
  timeZone?: string;
}

/** "Open in Kong Debugger" in Explore's toolbar: only when a query of ours shows a trace; opens the app's trace page. */
export function exploreLink(ctx: ExploreContext | undefined): { path: string } | undefined {
  const ours = (ctx?.targets ?? []).filter(isOurs);
  if (ours.length === 0) {
    return undefined;
  }
  const trace = traceOf(ours, ctx?.data?.series ?? []);
  if (!trace) {
    return undefined;
  }
  return {
    path: tracePath(trace.traceId, { spanId: trace.spanId, from: timeBound(ctx?.timeRange?.from), to: timeBound(ctx?.timeRange?.to) }),
  };
}
