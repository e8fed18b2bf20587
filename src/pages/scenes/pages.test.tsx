import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { enterpriseTrace } from '../../datasource/testing/fixtures';
import { OTHER_TRACE_ID, TRACE_ID, fakeApi, installDataSource, renderApp, session, traceItem } from '../testing';
import { LiveStreamError } from '../../datasource/live/connect';
import { currentUrl } from './testing/render';
import { KongDebuggerDataSource } from '../../datasource/datasource';
import type { LogRecord } from '../../../common/api';

// Scenes pages render many Grafana UI components; a busy shared machine makes single tests take seconds.
jest.setTimeout(30_000);

const ENT = enterpriseTrace();

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Sessions page', () => {
  it('lists sessions with Kong names in the rule, gateway tracing mode, created by and the actions', async () => {
    const api = fakeApi({
      listSessions: jest.fn().mockResolvedValue([
        { ...session(), createdBy: 'alice', tracing: { mode: 'managed', message: 'ok', notCaptured: [] } },
        session({ id: 's2', name: 'old', status: 'completed' }),
      ]),
    });
    installDataSource(api);
    // the app's root is the Sessions page
    renderApp('/');
    const table = await screen.findByRole('table', { name: 'Sessions' });
    expect(currentUrl().path).toBe('/sessions');
    const row = within(table).getByText('checkout errors').closest('tr')!;
    // the route's name from Kong beside its id, once the names are read
    expect(row).toHaveTextContent('orders (route-1)');
    expect(row).toHaveTextContent('managed');
    expect(row).toHaveTextContent('alice');
    expect(row).toHaveTextContent('3 / 200');
    expect(within(row).getByRole('link', { name: /Run checkout errors again/ })).toHaveAttribute('href', '/a/kongdbg-debugger-app/sessions/new?again=s1');
    // a finished session cannot be stopped
    const old = within(table).getByText('old').closest('tr')!;
    expect(within(old).queryByRole('button', { name: 'Stop' })).toBeNull();

    fireEvent.click(within(row).getByRole('button', { name: 'Stop' }));
    // the confirmation modal's button
    await waitFor(() => expect(screen.getAllByRole('button', { name: 'Stop' }).length).toBeGreaterThan(1));
    fireEvent.click(screen.getAllByRole('button', { name: 'Stop' }).at(-1)!);
    await waitFor(() => expect(api.stopSession).toHaveBeenCalledWith('s1'));
    await waitFor(() => expect(api.listSessions).toHaveBeenCalledTimes(2));
  });

  it('"Run again" opens the New session form pre-filled from that session', async () => {
    const api = fakeApi({ getSession: jest.fn().mockResolvedValue(session({ rule: { type: 'basic', routeIds: ['route-1'] }, durationSeconds: 120, maxTraces: 50 })) });
    installDataSource(api);
    renderApp('/sessions/new?again=s1');
    await screen.findByRole('form', { name: 'New debug session' });
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Name' })).toHaveValue('checkout errors (again)'));
    expect(api.getSession).toHaveBeenCalledWith('s1');
    expect(screen.getByDisplayValue('120')).toBeInTheDocument();
    expect(screen.getByDisplayValue('50')).toBeInTheDocument();
  });
});

describe('Session page', () => {
  it('shows the header and puts the session life into the URL as an absolute range', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions/s1');
    const header = await screen.findByRole('region', { name: 'Session' });
    await within(header).findByText('checkout errors');
    expect(header).toHaveTextContent('In progress');
    expect(header).toHaveTextContent('Live');
    expect(header).toHaveTextContent('orders (route-1)');
    await waitFor(() => expect(currentUrl().query.get('from')).toMatch(/^\d{4}-\d\d-\d\dT/));
    expect(currentUrl().query.get('to')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(api.getSession).toHaveBeenCalledWith('s1');
    // the session summary, from the data source's summary query
    const summary = screen.getByRole('region', { name: 'Session summary' });
    await within(summary).findByTestId('lifecycle-map');
    expect(api.getSessionSummary).toHaveBeenCalledWith('s1');
  });

  it('pages through traces on the server (cursor) and sends every filter', async () => {
    const page2 = { ...traceItem, traceId: OTHER_TRACE_ID, path: '/orders/7' };
    const api = fakeApi({
      // an ended session: its first page is read once, with the server's cursor
      getSession: jest.fn().mockResolvedValue(session({ status: 'completed' })),
      listTraces: jest.fn(async (_id: string, f: { cursor?: string }) =>
        f.cursor === 'c1' ? { traces: [page2] } : { traces: [{ ...traceItem, routeId: 'route-1' }], nextCursor: 'c1' }
      ),
    });
    installDataSource(api);
    renderApp('/sessions/s1');
    const traces = await screen.findByRole('table', { name: 'Traces' });
    expect(traces).toHaveTextContent('/orders/42');
    // the route by Kong's name (its id on hover)
    expect(within(traces).getByTitle('route-1')).toHaveTextContent('orders');
    fireEvent.click(screen.getByRole('button', { name: 'Older' }));
    await screen.findByText('/orders/7');
    expect(screen.getByTestId('traces-page')).toHaveTextContent('Page 2');
    expect(api.listTraces).toHaveBeenLastCalledWith('s1', expect.objectContaining({ cursor: 'c1', limit: 50 }));
    expect(screen.getByRole('button', { name: 'Older' })).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await screen.findByText('/orders/42');
    expect(api.listTraces).toHaveBeenLastCalledWith('s1', expect.not.objectContaining({ cursor: expect.anything() }));

    const form = screen.getByRole('form', { name: 'Trace filters' });
    const type = (label: string, value: string) => fireEvent.change(within(form).getByRole(label === 'Min duration (ms)' ? 'spinbutton' : 'textbox', { name: label }), { target: { value } });
    type('Status', '5xx');
    type('Method', 'GET');
    type('Path prefix', '/orders');
    type('Route id', 'route-1');
    type('Service id', 'svc-1');
    type('Min duration (ms)', '20');
    fireEvent.click(within(form).getByLabelText('Errors only'));
    fireEvent.click(within(form).getByLabelText('Span errors only'));
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));
    await waitFor(() =>
      expect(api.listTraces).toHaveBeenLastCalledWith(
        's1',
        expect.objectContaining({ status: '5xx', method: 'GET', path: '/orders', routeId: 'route-1', serviceId: 'svc-1', minDurationMs: 20, errorsOnly: true, spanErrorsOnly: true })
      )
    );
  });

  it('streams a running session: a new trace appears without a re-query, the header follows, the end shows the final status', async () => {
    const api = fakeApi();
    const live = installDataSource(api);
    renderApp('/sessions/s1');
    const header = await screen.findByRole('region', { name: 'Session' });
    await within(header).findByText('3 / 200');
    // the first page streams from the session's event stream (opened from the server's now)
    await waitFor(() => expect(live.openCount()).toBe(1));
    expect(live.opened.at(-1)).toBe('/api/datasources/proxy/uid/kdbg/api/v1/sessions/s1/stream?since=now');
    const table = await screen.findByRole('table', { name: 'Traces' });
    await within(table).findByText('/orders/42');
    // settled: the range from the session and the live query are in place
    await waitFor(() => expect(api.listTraces.mock.calls.length).toBeGreaterThan(0));
    await act(() => new Promise((r) => setTimeout(r, 50)));
    const lists = api.listTraces.mock.calls.length;
    const reads = api.getSession.mock.calls.length;

    const fresh = { ...traceItem, traceId: OTHER_TRACE_ID, path: '/orders/new', startTimeMs: Date.now(), startTimeUnixNano: `${Date.now()}000000` };
    api.getSession.mockResolvedValue(session({ traceCount: 4 }));
    act(() => live.send('traces', { traces: [fresh] }));
    // in the table at once, newest first, from the stream alone
    await within(table).findByText('/orders/new');
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent(OTHER_TRACE_ID);
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(api.listTraces).toHaveBeenCalledTimes(lists);
    // the header's counts are re-read because a trace arrived
    await within(header).findByText('4 / 200');
    expect(api.getSession.mock.calls.length).toBe(reads + 1);
    // and nothing polls: no further reads while nothing arrives
    await act(() => new Promise((r) => setTimeout(r, 1500)));
    expect(api.listTraces).toHaveBeenCalledTimes(lists);
    expect(api.getSession.mock.calls.length).toBe(reads + 1);
    expect(live.openCount()).toBe(1);

    // the session ends: the stream's final status ends the live query; the page reads the final state once
    api.getSession.mockResolvedValue(session({ status: 'completed', traceCount: 4, endsAt: undefined, endedAt: new Date().toISOString() }));
    api.listTraces.mockResolvedValue({ traces: [fresh, traceItem] });
    act(() => live.send('status', session({ status: 'completed', traceCount: 4 })));
    await within(header).findByText('Completed');
    expect(header).not.toHaveTextContent('Live');
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
    await waitFor(() => expect(live.openCount()).toBe(0));
    // the first page once more, as it stands (not live)
    await waitFor(() => expect(api.listTraces).toHaveBeenCalledTimes(lists + 1));
    expect(api.listTraces).toHaveBeenLastCalledWith('s1', expect.not.objectContaining({ cursor: expect.anything() }));
    await act(() => new Promise((r) => setTimeout(r, 200)));
    expect(api.listTraces).toHaveBeenCalledTimes(lists + 1);
    expect(live.opened).toHaveLength(1);
    expect(within(table).getAllByRole('row')).toHaveLength(3);
  });

  it('a stream that fails for good leaves the list read once and says live updates stopped', async () => {
    const api = fakeApi();
    const live = installDataSource(api);
    renderApp('/sessions/s1');
    const table = await screen.findByRole('table', { name: 'Traces' });
    await within(table).findByText('/orders/42');
    await waitFor(() => expect(live.openCount()).toBe(1));
    const lists = api.listTraces.mock.calls.length;
    act(() => live.fail(new LiveStreamError('too many open streams for this tenant (16)', 429)));
    await screen.findByText(/Live updates stopped \(too many open streams for this tenant \(16\)\)/);
    // a plain read instead, not a retry loop
    await waitFor(() => expect(api.listTraces).toHaveBeenCalledTimes(lists + 1));
    expect(within(await screen.findByRole('table', { name: 'Traces' })).getByText('/orders/42')).toBeInTheDocument();
    await act(() => new Promise((r) => setTimeout(r, 200)));
    expect(live.opened).toHaveLength(1);
    expect(api.listTraces).toHaveBeenCalledTimes(lists + 1);
  });

  it('a full live first page reads its cursor when "Older" is clicked; older pages do not stream', async () => {
    const page1 = Array.from({ length: 50 }, (_, i) => ({
      ...traceItem,
      traceId: i.toString(16).padStart(32, '0'),
      path: `/p/${i}`,
      startTimeMs: traceItem.startTimeMs - i,
    }));
    const older = { ...traceItem, traceId: OTHER_TRACE_ID, path: '/orders/older' };
    const api = fakeApi({
      listTraces: jest.fn(async (_id: string, f: { cursor?: string }) => (f.cursor === 'c1' ? { traces: [older] } : { traces: page1, nextCursor: 'c1' })),
    });
    const live = installDataSource(api);
    renderApp('/sessions/s1');
    const table = await screen.findByRole('table', { name: 'Traces' });
    await within(table).findByText('/p/0');
    await waitFor(() => expect(live.openCount()).toBe(1));
    const older$ = screen.getByRole('button', { name: 'Older' });
    await waitFor(() => expect(older$).toBeEnabled());
    fireEvent.click(older$);
    await screen.findByText('/orders/older');
    expect(screen.getByTestId('traces-page')).toHaveTextContent('Page 2');
    expect(api.listTraces).toHaveBeenLastCalledWith('s1', expect.objectContaining({ cursor: 'c1', limit: 50 }));
    // page 2 is a plain read: the stream closed
    await waitFor(() => expect(live.openCount()).toBe(0));
    // back on the first page: live again
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await screen.findByText('/p/0');
    await waitFor(() => expect(live.openCount()).toBe(1));
  });

  it('keeps the selected trace and span in the URL and opens a shared link on them', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions/s1');
    const traces = await screen.findByRole('table', { name: 'Traces' });
    fireEvent.click(within(traces).getByText('/orders/42'));
    await waitFor(() => expect(currentUrl().query.get('trace')).toBe(TRACE_ID));
    // Grafana's traces panel, asked for with our trace frame and the app's span options
    const panel = await screen.findByTestId('core-panel-traces');
    expect(panel.dataset.frames).toBe('Trace');
    expect(panel.dataset.options).toEqual(expect.stringContaining('createFocusSpanLink'));
    expect(panel.dataset.options).toEqual(expect.stringContaining('createSpanLink'));
    expect(api.getTrace).toHaveBeenCalledWith(TRACE_ID);
    const span = ENT.spans[1].spanId;
    const row = panel.querySelector(`[data-span-id="${span}"]`)!;
    // each span links to the Logs tab filtered to it
    expect(within(row as HTMLElement).getByRole('link', { name: 'Logs for this span' })).toHaveAttribute(
      'href',
      `/a/kongdbg-debugger-app/trace/${ENT.spans[1].traceId}/logs?session=s1&span=${span}`
    );
    // following a span reference focuses it and puts it in the URL
    fireEvent.click(within(row as HTMLElement).getByRole('link', { name: 'parent' }));
    await waitFor(() => expect(currentUrl().query.get('span')).toBe(ENT.spans[1].parentSpanId));
    await waitFor(() => expect(screen.getByTestId('core-panel-traces').dataset.focused).toBe(ENT.spans[1].parentSpanId));
  });

  it('with a trace selected, "Compare" on another row opens its Summary compared with that trace (URL: compare, session, range)', async () => {
    const ds = jest.spyOn(KongDebuggerDataSource.prototype, 'query');
    const api = fakeApi({
      getSession: jest.fn().mockResolvedValue(session({ status: 'completed' })),
      listTraces: jest.fn().mockResolvedValue({ traces: [traceItem, { ...traceItem, traceId: OTHER_TRACE_ID, path: '/orders/7' }] }),
    });
    installDataSource(api);
    renderApp('/sessions/s1?from=2025-11-24T00:00:00.000Z&to=2025-11-25T00:00:00.000Z');
    const traces = await screen.findByRole('table', { name: 'Traces' });
    await within(traces).findByText('/orders/7');
    // nothing to compare with before a trace is selected
    expect(within(traces).queryByRole('link', { name: /Compare the selected trace/ })).toBeNull();
    fireEvent.click(within(traces).getByText('/orders/42'));
    await waitFor(() => expect(currentUrl().query.get('trace')).toBe(TRACE_ID));
    // the selected row has no Compare of its own; the other row's link is shareable as it stands
    expect(within(traces).queryByRole('link', { name: `Compare the selected trace with ${TRACE_ID}` })).toBeNull();
    const compare = within(traces).getByRole('link', { name: `Compare the selected trace with ${OTHER_TRACE_ID}` });
    // as a URL, not as a string: Grafana 13's URL helper leaves ':' unencoded in query values, 12.4's encodes it
    const link = new URL(compare.getAttribute('href')!, 'http://grafana');
    expect(link.pathname).toBe(`/a/kongdbg-debugger-app/trace/${TRACE_ID}`);
    expect([...link.searchParams]).toEqual([
      ['session', 's1'],
      ['compare', OTHER_TRACE_ID],
      ['from', '2025-11-24T00:00:00.000Z'],
      ['to', '2025-11-25T00:00:00.000Z'],
    ]);
    fireEvent.click(compare);
    await waitFor(() => expect(currentUrl().path).toBe(`/trace/${TRACE_ID}`));
    // the click compared, it did not select the other row
    const q = currentUrl().query;
    expect([q.get('session'), q.get('compare'), q.get('from'), q.get('to')]).toEqual(['s1', OTHER_TRACE_ID, '2025-11-24T00:00:00.000Z', '2025-11-25T00:00:00.000Z']);
    expect(q.get('trace')).toBeNull();
    // the Summary's summary query asked for the comparison, and the map draws it
    const summary = await screen.findByRole('region', { name: 'Trace summary' });
    expect(await within(summary).findByTestId('compare-access.key-auth')).toHaveTextContent('vs 112µs +300µs');
    expect(within(summary).getByTestId('compare-summary')).toHaveTextContent(`Compared with trace ${OTHER_TRACE_ID}`);
    expect(api.compareTraces).toHaveBeenCalledWith(TRACE_ID, OTHER_TRACE_ID);
    expect(api.compareTraces).toHaveBeenCalledTimes(1);
    const asked = ds.mock.calls.flatMap(([r]) => r.targets).filter((t) => t.queryType === 'summary' && t.traceId === TRACE_ID);
    expect(asked.at(-1)).toEqual(expect.objectContaining({ sessionId: 's1', compareTo: OTHER_TRACE_ID }));
    // the range the session page had, not the trace page's default
    expect(ds.mock.calls.at(-1)![0].range.from.toISOString()).toBe('2025-11-24T00:00:00.000Z');
    ds.mockRestore();
  });

  it('opens a shared link with ?trace=&span= on that trace and span', async () => {
    const api = fakeApi();
    installDataSource(api);
    const span = ENT.spans[2].spanId;
    renderApp(`/sessions/s1?trace=${TRACE_ID}&span=${span}&from=2025-11-24T00:00:00.000Z&to=2025-11-25T00:00:00.000Z`);
    const panel = await screen.findByTestId('core-panel-traces');
    expect(panel.dataset.focused).toBe(span);
    expect(panel.querySelector(`[data-span-id="${span}"]`)).toHaveAttribute('aria-current', 'true');
    // the traces list asked for the shared range, not the session's default one
    await waitFor(() => expect(api.listTraces).toHaveBeenCalledWith('s1', expect.objectContaining({ from: Date.parse('2025-11-24T00:00:00.000Z'), to: Date.parse('2025-11-25T00:00:00.000Z') })));
  });

  it('never shows a late answer for an earlier trace under a newer selection', async () => {
    const slow = deferred<typeof ENT>();
    const other = { ...ENT, spans: ENT.spans.map((s) => ({ ...s, name: `B ${s.name}` })) };
    const api = fakeApi({
      listTraces: jest.fn().mockResolvedValue({ traces: [traceItem, { ...traceItem, traceId: OTHER_TRACE_ID, path: '/orders/7' }] }),
      getTrace: jest.fn((id: string) => (id === TRACE_ID ? slow.promise : Promise.resolve(other))),
    });
    installDataSource(api);
    renderApp('/sessions/s1');
    const traces = await screen.findByRole('table', { name: 'Traces' });
    fireEvent.click(within(traces).getByText('/orders/42'));
    await waitFor(() => expect(api.getTrace).toHaveBeenCalledWith(TRACE_ID));
    fireEvent.click(within(traces).getByText('/orders/7'));
    const panel = await screen.findByTestId('core-panel-traces');
    await within(panel).findByText(`B ${ENT.spans[0].name}`);
    await act(async () => slow.resolve(ENT));
    await new Promise((r) => setTimeout(r, 50));
    expect(within(screen.getByTestId('core-panel-traces')).queryByText(ENT.spans[0].name)).toBeNull();
    expect(currentUrl().query.get('trace')).toBe(OTHER_TRACE_ID);
  });
});

describe('Trace page', () => {
  it('Logs without a session: read by the trace id (the server finds the session holding them)', async () => {
    const logs = [{ id: 'l1', timeUnixNano: '1764000000001000000', timeMs: 1764000000001, level: 'info', body: 'by trace', attributes: {}, traceId: TRACE_ID, spanId: 'aaaaaaaaaaaaaaaa' }];
    const api = fakeApi({ listTraceLogs: jest.fn().mockResolvedValue({ logs, sessionId: 's1' }) });
    installDataSource(api);
    renderApp(`/trace/${TRACE_ID}/logs`);
    const panel = await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(within(panel).getAllByTestId('log-line')).toHaveLength(1));
    expect(api.listTraceLogs).toHaveBeenLastCalledWith(TRACE_ID, expect.objectContaining({ limit: 200 }));
    expect(api.listLogs).not.toHaveBeenCalled();
  });

  it('Summary: the information card to the nanosecond and a clickable lifecycle map', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp(`/trace/${TRACE_ID}?session=s1`);
    const card = await screen.findByTestId('trace-info');
    await waitFor(() => expect(card).toHaveTextContent('Start time2025-11-24T16:00:00.000000000Z'));
    expect(card).toHaveTextContent('Total latency29.46 ms');
    expect(card).toHaveTextContent('Status503');
    // a node selects its span (URL), highlighted on the map, with the way to its Spans row and its logs
    const node = await screen.findByTestId('node-access.key-auth');
    fireEvent.click(node);
    await waitFor(() => expect(currentUrl().query.get('span')).toBe('aaaaaaaaaaaaaaaa'));
    expect(currentUrl().path).toBe(`/trace/${TRACE_ID}`);
    await waitFor(() => expect(screen.getByTestId('node-access.key-auth')).toHaveAttribute('aria-pressed', 'true'));
    const selected = screen.getByTestId('selected-span');
    expect(within(selected).getByRole('link', { name: /Show in Spans/ })).toHaveAttribute('href', `/a/kongdbg-debugger-app/trace/${TRACE_ID}/spans?session=s1&span=aaaaaaaaaaaaaaaa`);
    expect(within(selected).getByRole('link', { name: /Logs of this span/ })).toHaveAttribute('href', `/a/kongdbg-debugger-app/trace/${TRACE_ID}/logs?session=s1&span=aaaaaaaaaaaaaaaa`);
    // map, abnormal steps and statistics came through the data source's queries, each asked once
    expect(await screen.findByTestId('abnormal-access.key-auth')).toBeInTheDocument();
    expect(api.getTraceSummary).toHaveBeenCalledTimes(1);
    expect(api.getAbnormal).toHaveBeenCalledTimes(1);
    expect(api.getAbnormal).toHaveBeenCalledWith(TRACE_ID, 's1');
    expect(api.getStatistics).toHaveBeenCalledTimes(1);
    expect(api.compareWithTypical).not.toHaveBeenCalled();
  });

  it('Spans: the core traces panel on our trace frame, with Kong span descriptions and the focused span from the URL', async () => {
    const api = fakeApi();
    installDataSource(api);
    const span = ENT.spans[0].spanId;
    renderApp(`/trace/${TRACE_ID}/spans?span=${span}`);
    const panel = await screen.findByTestId('core-panel-traces');
    await waitFor(() => expect(panel.querySelectorAll('[data-testid="span-row"]').length).toBe(ENT.spans.length));
    expect(panel.dataset.focused).toBe(span);
    expect(panel.dataset.options).toBe('createFocusSpanLink,createSpanLink,datasource,focusedSpanId');
    expect(within(panel).getAllByTestId('span-description').length).toBeGreaterThan(0);
    // reachable with just the trace id: no session in the trace query
    expect(api.getAbnormal).not.toHaveBeenCalled();
  });

  it('Logs: the core logs panel newest first, level and span filters, "Load older", lines linking to their span', async () => {
    const logs = [
      { id: 'l1', timeUnixNano: '1764000000001000000', timeMs: 1764000000001, level: 'info', body: 'first', attributes: {}, traceId: TRACE_ID, spanId: 'aaaaaaaaaaaaaaaa' },
      { id: 'l2', timeUnixNano: '1764000000002000000', timeMs: 1764000000002, level: 'error', body: 'second', attributes: {}, traceId: TRACE_ID, spanId: 'aaaaaaaaaaaaaaaa' },
    ];
    const api = fakeApi({ listLogs: jest.fn().mockResolvedValue({ logs }) });
    installDataSource(api);
    renderApp(`/trace/${TRACE_ID}/logs?session=s1&span=aaaaaaaaaaaaaaaa`);
    const panel = await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(api.listLogs).toHaveBeenCalled());
    await waitFor(() => expect(within(screen.getByTestId('core-panel-logs')).getAllByTestId('log-line')).toHaveLength(2), { onTimeout: (e) => new Error(`${e.message}\nframes: ${screen.getByTestId('core-panel-logs').dataset.frames}`) });
    expect(panel.dataset.sort).toBe('Descending');
    expect(within(panel).getAllByTestId('log-line')[0]).toHaveTextContent('second');
    expect(api.listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ traceId: TRACE_ID, spanId: 'aaaaaaaaaaaaaaaa', limit: 200 }));
    expect(screen.getByTestId('logs-span-filter')).toHaveTextContent('aaaaaaaaaaaaaaaa');
    expect(within(panel).getAllByTestId('log-link-spanID')[0]).toHaveAttribute(
      'href',
      `/a/kongdbg-debugger-app/trace/${TRACE_ID}/spans?session=s1&span=aaaaaaaaaaaaaaaa`
    );
    // fewer lines than a page: nothing older
    expect(screen.getByRole('button', { name: 'Load older' })).toBeDisabled();

    fireEvent.click(screen.getByRole('button', { name: 'All spans' }));
    await waitFor(() => expect(api.listLogs).toHaveBeenLastCalledWith('s1', expect.not.objectContaining({ spanId: expect.anything() })));
    await waitFor(() => expect(currentUrl().query.get('span')).toBeNull());
  });

  it('Logs: "Load older" reads the page after the cursor the server gave, "Newer" goes back, and the last page stops', async () => {
    const page = Array.from({ length: 200 }, (_, i) => ({
      id: `l${i}`,
      timeUnixNano: `${1764000000000 + i}000000`,
      timeMs: 1764000000000 + i,
      level: 'info',
      body: `line ${i}`,
      attributes: {},
      traceId: TRACE_ID,
    }));
    const older = [{ id: 'old', timeUnixNano: '1763999999999000000', timeMs: 1763999999999, level: 'error', body: 'the oldest', attributes: {}, traceId: TRACE_ID }];
    const listLogs = jest.fn((_s: string, f: { cursor?: string }) =>
      Promise.resolve(f.cursor === 'c-200' ? { logs: older } : { logs: page, nextCursor: 'c-200' })
    );
    // an ended session: its newest page is a plain read carrying the server's cursor
    const api = fakeApi({ listLogs, getSession: jest.fn().mockResolvedValue(session({ status: 'completed' })) });
    const live = installDataSource(api);
    renderApp(`/trace/${TRACE_ID}/logs?session=s1&level=error,warn`);
    await screen.findByTestId('core-panel-logs');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Load older' })).toBeEnabled());
    expect(screen.getByRole('button', { name: 'Newer' })).toBeDisabled();
    expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ level: 'error,warn', limit: 200 }));
    expect(listLogs.mock.lastCall?.[1].cursor).toBeUndefined();
    fireEvent.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ level: 'error,warn', limit: 200, cursor: 'c-200' })));
    await waitFor(() => expect(within(screen.getByTestId('core-panel-logs')).getAllByTestId('log-line')).toHaveLength(1));
    // the last page: nothing older, the way back is open
    expect(screen.getByRole('button', { name: 'Load older' })).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(within(screen.getByTestId('core-panel-logs')).getAllByTestId('log-line')).toHaveLength(200));
    expect(listLogs.mock.lastCall?.[1].cursor).toBeUndefined();
    expect(live.opened).toHaveLength(0);
    expect(screen.queryByText('Live')).toBeNull();
  });

  it("Logs of a running session's trace: the newest page streams (new lines without a re-read), older pages are plain reads, the end reads once more", async () => {
    const line = (i: number, body = `line ${i}`): LogRecord => ({
      id: String(i),
      sessionId: 's1',
      severityNumber: 9,
      timeUnixNano: `${1764000000000 + i}000000`,
      timeMs: 1764000000000 + i,
      level: 'info',
      body,
      attributes: {},
      traceId: TRACE_ID,
      spanId: 'aaaaaaaaaaaaaaaa',
    });
    const page = Array.from({ length: 200 }, (_, i) => line(i + 1));
    const older = [line(0, 'the oldest')];
    const listLogs = jest.fn((_s: string, f: { cursor?: string }) => Promise.resolve(f.cursor === 'c-200' ? { logs: older } : { logs: page, nextCursor: 'c-200' }));
    const api = fakeApi({ listLogs });
    const live = installDataSource(api);
    renderApp(`/trace/${TRACE_ID}/logs?session=s1`);
    // the session captures: the newest page is the live logs query on its event stream
    await waitFor(() => expect(live.openCount()).toBe(1));
    expect(live.opened.at(-1)).toBe('/api/datasources/proxy/uid/kdbg/api/v1/sessions/s1/stream?since=now');
    await waitFor(() => expect(within(screen.getByTestId('core-panel-logs')).getAllByTestId('log-line')).toHaveLength(200));
    expect(screen.getByText('Live')).toBeInTheDocument();
    await act(() => new Promise((r) => setTimeout(r, 50)));
    const reads = listLogs.mock.calls.length;
    expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ traceId: TRACE_ID, limit: 200 }));

    // a new line of this trace appears at once; another trace's line does not
    act(() => live.send('logs', { logs: [line(500, 'just now'), { ...line(501, 'other trace'), traceId: OTHER_TRACE_ID }] }));
    await within(screen.getByTestId('core-panel-logs')).findByText('just now');
    const shown = within(screen.getByTestId('core-panel-logs')).getAllByTestId('log-line');
    expect(shown[0]).toHaveTextContent('just now');
    // the page keeps its size: the oldest line of it moves to the older pages
    expect(shown).toHaveLength(200);
    expect(screen.getByTestId('core-panel-logs')).not.toHaveTextContent('other trace');
    expect(listLogs).toHaveBeenCalledTimes(reads);

    // a full live page has older lines: the cursor is read on the click, the older page is a plain read
    fireEvent.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(listLogs).toHaveBeenLastCalledWith('s1', expect.objectContaining({ traceId: TRACE_ID, limit: 200, cursor: 'c-200' })));
    await within(screen.getByTestId('core-panel-logs')).findByText('the oldest');
    await waitFor(() => expect(live.openCount()).toBe(0));
    expect(screen.queryByText('Live')).toBeNull();
    // back to the newest page: live again
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(live.openCount()).toBe(1));

    // the session ends: the stream's final status ends the live query; the newest page is read once, as it stands
    await waitFor(() => expect(within(screen.getByTestId('core-panel-logs')).getAllByTestId('log-line')).toHaveLength(200));
    const before = listLogs.mock.calls.length;
    act(() => live.send('status', session({ status: 'completed' })));
    await waitFor(() => expect(live.openCount()).toBe(0));
    await waitFor(() => expect(listLogs).toHaveBeenCalledTimes(before + 1));
    expect(listLogs.mock.lastCall?.[1].cursor).toBeUndefined();
    await waitFor(() => expect(screen.queryByText('Live')).toBeNull());
    await act(() => new Promise((r) => setTimeout(r, 200)));
    expect(live.opened).toHaveLength(2);
    expect(listLogs).toHaveBeenCalledTimes(before + 1);
  });

  it('Logs: a live stream that fails for good leaves the page read once and says live updates stopped', async () => {
    const logs = [{ id: 'l1', timeUnixNano: '1764000000001000000', timeMs: 1764000000001, level: 'info', body: 'first', attributes: {}, traceId: TRACE_ID }];
    const api = fakeApi({ listLogs: jest.fn().mockResolvedValue({ logs }) });
    const live = installDataSource(api);
    renderApp(`/trace/${TRACE_ID}/logs?session=s1`);
    await waitFor(() => expect(live.openCount()).toBe(1));
    await within(await screen.findByTestId('core-panel-logs')).findByText('first');
    const reads = api.listLogs.mock.calls.length;
    act(() => live.fail(new LiveStreamError('too many open streams for this tenant (16)', 429)));
    await screen.findByText(/Live updates stopped \(too many open streams for this tenant \(16\)\)/);
    await waitFor(() => expect(api.listLogs).toHaveBeenCalledTimes(reads + 1));
    await within(screen.getByTestId('core-panel-logs')).findByText('first');
    await act(() => new Promise((r) => setTimeout(r, 200)));
    expect(live.opened).toHaveLength(1);
    expect(api.listLogs).toHaveBeenCalledTimes(reads + 1);
  });
});
