import type { Admission } from '../sessions/manager';
import type { StoredSession } from '../store/types';
import { admitCandidates, allocate, type Candidate } from './admission';
import { emptyWrite } from './testing';
import { traceKey } from './trace-key';

const k = (n: number) => traceKey('t', n.toString(16).padStart(32, '0'));

describe('admission', () => {
  it("hands each session's admitted places to the traces in batch order; the rest are decided with no session", () => {
    const candidates: Candidate[] = [
      { key: k(1), matches: ['capped', 'logs'] },
      { key: k(2), matches: ['capped'] },
      { key: k(3), matches: ['logs', 'capped'] },
      { key: k(4), matches: [] },
    ];
    const granted = { admitted: new Map([['capped', 1], ['logs', 5]]), captureLogs: new Set(['logs']) };
    const d = allocate(candidates, granted);
    expect([...d]).toEqual([
      [k(1), { sessions: ['capped', 'logs'], logSessions: ['logs'] }],
      [k(2), { sessions: [], logSessions: [] }],
      [k(3), { sessions: ['logs'], logSessions: ['logs'] }],
      [k(4), { sessions: [], logSessions: [] }],
    ]);
    expect(granted.admitted.get('capped')).toBe(1); // the grant is not consumed
  });

  it('asks once per session for as many traces as want it, and puts the changed sessions in the write', async () => {
    const asked: Array<Map<string, number>> = [];
    const persisted = { id: 'a' } as StoredSession;
    const sessions = {
      admit: async (requests: Map<string, number>): Promise<Admission> => {
        asked.push(requests);
        return { admitted: new Map([['a', 2]]), captureLogs: new Set(), persist: [persisted] };
      },
    };
    const write = emptyWrite();
    const d = await admitCandidates(sessions, [{ key: k(1), matches: ['a', 'b'] }, { key: k(2), matches: ['a'] }, { key: k(3), matches: [] }], write);
    expect(asked).toEqual([new Map([['a', 2], ['b', 1]])]);
    expect(write.sessions).toEqual([persisted]);
    expect(d.get(k(2))).toEqual({ sessions: ['a'], logSessions: [] });
  });

  it('asks nothing when no trace wants a session', async () => {
    const sessions = { admit: () => Promise.reject(new Error('must not be asked')) };
    const d = await admitCandidates(sessions, [{ key: k(1), matches: [] }], emptyWrite());
    expect(d.get(k(1))).toEqual({ sessions: [], logSessions: [] });
  });
});
