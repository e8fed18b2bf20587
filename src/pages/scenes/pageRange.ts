/**
 * The app pages' time range: Grafana's default until a session is known, then the session's life as an absolute
 * range (what it captured), unless the link brought a range of its own. The session page's tabs (Traces, Logs) and
 * the trace page's tabs each sit in a scene with that default.
 */
import { dateTime } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { EmbeddedScene, SceneFlexItem, SceneFlexLayout, SceneTimeRange, sceneGraph, type SceneObject } from '@grafana/scenes';
import { sessionWindow, type SessionRow } from './rows';

export const DEFAULT_RANGE = { from: 'now-24h', to: 'now' };

/** A tab's scene: the default range above one body. */
export function tabScene(body: SceneObject): EmbeddedScene {
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ ...DEFAULT_RANGE }),
    body: new SceneFlexLayout({ direction: 'column', children: [new SceneFlexItem({ body })] }),
  });
}

/**
 * Made on a scene's activation: `set(session)` makes the session's life `scene`'s time range the first time it is
 * called, unless the URL brought a range, and says whether it changed the range (queries on that range run again by
 * themselves: a caller about to run one need not run it twice).
 */
export function sessionRangeOnce(scene: SceneObject): (s: Pick<SessionRow, 'createdAt' | 'endsAt' | 'endedAt' | 'duration'>) => boolean {
  // scenes writes the default range into the URL on init; only another range counts as one the link brought
  const { from, to } = locationService.getSearchObject();
  let set = Boolean(from) && !(from === DEFAULT_RANGE.from && to === DEFAULT_RANGE.to);
  return (s) => {
    if (set) {
      return false;
    }
    set = true;
    const w = sessionWindow(s, Date.now());
    sceneGraph.getTimeRange(scene).onTimeRangeChange({ from: dateTime(w.from), to: dateTime(w.to), raw: { from: w.from, to: w.to } });
    return true;
  };
}
