import { alertInstanceLink, alertPrefill, alertRuleUid, publicLabels } from './alertInstance';
import { readAlertLink } from './alertSession';
import { ROUTES } from '../pages/constants';

const url = (path: string) => new URL(path, 'http://grafana');

describe('alert instance door', () => {
  it("opens the app's alert page with the rule's uid, the instance's public labels and Kong's route, service and code", () => {
    const link = alertInstanceLink({
      rule: { name: 'Checkout 503s', uid: 'abc', labels: { team: 'payments' } },
      instance: {
        labels: { alertname: 'Checkout 503s', route: 'checkout', service: 'orders', code: '503', __alert_rule_uid__: 'abc' },
        state: 'Alerting',
      },
    });
    const u = url(link!.path);
    expect(u.pathname).toBe(ROUTES.alert({}));
    expect(u.pathname).toBe('/a/kongdbg-debugger-app/alert');
    expect(u.searchParams.get('rule')).toBe('abc');
    // internal labels never reach a notification, so they are not part of what identifies the alert
    expect(JSON.parse(u.searchParams.get('labels')!)).toEqual({ alertname: 'Checkout 503s', route: 'checkout', service: 'orders', code: '503' });
    expect(u.searchParams.get('route')).toBe('checkout');
    expect(u.searchParams.get('service')).toBe('orders');
    expect(u.searchParams.get('code')).toBe('503');
    // what the landing page reads back
    expect(readAlertLink(u.search)).toEqual({
      link: {
        rule: 'abc',
        labels: { alertname: 'Checkout 503s', route: 'checkout', service: 'orders', code: '503' },
        prefill: { routes: ['checkout'], services: ['orders'], rule: 'http.response.status_code == 503' },
      },
    });
  });

  it('is shown with a rule uid alone (its session may come from a kong_debugger_rule annotation)', () => {
    const u = url(alertInstanceLink({ rule: { name: 'Slow checkout', rulerRule: { grafana_alert: { uid: 'r-9' } } }, instance: { labels: { team: 'x' } } })!.path);
    expect(u.pathname).toBe(ROUTES.alert({}));
    expect(u.searchParams.get('rule')).toBe('r-9');
    // the rule's name stands in for an alertname the instance's labels lack
    expect(JSON.parse(u.searchParams.get('labels')!)).toEqual({ team: 'x', alertname: 'Slow checkout' });
    expect(u.searchParams.has('route')).toBe(false);
    expect(u.searchParams.has('code')).toBe(false);
  });

  it('is shown with Kong labels alone (data source-managed rules have no uid)', () => {
    const u = url(alertInstanceLink({ rule: { name: 'KongErrors' }, instance: { labels: { alertname: 'KongErrors', kong_route_name: 'r1', http_response_status_code: '500' } } })!.path);
    expect(u.searchParams.has('rule')).toBe(false);
    expect(u.searchParams.get('route')).toBe('r1');
    expect(u.searchParams.get('code')).toBe('500');
    expect(readAlertLink(u.search).link.prefill).toEqual({ routes: ['r1'], rule: 'http.response.status_code == 500' });
  });

  it('is hidden on alerts with neither a rule uid nor anything of Kong in their labels', () => {
    expect(alertInstanceLink({ instance: { labels: { alertname: 'Disk full', instance: 'db-1' } } })).toBeUndefined();
    expect(alertInstanceLink({ rule: { name: 'Disk full', uid: 'bad uid/with slash' }, instance: { labels: { alertname: 'Disk full' } } })).toBeUndefined();
    expect(alertInstanceLink(undefined)).toBeUndefined();
  });

  it('reads the rule uid wherever Grafana puts it', () => {
    expect(alertRuleUid({ rule: { uid: 'a' } })).toBe('a');
    expect(alertRuleUid({ rule: { rulerRule: { grafana_alert: { uid: 'b' } } } })).toBe('b');
    expect(alertRuleUid({ rule: { promRule: { uid: 'c' } } })).toBe('c');
    expect(alertRuleUid({ rule: { name: 'prometheus rule' } })).toBeUndefined();
  });

  it("reads Kong's OpenTelemetry metric labels as Prometheus names them", () => {
    expect(alertPrefill({ instance: { labels: { kong_route_name: 'r1', http_response_status_code: '500' } } })).toEqual({
      routes: ['r1'],
      rule: 'http.response.status_code == 500',
    });
  });

  it('takes the rule labels when the instance has none of its own', () => {
    expect(alertPrefill({ rule: { labels: { service: 'billing' } }, instance: { labels: { alertname: 'x' } } })).toEqual({ services: ['billing'] });
  });

  it('makes no rule from a code that is not an HTTP status', () => {
    expect(alertPrefill({ instance: { labels: { route: 'r', code: 'timeout' } } })).toEqual({ routes: ['r'] });
    expect(alertInstanceLink({ instance: { labels: { code: '999' } } })).toBeUndefined();
  });

  it('drops Grafana-internal labels only', () => {
    expect(publicLabels({ __alert_rule_uid__: 'u', __name__: 'm', _x: '1', a__: '2', grafana_folder: 'f' })).toEqual({ _x: '1', a__: '2', grafana_folder: 'f' });
  });

  it('encodes names that need it', () => {
    const u = url(alertInstanceLink({ instance: { labels: { route: 'a b&c' } } })!.path);
    expect(u.searchParams.get('route')).toBe('a b&c');
    expect(JSON.parse(u.searchParams.get('labels')!)).toEqual({ route: 'a b&c' });
  });
});
