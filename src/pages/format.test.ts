import type { Session } from '../../common/api';
import { formatSeconds, ruleText, timeLeft } from './format';

const base: Session = {
  id: 's1',
  name: 'n',
  rule: { type: 'basic', routeIds: ['r1'] },
  status: 'in_progress',
  durationSeconds: 300,
  maxTraces: 200,
  captureLogs: false,
  traceCount: 0,
  logCount: 0,
  createdAt: '2026-11-24T12:00:00.000Z',
  startedAt: '2026-11-24T12:00:00.000Z',
  endsAt: '2026-11-24T12:05:00.000Z',
};

describe('session format helpers', () => {
  it('describes rules', () => {
    expect(ruleText({ type: 'basic', routeIds: ['a', 'b'], serviceIds: ['s'] })).toBe('routes: a, b; services: s');
    expect(ruleText({ type: 'basic' })).toBe('all traffic');
    expect(ruleText({ type: 'advanced', expression: 'http.method == "GET"' })).toBe('http.method == "GET"');
  });

  it('counts the time left of a running session down, and never below zero', () => {
    expect(timeLeft(base, Date.parse('2026-11-24T12:00:55.000Z'))).toBe('4m 05s');
    expect(timeLeft(base, Date.parse('2026-11-24T12:06:00.000Z'))).toBe('0s');
    expect(timeLeft({ ...base, status: 'completed' }, 0)).toBe('—');
    expect(formatSeconds(59)).toBe('59s');
  });
});
