import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { fakeApi, installDataSource, renderApp } from './testing';
import { prefillFromQuery, toOptions, validateForm } from './NewSessionPage';

// react-select's menu (MultiSelect) observes visibility; jsdom has no IntersectionObserver.
beforeAll(() => {
  (global as unknown as { IntersectionObserver: unknown }).IntersectionObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
});

const advanced = () => fireEvent.click(screen.getByRole('radio', { name: /Advanced/ }));

describe('New session page', () => {
  it('validates the expression as you type (debounced) and shows each error at its position', async () => {
    const api = fakeApi({
      validateExpression: jest.fn(async (expr: string) =>
        expr.includes('~~')
          ? {
              valid: false,
              errors: [
                { message: 'unknown operator "~~"', start: 12, end: 14 },
                { message: 'unknown field "foo"', start: 24, end: 27 },
              ],
            }
          : { valid: true, errors: [] }
      ),
    });
    installDataSource(api);
    renderApp('/sessions/new');
    await screen.findByRole('form', { name: 'New debug session' });
    advanced();
    const input = screen.getByRole('textbox', { name: 'Expression' });
    fireEvent.change(input, { target: { value: 'http.method' } });
    fireEvent.change(input, { target: { value: 'http.method ~~ "GET" && foo' } });
    const errors = await screen.findByTestId('expression-errors');
    // typed twice within the debounce window: only the last text was sent
    expect(api.validateExpression).toHaveBeenCalledTimes(1);
    expect(api.validateExpression).toHaveBeenCalledWith('http.method ~~ "GET" && foo');
    const marks = errors.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['~~', 'foo']);
    expect(errors).toHaveTextContent('1:13: unknown operator "~~"');
    expect(errors).toHaveTextContent('1:25: unknown field "foo"');

    fireEvent.change(input, { target: { value: 'http.method == "GET"' } });
    expect(await screen.findByText('Valid expression')).toBeInTheDocument();
    expect(screen.queryByTestId('expression-errors')).toBeNull();
  });

  it('creates an advanced session and navigates to its detail page', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions/new');
    await screen.findByRole('form', { name: 'New debug session' });
    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), { target: { value: 'errors' } });
    advanced();
    fireEvent.change(screen.getByRole('textbox', { name: 'Expression' }), {
      target: { value: 'http.response.status_code >= 500' },
    });
    await screen.findByText('Valid expression');
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Duration (seconds)' }), { target: { value: '600' } });
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Max traces' }), { target: { value: '50' } });
    fireEvent.click(screen.getByRole('button', { name: /Start session/ }));
    await waitFor(() =>
      expect(api.createSession).toHaveBeenCalledWith({
        name: 'errors',
        rule: { type: 'advanced', expression: 'http.response.status_code >= 500' },
        durationSeconds: 600,
        maxTraces: 50,
        captureLogs: true,
      })
    );
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent('/a/kongdbg-debugger-app/sessions/new1')
    );
  });

  it('creates a basic session from a picked route and a typed service id', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions/new');
    await screen.findByRole('form', { name: 'New debug session' });
    await waitFor(() => expect(api.listEntities).toHaveBeenCalled());
    const routes = screen.getByLabelText('Routes');
    fireEvent.keyDown(routes, { key: 'ArrowDown' });
    // Kong's name as the label, the id in the description (hover)
    fireEvent.click(await screen.findByText('orders'));
    const services = screen.getByLabelText('Services');
    fireEvent.change(services, { target: { value: 'svc-typed' } });
    fireEvent.keyDown(services, { key: 'Enter' });
    fireEvent.click(screen.getByRole('button', { name: /Start session/ }));
    await waitFor(() =>
      expect(api.createSession).toHaveBeenCalledWith(
        expect.objectContaining({
          rule: { type: 'basic', routeIds: ['route-1'], serviceIds: ['svc-typed'] },
          durationSeconds: 300,
        })
      )
    );
  });

  it('opens pre-filled from ?route=<name> and ?service=<id>, and keeps an unknown ref as an id', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions/new?route=orders&service=svc-1&route=not-in-kong');
    await screen.findByRole('form', { name: 'New debug session' });
    await waitFor(() => expect(api.listEntities).toHaveBeenCalled());
    fireEvent.click(await screen.findByRole('button', { name: /Start session/ }));
    await waitFor(() =>
      expect(api.createSession).toHaveBeenCalledWith(
        expect.objectContaining({ rule: { type: 'basic', routeIds: ['route-1', 'not-in-kong'], serviceIds: ['svc-1'] } })
      )
    );
  });

  it('shows picker options with the name as label and the id on hover', () => {
    expect(toOptions([{ id: 'r-1', name: 'checkout', paths: ['/checkout'], gateway: 'prod' }, { id: 'r-2' }])).toEqual([
      { value: 'r-1', label: 'checkout', title: 'r-1', description: 'r-1 · /checkout · gateway prod' },
      { value: 'r-2', label: 'r-2', title: 'r-2', description: '' },
    ]);
    expect(prefillFromQuery('?route=checkout&route=&route=r-9', [{ id: 'r-1', name: 'checkout' }], 'route')).toEqual(['r-1', 'r-9']);
  });

  it('refuses out-of-range durations and empty rules without calling the backend', async () => {
    const api = fakeApi();
    installDataSource(api);
    renderApp('/sessions/new');
    await screen.findByRole('form', { name: 'New debug session' });
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Duration (seconds)' }), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: /Start session/ }));
    expect(await screen.findByText(/Duration must be a whole number of seconds from 10 to 1800/)).toBeInTheDocument();
    expect(screen.getByText(/Pick at least one route or service/)).toBeInTheDocument();
    expect(api.createSession).not.toHaveBeenCalled();
  });

  it('shows the backend rejection with the rule errors at their positions', async () => {
    const err = Object.assign(new Error('invalid sampling rule'), {
      errors: [{ message: 'type mismatch', start: 0, end: 4 }],
    });
    const api = fakeApi({ createSession: jest.fn().mockRejectedValue(err) });
    installDataSource(api);
    renderApp('/sessions/new');
    await screen.findByRole('form', { name: 'New debug session' });
    advanced();
    fireEvent.change(screen.getByRole('textbox', { name: 'Expression' }), { target: { value: 'net.port == "x"' } });
    await screen.findByText('Valid expression');
    fireEvent.click(screen.getByRole('button', { name: /Start session/ }));
    expect(await screen.findByText('invalid sampling rule')).toBeInTheDocument();
    const errors = screen.getByTestId('expression-errors');
    expect(within(errors).getByText('net.')).toBeInTheDocument();
    expect(errors).toHaveTextContent('1:1: type mismatch');
  });
});

describe('validateForm', () => {
  const ok = {
    ruleType: 'basic' as const,
    routeIds: ['r'],
    serviceIds: [],
    expression: '',
    duration: '10',
    maxTraces: '1',
  };
  it('accepts the bounds and rejects outside them', () => {
    expect(validateForm(ok)).toEqual({});
    expect(validateForm({ ...ok, duration: '1800' })).toEqual({});
    expect(validateForm({ ...ok, duration: '1801' }).duration).toBeDefined();
    expect(validateForm({ ...ok, duration: '9' }).duration).toBeDefined();
    expect(validateForm({ ...ok, duration: '12.5' }).duration).toBeDefined();
    expect(validateForm({ ...ok, maxTraces: '0' }).maxTraces).toBeDefined();
    expect(validateForm({ ...ok, ruleType: 'advanced', expression: '  ' }).rule).toBe('Enter an expression.');
  });
});
