import type { Session } from '../../common/api';
import { DecisionCache } from './decision-cache';
import { LogRouter, type LogCaptureView } from './log-routing';
import { decodedLog, TRACE_A, TRACE_B } from './testing';
import { traceKey } from './trace-key';

function sessions(running: Array<Partial<Session>>): LogCaptureView {
  return {
    get activeLogCapture() {
      return running.some((s) => s.captureLogs);
    },
    runningSessions: () => running as Session[],
  };
}

describe('LogRouter', () => {
  it("sends a worker-level record (no trace) to the tenant's running sessions that capture logs", () => {
    const r = new LogRouter(
      sessions([
        { id: 'a-logs', tenant: 'a', captureLogs: true },
        { id: 'a-quiet', tenant: 'a', captureLogs: false },
        { id: 'b-logs', tenant: 'b', captureLogs: true },
        { id: 'legacy', captureLogs: true },
      ]),
      new DecisionCache(),
    );
    expect(r.route(decodedLog({ traceId: undefined }), 'a')).toEqual({ sessions: ['a-logs'] });
    expect(r.route(decodedLog({ traceId: undefined }), 'default')).toEqual({ sessions: ['legacy'] });
    expect(r.route(decodedLog({ traceId: undefined }), 'c')).toEqual({ sessions: [] });
    expect(r.stats.logsDropped).toBe(1);
  });

  it("follows the trace's decision, of the same tenant only, and waits while the trace is undecided", () => {
    const d = new DecisionCache();
    d.remember(traceKey('a', TRACE_A), { sessions: ['s1', 's2'], logSessions: ['s2'] });
    d.remember(traceKey('a', TRACE_B), { sessions: [], logSessions: [] });
    const r = new LogRouter(sessions([{ id: 's2', tenant: 'a', captureLogs: true }]), d);
    expect(r.route(decodedLog(), 'a')).toEqual({ sessions: ['s2'] });
    expect(r.route(decodedLog(), 'b')).toEqual({ wait: traceKey('b', TRACE_A) });
    expect(r.route(decodedLog({ traceId: TRACE_B }), 'a')).toEqual({ sessions: [] });
    expect(r.stats.logsDropped).toBe(1);
  });

  it('drops what no session could want: a kept trace whose sessions take no logs, or nothing capturing logs', () => {
    const d = new DecisionCache();
    d.remember(traceKey('a', TRACE_A), { sessions: ['s1'], logSessions: [] });
    const r = new LogRouter(sessions([{ id: 's1', tenant: 'a', captureLogs: false }]), d);
    expect(r.route(decodedLog(), 'a')).toEqual({ sessions: [] });
    expect(r.route(decodedLog({ traceId: TRACE_B }), 'a')).toEqual({ sessions: [] });
    expect(r.ofDecision({ sessions: ['s1'], logSessions: [] }, 3)).toEqual([]);
    expect(r.stats.logsDropped).toBe(5);
  });

  it('skips a whole batch only when nothing captures, waits or is kept', () => {
    const d = new DecisionCache();
    const r = new LogRouter(sessions([]), d);
    expect(r.skipBatch(4, 1)).toBe(false);
    expect(r.skipBatch(4, 0)).toBe(true);
    d.remember(traceKey('a', TRACE_A), { sessions: ['s1'], logSessions: [] });
    expect(r.skipBatch(4, 0)).toBe(false);
    expect(new LogRouter(sessions([{ id: 's', captureLogs: true }]), new DecisionCache()).skipBatch(4, 0)).toBe(false);
    expect(r.stats.logsDropped).toBe(4);
  });
});
