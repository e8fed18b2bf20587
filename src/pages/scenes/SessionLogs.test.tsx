import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { locationService } from '@grafana/runtime';
import { OTHER_TRACE_ID, TRACE_ID, fakeApi, installDataSource, logLine, logsPanelLines, renderApp, session } from '../testing';
import { currentUrl } from './testing/render';

// Grafana's page chrome draws the page's tabs (pageNav.children); runtime's default PluginPage draws none.
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  PluginPage: (props: object) => jest.requireActual('./testing/host').PluginPageStandIn(props),
}));

// Scenes pages render many Grafana UI components; a busy shared machine makes single tests take seconds.
jest.setTimeout(30_000);

const line = logLine;
const panelLines = logsPanelLines;

describe('Session page, Logs tab', () => {
  it('sits beside Traces and asks the logs query with the session (no trace id) over the session life, newest first', async () => {
    const logs = [
      line('l1', 1764000000001, 'info', 'older line', TRACE_ID, 'aaaaaaaaaaaaaaaa'),
      line('l2', 1764000000005, 'error', 'newest line', OTHER_TRACE_ID, 'bbbbbbbbbbbbbbbb'),
      line('l3', 1764000000003, 'warn', 'no trace', ''),
    ];
    const api = fakeApi({ getSession: jest.fn().mockResolvedValue(session({ status: 'completed' })), listLogs: jest.fn().mockResolvedValue({ logs }) });
    installDataSource(api);
    renderApp('/sessions/s1');
    const tabs = await screen.findByRole('tablist', { name: 'Page tabs' });
    expect(within(tabs).getAllByRole('tab').map((t) => t.textContent)).toEqual(['Traces', 'Logs']);
    // the Traces tab is the page as before, and asks for no logs
    await screen.findByRole('table', { name: 'Traces' });
    expect(api.listLogs).not.toHaveBeenCalled();
    const logsTab = within(tabs).getByRole('tab', { name: 'Logs' });
    await waitFor(() => expect(logsTab.getAttribute('href')).toMatch(/^\/a\/kongdbg-debugger-app\/sessions\/s1\/logs\?from=\d{4}-.*&to=\d{4}-/));
    const { from, to } = Object.fromEntries(new URLSearchParams(logsTab.getAttribute('href')!.split('?')[1]));
    // Grafana's shell follows the tab's link
    act(() => locationService.push(logsTab.getAttribute('href')!));
    await waitFor(() => expect(currentUrl().path).toBe('/sessions/s1/logs'));
    await waitFor(() => expect(panelLines()).toHaveLength(3));
    // the session's lines in the session's life: no trace id, no span, the page's absolute range
    expect(api.listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ limit: 200, from: Date.parse(from), to: Date.parse(to) }));
    const asked = api.listLogs.mock.lastCall![1];
    expect(asked.traceId).toBeUndefined();
    expect(asked.spanId).toBeUndefined();
    expect(api.listTraceLogs).not.toHaveBeenCalled();
    // Grafana's logs panel, newest first
    const panel = screen.getByTestId('core-panel-logs');
    expect(panel.dataset.sort).toBe('Descending');
    expect(panelLines().map((l) => l.textContent)).toEqual([expect.stringContaining('newest line'), expect.stringContaining('no trace'), expect.stringContaining('older line')]);
    expect(screen.getByTestId('logs-count')).toHaveTextContent('3 lines, newest first');
    // each line links to its own trace and span on the app's trace page; a line without a trace links nowhere
    const [newest, noTrace, older] = panelLines();
    expect(within(newest).getByTestId('log-link-spanID')).toHaveAttribute('href', `/a/kongdbg-debugger-app/trace/${OTHER_TRACE_ID}/spans?session=s1&span=bbbbbbbbbbbbbbbb`);
    expect(within(newest).getByTestId('log-link-traceID')).toHaveAttribute('href', `/a/kongdbg-debugger-app/trace/${OTHER_TRACE_ID}?session=s1`);
    expect(within(older).getByTestId('log-link-spanID')).toHaveAttribute('href', `/a/kongdbg-debugger-app/trace/${TRACE_ID}/spans?session=s1&span=aaaaaaaaaaaaaaaa`);
    expect(within(noTrace).queryAllByRole('link')).toHaveLength(0);
    // the session's header is on this tab too
    expect(screen.getByRole('region', { name: 'Session' })).toHaveTextContent('checkout errors');
  });

  it('opened by link without a range: the session life becomes the absolute range the logs follow', async () => {
    const api = fakeApi({ getSession: jest.fn().mockResolvedValue(session({ status: 'completed' })) });
    installDataSource(api);
    renderApp('/sessions/s1/logs');
    await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(currentUrl().query.get('from')).toMatch(/^\d{4}-\d\d-\d\dT/));
    const from = Date.parse(currentUrl().query.get('from')!);
    const to = Date.parse(currentUrl().query.get('to')!);
    await waitFor(() => expect(api.listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ from, to })));
  });

  it('pages with the server cursor ("Load older"), back with "Newer", the page in the URL', async () => {
    const page = Array.from({ length: 200 }, (_, i) => line(`l${i}`, 1764000000000 + i, 'info', `line ${i}`));
    const older = [line('old', 1763999999999, 'error', 'the oldest')];
    const listLogs = jest.fn((_s: string, f: { cursor?: string }) => Promise.resolve(f.cursor === 'c-200' ? { logs: older } : { logs: page, nextCursor: 'c-200' }));
    const api = fakeApi({ listLogs });
    installDataSource(api);
    renderApp('/sessions/s1/logs?from=2025-11-24T00:00:00.000Z&to=2025-11-25T00:00:00.000Z');
    await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Load older' })).toBeEnabled());
    expect(screen.getByRole('button', { name: 'Newer' })).toBeDisabled();
    expect(listLogs.mock.lastCall?.[1].cursor).toBeUndefined();
    fireEvent.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ cursor: 'c-200', limit: 200 })));
    await waitFor(() => expect(panelLines()).toHaveLength(1));
    expect(panelLines()[0]).toHaveTextContent('the oldest');
    await waitFor(() => expect(currentUrl().query.get('cursor')).toBe('c-200'));
    // the last page: nothing older, the way back is open
    expect(screen.getByRole('button', { name: 'Load older' })).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(panelLines()).toHaveLength(200));
    expect(listLogs.mock.lastCall?.[1].cursor).toBeUndefined();
    await waitFor(() => expect(currentUrl().query.get('cursor')).toBeNull());
    expect(screen.getByRole('button', { name: 'Newer' })).toBeDisabled();
  });

  it('a shared link opens that page; "Newer" from there goes back to the newest page', async () => {
    const listLogs = jest.fn((_s: string, f: { cursor?: string }) =>
      Promise.resolve(f.cursor === 'c-9' ? { logs: [line('o', 1764000000000, 'info', 'shared page')] } : { logs: [line('n', 1764000000009, 'info', 'newest page')], nextCursor: 'c-9' })
    );
    const api = fakeApi({ listLogs });
    installDataSource(api);
    renderApp('/sessions/s1/logs?from=2025-11-24T00:00:00.000Z&to=2025-11-25T00:00:00.000Z&cursor=c-9');
    await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(panelLines()[0]).toHaveTextContent('shared page'));
    expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ cursor: 'c-9' }));
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(panelLines()[0]).toHaveTextContent('newest page'));
    expect(listLogs.mock.lastCall?.[1].cursor).toBeUndefined();
  });

  it('filters by level (in the URL), starting again at the newest page', async () => {
    const listLogs = jest.fn((_s: string, f: { cursor?: string; level?: string }) =>
      Promise.resolve(f.level ? { logs: [line('e', 1764000000001, 'error', 'only errors')] } : { logs: [line('a', 1764000000002, 'info', 'any')], nextCursor: 'c-1' })
    );
    const api = fakeApi({ listLogs });
    installDataSource(api);
    renderApp('/sessions/s1/logs?from=2025-11-24T00:00:00.000Z&to=2025-11-25T00:00:00.000Z&level=error,crit');
    await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(panelLines()[0]).toHaveTextContent('only errors'));
    expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ level: 'error,crit', limit: 200 }));
    // clearing the filter (the select's clear-all) asks for every level again, from the newest page
    const select = screen.getByLabelText('Log levels').closest('div[class]')!.parentElement!;
    const remove = within(select).getAllByRole('button', { name: /Remove/ });
    expect(remove).toHaveLength(2);
    remove.forEach((b) => fireEvent.click(b));
    await waitFor(() => expect(panelLines()[0]).toHaveTextContent('any'));
    expect(listLogs.mock.lastCall?.[1].level).toBeUndefined();
    expect(listLogs.mock.lastCall?.[1].cursor).toBeUndefined();
    await waitFor(() => expect(currentUrl().query.get('level')).toBeNull());
  });

  it('streams the newest page while the session captures; its end reads the lines once more, as they stand', async () => {
    const api = fakeApi({ listLogs: jest.fn().mockResolvedValue({ logs: [line('a', 1764000000001, 'info', 'captured before')] }) });
    const live = installDataSource(api);
    renderApp('/sessions/s1/logs');
    await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(live.openCount()).toBe(1));
    expect(live.opened.at(-1)).toBe('/api/datasources/proxy/uid/kdbg/api/v1/sessions/s1/stream?since=now');
    await waitFor(() => expect(panelLines()[0]).toHaveTextContent('captured before'));
    await act(() => new Promise((r) => setTimeout(r, 50)));
    const reads = api.listLogs.mock.calls.length;
    // a new line arrives from the stream alone, on top
    act(() => live.send('logs', { logs: [line('b', Date.now(), 'error', 'just now')] }));
    await waitFor(() => expect(panelLines()[0]).toHaveTextContent('just now'));
    expect(panelLines()).toHaveLength(2);
    expect(api.listLogs).toHaveBeenCalledTimes(reads);
    // the session ends: the stream ends, the lines are read once more (not live) and the header says so
    api.getSession.mockResolvedValue(session({ status: 'completed', endsAt: undefined, endedAt: new Date().toISOString() }));
    act(() => live.send('status', session({ status: 'completed' })));
    await waitFor(() => expect(live.openCount()).toBe(0));
    await waitFor(() => expect(api.listLogs).toHaveBeenCalledTimes(reads + 1));
    await within(screen.getByRole('region', { name: 'Session' })).findByText('Completed');
    await act(() => new Promise((r) => setTimeout(r, 200)));
    expect(live.opened).toHaveLength(1);
  });

  it('a full live page reads its cursor when "Load older" is clicked; older pages do not stream', async () => {
    const page = Array.from({ length: 200 }, (_, i) => line(`l${i}`, 1764000000000 + i, 'info', `line ${i}`));
    const listLogs = jest.fn((_s: string, f: { cursor?: string }) =>
      Promise.resolve(f.cursor === 'c-200' ? { logs: [line('old', 1763999999999, 'error', 'the oldest')] } : { logs: page, nextCursor: 'c-200' })
    );
    const api = fakeApi({ listLogs });
    const live = installDataSource(api);
    renderApp('/sessions/s1/logs');
    await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(live.openCount()).toBe(1));
    await waitFor(() => expect(panelLines()).toHaveLength(200));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Load older' })).toBeEnabled());
    fireEvent.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(panelLines()[0]).toHaveTextContent('the oldest'));
    expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ cursor: 'c-200' }));
    await waitFor(() => expect(live.openCount()).toBe(0));
    // back on the newest page: live again
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(live.openCount()).toBe(1));
    await waitFor(() => expect(panelLines()).toHaveLength(200));
  });
});
