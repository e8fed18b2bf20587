import type { Session, SessionAlert } from '../../common/api';
import { labelsAgree, pickAlertSession, readAlertLink } from './alertSession';

const LABELS = { alertname: 'KongErrors', route: 'checkout', code: '503', grafana_folder: 'Kong' };

function s(id: string, over: { status?: Session['status']; createdAt?: string; alert?: Partial<SessionAlert> | null } = {}): Session {
  return {
    id,
    name: id,
    rule: { type: 'basic', routeIds: ['r'] },
    status: over.status ?? 'completed',
    durationSeconds: 300,
    maxTraces: 200,
    captureLogs: true,
    traceCount: 0,
    logCount: 0,
    createdAt: over.createdAt ?? '2026-12-06T10:00:00Z',
    ...(over.alert === null
      ? {}
      : { alert: { source: 'grafana', name: 'KongErrors', fingerprint: 'f', labels: LABELS, ruleUid: 'rule-1', ...over.alert } }),
  };
}

describe('labelsAgree', () => {
  it('agrees when every label both have is equal, whatever only one side has', () => {
    expect(labelsAgree({ ...LABELS, instance: 'kong-1' }, { alertname: 'KongErrors', route: 'checkout', extra: 'x' })).toBe(true);
  });

  it('disagrees on one differing value', () => {
    expect(labelsAgree(LABELS, { alertname: 'KongErrors', route: 'orders' })).toBe(false);
  });

  it('ignores Grafana-internal labels', () => {
    expect(labelsAgree({ ...LABELS, __alert_rule_uid__: 'a' }, { ...LABELS, __alert_rule_uid__: 'b' })).toBe(true);
  });
});

describe('pickAlertSession', () => {
  const link = { rule: 'rule-1', labels: { alertname: 'KongErrors', route: 'checkout', code: '503' } };

  it("takes the session whose alert came from the rule with the instance's labels", () => {
    const sessions = [
      s('other-route', { alert: { labels: { ...LABELS, route: 'orders' } } }),
      s('other-rule', { alert: { ruleUid: 'rule-2' } }),
      s('by-hand', { alert: null }),
      s('it'),
    ];
    expect(pickAlertSession(sessions, link)?.id).toBe('it');
  });

  it('prefers a running session, then the newest', () => {
    const sessions = [
      s('old', { createdAt: '2026-12-06T09:00:00Z' }),
      s('running', { status: 'in_progress', createdAt: '2026-12-06T08:00:00Z' }),
      s('new', { createdAt: '2026-12-06T11:00:00Z' }),
    ];
    expect(pickAlertSession(sessions, link)?.id).toBe('running');
    expect(pickAlertSession(sessions.filter((x) => x.id !== 'running'), link)?.id).toBe('new');
  });

  it('finds nothing when no session agrees', () => {
    expect(pickAlertSession([s('a', { alert: { labels: { ...LABELS, code: '500' } } })], link)).toBeUndefined();
    expect(pickAlertSession([], link)).toBeUndefined();
  });

  it('without a rule uid, needs the same alertname (agreeing on no label would match any alert)', () => {
    const am = (id: string, name: string) => s(id, { alert: { source: 'alertmanager', ruleUid: undefined, labels: { ...LABELS, alertname: name } } });
    expect(pickAlertSession([am('x', 'Other'), am('y', 'KongErrors')], { labels: { alertname: 'KongErrors', route: 'checkout' } })?.id).toBe('y');
    expect(pickAlertSession([am('y', 'KongErrors')], { labels: { route: 'checkout' } })).toBeUndefined();
  });
});

describe('readAlertLink', () => {
  it('names a malformed labels parameter instead of guessing', () => {
    expect(readAlertLink('?rule=r&labels=%7Bnot-json').error).toMatch(/"labels" is not a JSON object/);
    expect(readAlertLink('?labels=%5B%22a%22%5D').error).toMatch(/"labels"/);
    expect(readAlertLink('?labels=%7B%22a%22%3A1%7D').error).toMatch(/"labels"/);
  });

  it('reads an empty link as nothing to look for', () => {
    expect(readAlertLink('')).toEqual({ link: { labels: {} } });
  });
});
