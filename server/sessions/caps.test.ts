import type { StoredSession } from '../store/types';
import { admitWithinCap } from './caps';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const session = (over: Partial<StoredSession> = {}): StoredSession => ({
  id: 's',
  name: 's',
  rule: { type: 'advanced', expression: 'http.response.status_code >= 500' },
  status: 'in_progress',
  durationSeconds: 60,
  maxTraces: 3,
  captureLogs: false,
  traceCount: 0,
  logCount: 0,
  createdAt: '2026-11-24T09:59:30.000Z',
  endsAt: '2026-11-24T10:00:30.000Z',
  ...over,
});

describe('admitWithinCap', () => {
  it('counts traces under the cap and leaves the session running', () => {
    expect(admitWithinCap(session(), 2, NOW)).toEqual({ admitted: 2, session: session({ traceCount: 2 }) });
  });

  it('gives the request that reaches the cap only the places left, and completes the session now', () => {
    expect(admitWithinCap(session({ traceCount: 1 }), 5, NOW)).toEqual({
      admitted: 2,
      session: session({ traceCount: 3, status: 'completed', endedAt: '2026-11-24T10:00:00.000Z', endsAt: '2026-11-24T10:00:00.000Z' }),
    });
  });

  it('admits nothing to a session that ended, is past its end, or is full', () => {
    for (const s of [session({ status: 'cancelled' }), session({ endsAt: '2026-11-24T10:00:00.000Z' }), session({ traceCount: 3 })]) {
      expect(admitWithinCap(s, 1, NOW)).toEqual({ admitted: 0, session: s });
    }
  });
});
