import { AlertPayloadError, parseAlertmanagerPayload, parseGrafanaPayload } from './payload';
import { alertmanagerPayload, grafanaPayload } from './testing';

describe('alert webhook payloads', () => {
  it("reads Grafana's webhook payload as Grafana sends it", () => {
    const p = parseGrafanaPayload(
      grafanaPayload([{ labels: { route: 'checkout' } }, { status: 'resolved', fingerprint: 'aa01' }])
    );
    expect(p.source).toBe('grafana');
    expect(p.alerts).toEqual([
      {
        status: 'firing',
        labels: { alertname: 'KongHighErrorRate', route: 'checkout' },
        annotations: { summary: 'Kong answers 5xx' },
        fingerprint: 'c6eadffa33fcdf37',
        startsAt: '2026-12-06T20:51:03.157076+00:00',
        generatorURL: 'https://grafana.example.com/alerting/grafana/bf9x2c7z/view?orgId=1',
        dashboardURL: 'https://grafana.example.com/d/kong-overview?orgId=1',
        panelURL: 'https://grafana.example.com/d/kong-overview?orgId=1&viewPanel=4',
      },
      expect.objectContaining({ status: 'resolved', fingerprint: 'aa01' }),
    ]);
  });

  it("reads Alertmanager's webhook payload (version 4)", () => {
    const p = parseAlertmanagerPayload(
      alertmanagerPayload([{ labels: { service: 'orders' }, fingerprint: '5d1a9c3e7f20b4c8' }])
    );
    expect(p.source).toBe('alertmanager');
    expect(p.alerts[0]).toMatchObject({
      status: 'firing',
      fingerprint: '5d1a9c3e7f20b4c8',
      labels: { service: 'orders', job: 'kong' },
    });
    expect(p.alerts[0].dashboardURL).toBeUndefined();
  });

  it('keeps empty URLs out (Grafana sends "" for an alert without a dashboard)', () => {
    const body = grafanaPayload([{}]);
    body.alerts[0].dashboardURL = '';
    body.alerts[0].panelURL = '';
    expect(parseGrafanaPayload(body).alerts[0]).not.toHaveProperty('dashboardURL');
  });

  it.each([
    ['not an object', [], 'body must be a JSON object'],
    ['no alerts', { version: '1', status: 'firing' }, 'alerts must be an array'],
    ['a wrong version', grafanaPayload([{}], { version: '4' }), 'version must be "1"'],
    ['a bad status', grafanaPayload([{ status: 'pending' as any }]), 'alerts[0].status must be "firing" or "resolved"'],
    ['no fingerprint', grafanaPayload([{ fingerprint: '' }]), 'alerts[0].fingerprint must be'],
    [
      'a label that is not a string',
      grafanaPayload([{ labels: { code: 500 as any } }]),
      'alerts[0].labels.code must be a string',
    ],
    [
      'a bad startsAt',
      (() => {
        const b = grafanaPayload([{}]);
        b.alerts[0].startsAt = 'yesterday';
        return b;
      })(),
      'alerts[0].startsAt must be an RFC 3339 time',
    ],
    [
      'a __proto__ label',
      JSON.parse('{"version":"1","alerts":[{"status":"firing","fingerprint":"a1","labels":{"__proto__":"x"}}]}'),
      'may not hold the key "__proto__"',
    ],
  ])('refuses %s with a precise message', (_what, body, message) => {
    expect(() => parseGrafanaPayload(body)).toThrow(AlertPayloadError);
    expect(() => parseGrafanaPayload(body)).toThrow(message);
  });

  it("refuses Grafana's payload on the Alertmanager route and the other way round (by version)", () => {
    expect(() => parseAlertmanagerPayload(grafanaPayload([{}]))).toThrow('version must be "4"');
    expect(() => parseGrafanaPayload(alertmanagerPayload([{}]))).toThrow('version must be "1"');
  });
});
