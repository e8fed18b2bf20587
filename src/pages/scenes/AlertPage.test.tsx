import { screen, waitFor, within } from '@testing-library/react';
import { DebuggerApiError } from '../../datasource/api';
import { ROUTES } from '../constants';
import { fakeApi, installDataSource, renderApp, session } from '../testing';
import { currentUrl } from './testing/render';

jest.setTimeout(30_000);

const LABELS = { alertname: 'KongErrors', route: 'checkout', code: '503' };
const alertOf = (labels: Record<string, string>, ruleUid = 'rule-1') => ({ source: 'grafana' as const, name: 'KongErrors', fingerprint: 'f', labels, ruleUid });
/** the app-relative path of the door's link */
const door = (p: Parameters<typeof ROUTES.alert>[0]) => ROUTES.alert(p).slice('/a/kongdbg-debugger-app'.length);

describe('Alert page (the alert instance door)', () => {
  it('replaces itself with the session the alert started', async () => {
    const api = fakeApi({
      listSessions: jest.fn().mockResolvedValue([
        session({ id: 'other', status: 'completed', alert: alertOf({ ...LABELS, route: 'orders' }) }),
        session({ id: 'mine', status: 'completed', alert: alertOf({ ...LABELS, grafana_folder: 'Kong' }) }),
      ]),
    });
    installDataSource(api);
    renderApp(door({ rule: 'rule-1', labels: LABELS, route: 'checkout', code: '503' }));
    await waitFor(() => expect(currentUrl().path).toBe('/sessions/mine'));
    expect(api.listSessions).toHaveBeenCalledWith({ alertRule: 'rule-1' });
    await screen.findByRole('region', { name: 'Session' });
  });

  it("opens New session pre-filled from the alert's labels when it started none", async () => {
    const api = fakeApi({ listSessions: jest.fn().mockResolvedValue([session({ id: 'other', alert: alertOf({ ...LABELS, code: '500' }) })]) });
    installDataSource(api);
    renderApp(door({ rule: 'rule-1', labels: LABELS, route: 'checkout', code: '503' }));
    await waitFor(() => expect(currentUrl().path).toBe('/sessions/new'));
    expect(currentUrl().query.getAll('route')).toEqual(['checkout']);
    expect(currentUrl().query.get('rule')).toBe('http.response.status_code == 503');
    await screen.findByRole('form', { name: 'New debug session' });
  });

  it('looks through all sessions by alertname for a rule without a uid', async () => {
    const api = fakeApi({
      listSessions: jest.fn().mockResolvedValue([session({ id: 'am', alert: { ...alertOf(LABELS), source: 'alertmanager', ruleUid: undefined } })]),
    });
    installDataSource(api);
    renderApp(door({ labels: LABELS, route: 'checkout' }));
    await waitFor(() => expect(currentUrl().path).toBe('/sessions/am'));
    expect(api.listSessions).toHaveBeenCalledWith({});
  });

  it('shows the error with both ways on when the server cannot answer', async () => {
    let fail!: (e: unknown) => void;
    const api = fakeApi({ listSessions: jest.fn().mockReturnValue(new Promise((_r, reject) => (fail = reject))) });
    installDataSource(api);
    renderApp(door({ rule: 'rule-1', labels: LABELS, route: 'checkout', code: '503' }));
    // resolving
    expect(await screen.findByText('Finding the session this alert started…')).toBeInTheDocument();
    fail(new DebuggerApiError('list sessions failed: HTTP 502 Bad Gateway', 502));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not look up the sessions this alert started: list sessions failed: HTTP 502 Bad Gateway');
    expect(within(alert).getByRole('link', { name: /All sessions/ })).toHaveAttribute('href', ROUTES.sessions);
    const create = new URL(within(alert).getByRole('link', { name: /New session for this alert/ }).getAttribute('href')!, 'http://g');
    expect(create.pathname).toBe(ROUTES.newSession);
    expect(create.searchParams.get('rule')).toBe('http.response.status_code == 503');
    // it stayed on the page
    expect(currentUrl().path).toBe('/alert');
  });

  it('refuses a malformed link instead of guessing, without asking the server', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/alert?rule=rule-1&labels=%7Bbroken');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('"labels" is not a JSON object');
    expect(within(alert).getByRole('link', { name: /^New session$/ })).toHaveAttribute('href', ROUTES.newSession);
    expect(api.listSessions).not.toHaveBeenCalled();
  });
});
