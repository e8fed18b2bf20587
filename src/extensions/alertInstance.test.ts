import { alertInstanceLink, alertPrefill } from './alertInstance';
import { ROUTES } from '../pages/constants';

const url = (path: string) => new URL(path, 'http://grafana');

describe('alert instance door', () => {
  it("pre-fills a New session from Kong's Prometheus labels (route, service, code)", () => {
    const link = alertInstanceLink({
      rule: { name: 'Checkout 503s', uid: 'abc', labels: { team: 'payments' } },
      instance: { labels: { alertname: 'Checkout 503s', route: 'checkout', service: 'orders', code: '503' }, state: 'Alerting' },
    });
    const u = url(link!.path);
    expect(u.pathname).toBe(ROUTES.newSession);
    expect(u.searchParams.getAll('route')).toEqual(['checkout']);
    expect(u.searchParams.getAll('service')).toEqual(['orders']);
    expect(u.searchParams.get('rule')).toBe('http.response.status_code == 503');
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

  it('is hidden on alerts with nothing of Kong in their labels', () => {
    expect(alertInstanceLink({ instance: { labels: { alertname: 'Disk full', instance: 'db-1' } } })).toBeUndefined();
    expect(alertInstanceLink(undefined)).toBeUndefined();
  });

  it('makes no rule from a code that is not an HTTP status', () => {
    expect(alertPrefill({ instance: { labels: { route: 'r', code: 'timeout' } } })).toEqual({ routes: ['r'] });
    expect(alertInstanceLink({ instance: { labels: { code: '999' } } })).toBeUndefined();
  });

  it('encodes names that need it', () => {
    const u = url(alertInstanceLink({ instance: { labels: { route: 'a b&c' } } })!.path);
    expect(u.searchParams.getAll('route')).toEqual(['a b&c']);
  });
});
