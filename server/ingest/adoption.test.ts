import type { StoredSession } from '../store/types';
import { Adoption } from './adoption';
import { TRACE_A, TRACE_B } from './testing';
import { traceKey } from './trace-key';

const session = (id: string, tenant: string | undefined, captureLogs = false) => ({ id, tenant, captureLogs }) as StoredSession;

describe('Adoption', () => {
  const sessions = new Map([
    ['a1', session('a1', 'a', true)],
    ['a2', session('a2', 'a')],
    ['b1', session('b1', 'b', true)],
    ['old', session('old', undefined)],
  ]);
  const store = { getSession: (id: string) => sessions.get(id) };

  it("finds what other replicas decided for waiting traces, one look-up per tenant, with that tenant's sessions only", async () => {
    const asked: string[][] = [];
    const held = new Map([
      [TRACE_A, ['a1', 'a2', 'b1', 'gone']],
      [TRACE_B, ['b1']],
    ]);
    const shared = { sessionsOfTraces: async (_tenant: string, ids: string[]) => (asked.push(ids), new Map(ids.filter((i) => held.has(i)).map((i) => [i, held.get(i)!]))) };
    const found = await new Adoption(shared, store).lookUp([traceKey('a', TRACE_A), traceKey('a', TRACE_B), traceKey('b', TRACE_B)], () => false);
    expect(asked).toEqual([[TRACE_A, TRACE_B], [TRACE_B]]);
    expect(found).toEqual([
      { tenant: 'a', decided: [[traceKey('a', TRACE_A), { sessions: ['a1', 'a2'], logSessions: ['a1'] }]] },
      { tenant: 'b', decided: [[traceKey('b', TRACE_B), { sessions: ['b1'], logSessions: ['b1'] }]] },
    ]);
  });

  it('does not look up traces already decided here, and asks nothing when none is left', async () => {
    const asked: string[][] = [];
    const shared = { sessionsOfTraces: async (_tenant: string, ids: string[]) => (asked.push(ids), new Map([[TRACE_A, ['old']]])) };
    const a = new Adoption(shared, store);
    expect(await a.lookUp([traceKey('default', TRACE_A), traceKey('default', TRACE_B)], (k) => k === traceKey('default', TRACE_B))).toEqual([
      { tenant: 'default', decided: [[traceKey('default', TRACE_A), { sessions: ['old'], logSessions: [] }]] },
    ]);
    expect(await a.lookUp([traceKey('default', TRACE_A)], () => true)).toEqual([]);
    expect(asked).toEqual([[TRACE_A]]);
  });
});
