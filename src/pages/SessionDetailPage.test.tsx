import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { LogRecord } from '../../common/api';
import { TRACE_ID, fakeApi, installDataSource, renderApp, session, traceItem } from './testing';

const log = (over: Partial<LogRecord>): LogRecord => ({
  id: 'l1',
  sessionId: 's1',
  timeUnixNano: '1764000000001000000',
  timeMs: 1764000000001,
  level: 'info',
  severityNumber: 9,
  body: 'line',
  attributes: {},
  ...over,
});

describe('Session detail page', () => {
  it('shows the header, the session summary map, the traces and the session logs', async () => {
    const api = fakeApi({
      listLogs: jest.fn().mockResolvedValue({
        logs: [
          log({
            id: 'a',
            body: 'upstream timed out',
            level: 'error',
            traceId: TRACE_ID,
            spanId: 'bbbbbbbbbbbbbbbb',
            spanName: 'kong.balancer',
          }),
          log({
            id: 'b',
            body: 'key accepted',
            level: 'info',
            timeUnixNano: '1764000000000000000',
            timeMs: 1764000000000,
          }),
        ],
      }),
    });
    installDataSource(api);
    renderApp('/sessions/s1');
    expect(await screen.findByRole('heading', { name: 'checkout errors' })).toBeInTheDocument();
    expect(screen.getByText('In progress')).toBeInTheDocument();
    const summary = await screen.findByRole('region', { name: 'Session summary' });
    await waitFor(() => expect(within(summary).getByTestId('node-access.rate-limiting')).toHaveTextContent('n=3'));
    expect(within(summary).getByRole('group', { name: 'Response plugins' })).toHaveTextContent(
      'No plugins were executed'
    );
    const traces = await screen.findByRole('table', { name: 'Traces' });
    expect(traces).toHaveTextContent('/orders/42');
    expect(traces).toHaveTextContent('503');
    const logs = screen.getByRole('region', { name: 'Logs' });
    expect(await within(logs).findByText('upstream timed out')).toBeInTheDocument();
    expect(within(logs).getByText('kong.balancer')).toBeInTheDocument();
    expect(api.listLogs).toHaveBeenCalledWith('s1', { traceId: undefined, limit: 1000 });
  });

  it('clicking a trace shows its summary map and its logs, with a link to Explore', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions/s1');
    const traces = await screen.findByRole('table', { name: 'Traces' });
    fireEvent.click(within(traces).getByText('/orders/42'));
    const trace = await screen.findByRole('region', { name: 'Trace summary' });
    expect(await within(trace).findByTestId('node-access.key-auth')).toHaveTextContent('412');
    expect(within(trace).getByTestId('edge-clientIn')).toHaveTextContent('n/a');
    expect(within(trace).getByRole('table', { name: 'Latency breakdown' })).toHaveTextContent('29.5 ms');
    expect(api.getTraceSummary).toHaveBeenCalledWith(TRACE_ID);
    await waitFor(() => expect(api.listLogs).toHaveBeenLastCalledWith('s1', { traceId: TRACE_ID, limit: 1000 }));
    const explore = within(trace).getByRole('link', { name: /Open in Explore/ });
    expect(decodeURIComponent(explore.getAttribute('href')!)).toContain(`"traceId":"${TRACE_ID}"`);
  });

  it('filters traces through the backend', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions/s1');
    await screen.findByRole('table', { name: 'Traces' });
    fireEvent.change(screen.getByRole('textbox', { name: 'Status' }), { target: { value: '5xx' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Min duration (ms)' }), { target: { value: '20' } });
    fireEvent.click(screen.getByRole('button', { name: /Search/ }));
    await waitFor(() =>
      expect(api.listTraces).toHaveBeenLastCalledWith('s1', { status: '5xx', minDurationMs: 20, limit: 200 })
    );
  });

  it("shows Kong's names for the rule's and traces' routes (id on hover) and the tracing set-up", async () => {
    const api = fakeApi({
      getSession: jest.fn().mockResolvedValue(
        session({
          tracing: {
            mode: 'unmanaged',
            gateways: [{ gateway: 'default', mode: 'unmanaged', scopes: [], reason: 'Kong "default" runs DB-less' }],
            notCaptured: ['requests ended by a plugin that runs before opentelemetry'],
            message: 'Kong "default" runs DB-less',
            manualConfig: 'plugins:\n- name: opentelemetry\n',
            updatedAt: '2026-01-01T00:00:00.000Z',
          },
        })
      ),
      listTraces: jest.fn().mockResolvedValue({ traces: [{ ...traceItem, routeId: 'route-1' }] }),
    });
    installDataSource(api);
    renderApp('/sessions/s1');
    const tracing = await screen.findByLabelText('Kong tracing');
    expect(tracing).toHaveTextContent('unmanaged');
    expect(tracing).toHaveTextContent('Kong "default" runs DB-less');
    expect(tracing).toHaveTextContent('plugins:');
    expect(await screen.findByText('routes: orders (route-1)')).toBeInTheDocument(); // the rule, by name
    const traces = await screen.findByRole('table', { name: 'Traces' });
    const cell = await within(traces).findByText('orders');
    expect(cell).toHaveAttribute('title', 'route-1');
  });

  it('shows the backend error for an unknown session', async () => {
    installDataSource(fakeApi({ getSession: jest.fn().mockRejectedValue(new Error('session s9 not found')) }));
    renderApp('/sessions/s9');
    expect(await screen.findByText('session s9 not found')).toBeInTheDocument();
  });
});
