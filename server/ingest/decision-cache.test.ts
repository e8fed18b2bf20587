import { DecisionCache, type Decision } from './decision-cache';
import { TRACE_A, TRACE_B } from './testing';
import { traceKey } from './trace-key';

const A = traceKey('team-a', TRACE_A);
const kept: Decision = { sessions: ['s1'], logSessions: [] };

describe('DecisionCache', () => {
  it('remembers kept and dropped traces for its time to live, counting only traces judged here', () => {
    let now = 0;
    const c = new DecisionCache({ ttlMs: 1000, now: () => now });
    const B = traceKey('team-a', TRACE_B);
    c.remember(A, kept);
    c.remember(B, { sessions: [], logSessions: [] });
    c.adopt(traceKey('team-a', 'c'.repeat(32)), kept);
    expect([c.keptDecision(A), c.follow(A), c.isDropped('team-a', TRACE_B), c.follow(B), c.anyKept]).toEqual([kept, kept, true, undefined, true]);
    expect(c.stats.tracesMatched).toBe(1);
    now = 1000;
    c.sweep();
    expect([c.keptDecision(A), c.isDropped('team-a', TRACE_B), c.anyKept]).toEqual([undefined, false, false]);
  });

  it("never answers for one tenant with another tenant's decision on the same trace id", () => {
    const c = new DecisionCache();
    c.remember(A, kept);
    const B = traceKey('team-b', TRACE_A);
    expect([c.keptDecision(B), c.follow(B), c.isDropped('team-b', TRACE_A)]).toEqual([undefined, undefined, false]);
    c.drop('team-a', TRACE_B);
    expect([c.isDropped('team-a', TRACE_B), c.isDropped('team-b', TRACE_B)]).toEqual([true, false]);
  });

  it('lets concurrent requests follow a decision in flight, and forgets it once made', async () => {
    const c = new DecisionCache();
    let resolve!: (m: Map<typeof A, Decision>) => void;
    const deciding = c.whileDeciding([A], new Promise((r) => (resolve = r)));
    const followed = c.follow(A);
    expect(followed).toBeInstanceOf(Promise);
    resolve(new Map([[A, kept]]));
    await expect(followed).resolves.toEqual(kept);
    await deciding;
    expect(c.follow(A)).toBeUndefined(); // the judging request remembers it, not the cache by itself
  });

  it('gives followers undefined when the judging request fails, so they wait for the retried root', async () => {
    const c = new DecisionCache();
    const deciding = c.whileDeciding([A], Promise.reject(new Error('database down')));
    const followed = c.follow(A);
    await expect(deciding).rejects.toThrow('database down');
    await expect(followed).resolves.toBeUndefined();
    expect(c.follow(A)).toBeUndefined();
  });

  it('keeps one object per distinct decision, equal to what it was given and not changeable', () => {
    const c = new DecisionCache();
    const B = traceKey('team-a', TRACE_B);
    const C = traceKey('team-b', TRACE_B);
    c.remember(A, { sessions: ['s1', 's2'], logSessions: ['s2'] });
    c.remember(B, { sessions: ['s1', 's2'], logSessions: ['s2'] });
    c.adopt(C, { sessions: ['s1'], logSessions: ['s2'] });
    expect(c.keptDecision(A)).toEqual({ sessions: ['s1', 's2'], logSessions: ['s2'] });
    expect(c.keptDecision(A)).toBe(c.keptDecision(B));
    expect(c.keptDecision(C)).toEqual({ sessions: ['s1'], logSessions: ['s2'] });
    expect(() => c.keptDecision(A)!.sessions.push('s3')).toThrow(TypeError);
    expect(c.keptDecision(B)).toEqual({ sessions: ['s1', 's2'], logSessions: ['s2'] });
  });

  it('forgets the oldest decisions past its size', () => {
    const c = new DecisionCache({ maxKept: 1 });
    c.remember(A, kept);
    c.remember(traceKey('team-a', TRACE_B), kept);
    expect(c.keptDecision(A)).toBeUndefined();
  });
});
