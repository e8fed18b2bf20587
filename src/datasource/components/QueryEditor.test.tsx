import React, { useState } from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setTemplateSrv } from '@grafana/runtime';
import { QueryEditor, sessionPickerOptions } from './QueryEditor';
import type { KongDebuggerDataSource } from '../datasource';
import type { KongDebuggerQuery } from '../types';
import { fakeTemplateSrv } from '../testing/templateSrv';
import { session } from '../testing/fixtures';

function fakeDatasource() {
  const listSessions = jest.fn().mockResolvedValue([session(), session({ id: 'sess-2', name: 'orders', traceCount: 7 })]);
  return { ds: { api: { listSessions } } as unknown as KongDebuggerDataSource, listSessions };
}

function Harness(props: { initial: KongDebuggerQuery; ds: KongDebuggerDataSource; onChange: jest.Mock; onRunQuery: jest.Mock }) {
  const [query, setQuery] = useState(props.initial);
  return (
    <QueryEditor
      query={query}
      datasource={props.ds}
      onRunQuery={props.onRunQuery}
      onChange={(q) => {
        setQuery(q);
        props.onChange(q);
      }}
    />
  );
}

function setup(initial: Partial<KongDebuggerQuery>) {
  setTemplateSrv(fakeTemplateSrv({ session: 'sess-1', spanId: '' }));
  const { ds, listSessions } = fakeDatasource();
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  render(<Harness initial={{ refId: 'A', queryType: 'traces', ...initial }} ds={ds} onChange={onChange} onRunQuery={onRunQuery} />);
  const last = (): KongDebuggerQuery => onChange.mock.calls[onChange.mock.calls.length - 1][0];
  return { onChange, onRunQuery, listSessions, last };
}

describe('sessionPickerOptions', () => {
  const sessions = [session(), session({ id: 'sess-2', name: 'orders', status: 'completed', traceCount: 7 })];

  it('offers dashboard variables first, then sessions as name → id', () => {
    expect(sessionPickerOptions(sessions, ['session'], '')).toEqual([
      { value: '$session', label: '$session', description: 'Dashboard variable' },
      { value: 'sess-1', label: 'checkout 5xx', description: 'in_progress · 2 traces' },
      { value: 'sess-2', label: 'orders', description: 'completed · 7 traces' },
    ]);
  });

  it('filters by name or id, case-insensitively', () => {
    expect(sessionPickerOptions(sessions, ['session'], 'ORD').map((o) => o.value)).toEqual(['sess-2']);
    expect(sessionPickerOptions(sessions, [], 'sess-1').map((o) => o.value)).toEqual(['sess-1']);
  });
});

describe('QueryEditor', () => {
  it('shows the fields of the chosen query type and switches type', async () => {
    const { last, onRunQuery } = setup({ queryType: 'traces' });
    expect(screen.getByLabelText('Status')).toBeInTheDocument();
    expect(screen.queryByLabelText('Span id')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Logs'));
    expect(last().queryType).toBe('logs');
    expect(onRunQuery).toHaveBeenCalled();
    expect(screen.getByLabelText('Span id')).toBeInTheDocument();
    expect(screen.queryByLabelText('Status')).not.toBeInTheDocument();
  });

  it('edits trace filters and runs on blur; numbers stay numbers', async () => {
    const { last, onRunQuery } = setup({ queryType: 'traces' });
    await userEvent.type(screen.getByLabelText('Status'), '5xx');
    await userEvent.type(screen.getByLabelText('Min duration (ms)'), '250');
    expect(last()).toMatchObject({ status: '5xx', minDurationMs: 250 });
    await userEvent.click(screen.getByLabelText('Errors only'));
    expect(last().errorsOnly).toBe(true);
    await userEvent.click(screen.getByLabelText('Span errors only'));
    expect(last()).toMatchObject({ errorsOnly: true, spanErrorsOnly: true });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('offers "Compare with" on a trace summary (typical or a trace id), not on a session summary', async () => {
    const { last, onRunQuery } = setup({ queryType: 'summary', sessionId: 's1' });
    expect(screen.queryByLabelText('Compare with')).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Trace id'), 'abc');
    await userEvent.type(screen.getByLabelText('Compare with'), 'typical');
    await userEvent.tab();
    expect(last()).toMatchObject({ queryType: 'summary', traceId: 'abc', sessionId: 's1', compareTo: 'typical' });
    expect(onRunQuery).toHaveBeenCalled();
    await userEvent.clear(screen.getByLabelText('Compare with'));
    expect(last().compareTo).toBeUndefined();
  });

  it('takes a Kong request id on the traces and the trace query, no session needed', async () => {
    const { last, onRunQuery } = setup({ queryType: 'traces' });
    expect(screen.getByPlaceholderText('All sessions')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Request id'), 'c0ffee');
    expect(last()).toMatchObject({ queryType: 'traces', requestId: 'c0ffee' });
    await userEvent.tab();
    expect(onRunQuery).toHaveBeenCalled();
    await userEvent.click(screen.getByLabelText('Trace'));
    expect(screen.getByLabelText('Request id')).toBeInTheDocument();
    expect(screen.getByPlaceholderText('trace id or X-Kong-Request-Id')).toBeInTheDocument();
  });

  it('turns live on for traces and logs queries', async () => {
    const { last } = setup({ queryType: 'traces' });
    await userEvent.click(screen.getByLabelText('Live'));
    expect(last().live).toBe(true);
    await userEvent.click(screen.getByLabelText('Logs'));
    expect(screen.getByLabelText('Live')).toBeInTheDocument();
  });

  it('loads the sessions from the API when the session picker opens', async () => {
    const { listSessions } = setup({ queryType: 'logs' });
    await userEvent.click(screen.getByLabelText('Session'));
    await waitFor(() => expect(listSessions).toHaveBeenCalled());
  });

  it('shows a chosen session (or variable) as the picker value', () => {
    setup({ queryType: 'traces', sessionId: '$session' });
    expect(screen.getByLabelText('Session')).toHaveValue('$session');
  });

  it('keeps a span id variable as written (interpolated at query time)', async () => {
    const { last } = setup({ queryType: 'logs', sessionId: 'sess-1' });
    await userEvent.type(screen.getByLabelText('Span id'), '$spanId');
    expect(last().spanId).toBe('$spanId');
  });
});
