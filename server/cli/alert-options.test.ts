import { alertOptionsFrom } from './alert-options';

const defaults = {
  grafanaWebhookReplayWindow: 300,
  grafanaWebhookTenant: 'default',
  alertMaxSessions: 5,
  alertDuration: 300,
  alertMaxTraces: 200,
};

describe("serve's alert options", () => {
  it('without a secret: no signature, the defaults', () => {
    expect(alertOptionsFrom(defaults)).toEqual({
      maxSessions: 5,
      defaults: { durationSeconds: 300, maxTraces: 200 },
      grafanaTenant: 'default',
    });
  });

  it('reads values given as environment strings', () => {
    const o = alertOptionsFrom({
      ...defaults,
      grafanaWebhookSecret: ' s3cret ',
      grafanaWebhookTimestampHeader: 'X-Grafana-Alerting-Timestamp',
      grafanaWebhookReplayWindow: '120',
      grafanaWebhookTenant: 'team-a',
      alertMaxSessions: '2',
      alertDuration: '10m',
      alertMaxTraces: '50',
    });
    expect(o).toEqual({
      maxSessions: 2,
      defaults: { durationSeconds: 600, maxTraces: 50 },
      grafanaTenant: 'team-a',
      grafanaSignature: {
        secret: 's3cret',
        header: undefined,
        timestampHeader: 'X-Grafana-Alerting-Timestamp',
        replayWindowSeconds: 120,
      },
    });
  });

  it('refuses what a session could not be', () => {
    expect(() => alertOptionsFrom({ ...defaults, alertDuration: '45m' })).toThrow('--alert-duration');
    expect(() => alertOptionsFrom({ ...defaults, alertMaxSessions: '-1' })).toThrow('--alert-max-sessions');
    expect(() => alertOptionsFrom({ ...defaults, grafanaWebhookTenant: 'Team A' })).toThrow('--grafana-webhook-tenant');
  });
});
