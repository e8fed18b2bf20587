import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { fakeApi, installDataSource, renderApp, session } from './testing';

describe('Sessions page', () => {
  it('lists sessions with status, rule, time left and trace count', async () => {
    const api = fakeApi({
      listSessions: jest
        .fn()
        .mockResolvedValue([
          session(),
          session({
            id: 's2',
            name: 'slow upstream',
            status: 'completed',
            rule: { type: 'advanced', expression: 'http.path ^= "/orders"' },
            endsAt: undefined,
          }),
        ]),
    });
    installDataSource(api);
    renderApp('/');
    const table = await screen.findByRole('table', { name: 'Sessions' });
    const row1 = within(table).getByText('checkout errors').closest('tr')!;
    expect(row1).toHaveTextContent('In progress');
    expect(row1).toHaveTextContent('routes: route-1');
    expect(row1).toHaveTextContent(/[34]m \d\ds/);
    expect(row1).toHaveTextContent('3 / 200');
    const row2 = within(table).getByText('slow upstream').closest('tr')!;
    expect(row2).toHaveTextContent('Completed');
    expect(row2).toHaveTextContent('http.path ^= "/orders"');
    expect(within(row2).queryByRole('button', { name: /Stop/ })).toBeNull();
  });

  it('stops a session after confirmation and refreshes', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/');
    const table = await screen.findByRole('table', { name: 'Sessions' });
    fireEvent.click(within(table).getByRole('button', { name: /Stop/ }));
    expect(api.stopSession).not.toHaveBeenCalled();
    expect(await screen.findByText(/It stops capturing/)).toBeInTheDocument();
    // the modal's confirm button is the last "Stop" button
    fireEvent.click(screen.getAllByRole('button', { name: 'Stop' }).pop()!);
    await waitFor(() => expect(api.stopSession).toHaveBeenCalledWith('s1'));
    await waitFor(() => expect(api.listSessions).toHaveBeenCalledTimes(2));
  });

  it('deletes only after confirmation; cancel does nothing', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/');
    await screen.findByRole('table', { name: 'Sessions' });
    fireEvent.click(screen.getByRole('button', { name: 'Delete checkout errors' }));
    expect(await screen.findByText(/cannot be undone/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.deleteSession).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Delete checkout errors' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(api.deleteSession).toHaveBeenCalledWith('s1'));
  });

  it('shows the backend error message', async () => {
    installDataSource(
      fakeApi({ listSessions: jest.fn().mockRejectedValue(new Error('store unavailable: disk full')) })
    );
    renderApp('/');
    expect(await screen.findByText('store unavailable: disk full')).toBeInTheDocument();
  });

  it('explains when no data source is configured', async () => {
    installDataSource(fakeApi(), false);
    renderApp('/');
    expect(await screen.findByText(/No "Kong Debugger" data source is configured/)).toBeInTheDocument();
  });
});
