import { parsePluginSpan } from '../spans/names';
import { overlapLength, safeDuration } from '../spans/time';
import { balancerTries, intervalsOf, type TraceContext } from './context';
import { isResponsePhase } from './phases';

/**
 * What the OSS `kong.balancer` spans tell about the upstream, in ns. OSS has no connect/send/read
 * spans, so:
 * - every try but the last failed (Kong only retries after a failure); each covers its connect
 *   attempt (and, with proxy_next_upstream, the send and status read that failed): that is
 *   "upstream in" time;
 * - the last try starts at the balancer phase and ends at body-filter end, so it covers connect,
 *   send, wait and read of the successful exchange *plus* the response-phase plugins Kong ran
 *   meanwhile (header_filter/body_filter); we subtract the time those plugin spans overlap it
 *   (union, so overlapping plugin spans are not subtracted twice). Its connect part cannot be
 *   separated, so it stays in "upstream out".
 */
export interface OssUpstream {
  tries: number;
  failedTriesNs: number;
  /** last try minus the response-plugin time inside it; 0 when there is no try */
  lastTryNs: number;
}

export function ossUpstream(ctx: TraceContext): OssUpstream {
  const tries = balancerTries(ctx);
  if (!tries.length) return { tries: 0, failedTriesNs: 0, lastTryNs: 0 };
  const last = tries[tries.length - 1];
  const failedTriesNs = tries.slice(0, -1).reduce((sum, s) => sum + safeDuration(s), 0);
  const responsePlugins = ctx.spans.filter((s) => {
    const p = parsePluginSpan(s.name);
    return p !== undefined && isResponsePhase(p.phase);
  });
  const lastInterval = ctx.intervals.get(last.spanId);
  const overlap = lastInterval ? overlapLength(lastInterval, intervalsOf(ctx, responsePlugins)) : 0;
  return { tries: tries.length, failedTriesNs, lastTryNs: Math.max(0, safeDuration(last) - overlap) };
}
