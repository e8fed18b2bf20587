import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { createDataFrame, FieldType } from '@grafana/data';
import { DebugLogsPanel } from './DebugLogsPanel';
import { LogLine, logsFrame } from '../testing/frames';
import { panelProps } from '../testing/panelProps';
import { ROW_HEIGHT } from './LogsView';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const TRACE = 'ab'.repeat(16);

function lines(): LogLine[] {
  return [
    {
      timeMs: T0 + 1,
      body: 'older access line',
      severity: 'info',
      id: 'l1',
      traceID: TRACE,
      spanID: 'aaaaaaaaaaaaaaaa',
      spanName: 'kong.access.plugin.key-auth',
      labels: { 'kong.plugin': 'key-auth' },
    },
    {
      timeMs: T0 + 3,
      body: 'newest upstream error',
      severity: 'error',
      id: 'l3',
      traceID: TRACE,
      spanID: 'bbbbbbbbbbbbbbbb',
      spanName: 'kong.balancer',
    },
    {
      timeMs: T0 + 2,
      body: 'middle notice',
      severity: 'notice',
      id: 'l2',
      traceID: TRACE,
      spanID: 'aaaaaaaaaaaaaaaa',
      spanName: 'kong.access.plugin.key-auth',
    },
    { timeMs: T0 + 0, body: 'no trace line', severity: 'warn', id: 'l0' },
  ];
}

const bodies = () => screen.getAllByTestId('log-row').map((r) => r.textContent);

describe('DebugLogsPanel', () => {
  it('lists lines newest first with time, level and span name', () => {
    render(<DebugLogsPanel {...panelProps([logsFrame(lines())], { spanVariable: 'spanId' })} />);
    const rows = screen.getAllByTestId('log-row');
    expect(rows).toHaveLength(4);
    expect(rows[0]).toHaveTextContent('12:00:00.003');
    expect(rows[0]).toHaveTextContent('error');
    expect(rows[0]).toHaveTextContent('kong.balancer');
    expect(rows[0]).toHaveTextContent('newest upstream error');
    expect(bodies().map((t) => /older|newest|middle|no trace/.exec(t!)![0])).toEqual([
      'newest',
      'middle',
      'older',
      'no trace',
    ]);
  });

  it('filters by level with chips that show counts', () => {
    render(<DebugLogsPanel {...panelProps([logsFrame(lines())], { spanVariable: 'spanId' })} />);
    const chips = screen.getByRole('group', { name: 'Level filter' });
    expect(within(chips).getByRole('button', { name: /error\s*1/ })).toHaveAttribute('aria-pressed', 'true');
    fireEvent.click(within(chips).getByRole('button', { name: /info\s*1/ }));
    fireEvent.click(within(chips).getByRole('button', { name: /warn\s*1/ }));
    expect(bodies()).toHaveLength(2);
    expect(screen.getByText('2 of 4 lines')).toBeInTheDocument();
    expect(screen.queryByText('older access line')).not.toBeInTheDocument();
  });

  it('follows the spanId dashboard variable', () => {
    const replaceVariables = jest.fn((s: string) => (s === '${spanId}' ? 'aaaaaaaaaaaaaaaa' : s));
    render(<DebugLogsPanel {...panelProps([logsFrame(lines())], { spanVariable: 'spanId' }, { replaceVariables })} />);
    expect(bodies()).toHaveLength(2);
    expect(screen.getByText('middle notice')).toBeInTheDocument();
    expect(screen.getByText('older access line')).toBeInTheDocument();
  });

  it('ignores an unset variable', () => {
    render(<DebugLogsPanel {...panelProps([logsFrame(lines())], { spanVariable: 'spanId' })} />);
    expect(bodies()).toHaveLength(4);
  });

  it('expands a line to show its attributes and ids', () => {
    render(<DebugLogsPanel {...panelProps([logsFrame(lines())], { spanVariable: 'spanId' })} />);
    const row = screen.getByText('older access line').closest('[data-testid="log-row"]') as HTMLElement;
    fireEvent.click(within(row).getByRole('button', { name: 'Show attributes' }));
    expect(row).toHaveTextContent('kong.plugin');
    expect(row).toHaveTextContent('key-auth');
    expect(row).toHaveTextContent(`trace id${TRACE}`);
  });

  it('links each line with a trace id to its trace in Explore through the frame links', () => {
    render(<DebugLogsPanel {...panelProps([logsFrame(lines(), 'dsuid1')], { spanVariable: 'spanId' })} />);
    const row = screen.getByText('newest upstream error').closest('[data-testid="log-row"]') as HTMLElement;
    const link = within(row).getByRole('link', { name: 'Trace' });
    const href = decodeURIComponent(link.getAttribute('href')!);
    expect(href).toContain('/explore');
    expect(href).toContain('dsuid1');
    expect(href).toContain(TRACE);
    const span = decodeURIComponent(within(row).getByRole('link', { name: 'Span' }).getAttribute('href')!);
    expect(span).toContain(`"traceId":"${TRACE}"`);
    expect(span).toContain('bbbbbbbbbbbbbbbb');
    const noTrace = screen.getByText('no trace line').closest('[data-testid="log-row"]') as HTMLElement;
    expect(within(noTrace).queryByRole('link')).toBeNull();
  });

  it('uses links Grafana resolved on the field when present', () => {
    const frame = logsFrame(lines());
    const trace = frame.fields.find((f) => f.name === 'traceID')!;
    trace.getLinks = ({ valueRowIndex }) => [
      { title: 'Open trace', href: `/x/${valueRowIndex}`, target: '_self', origin: trace },
    ];
    render(<DebugLogsPanel {...panelProps([frame], { spanVariable: 'spanId' })} />);
    const row = screen.getByText('newest upstream error').closest('[data-testid="log-row"]') as HTMLElement;
    expect(within(row).getByRole('link', { name: 'Open trace' })).toHaveAttribute('href', '/x/1');
  });

  it('renders only a window of 10,000 lines and moves it on scroll', () => {
    const many: LogLine[] = Array.from({ length: 10000 }, (_, i) => ({
      timeMs: T0 + i,
      body: `line ${i}`,
      severity: i % 10 === 0 ? 'error' : 'info',
      id: `id${i}`,
      traceID: TRACE,
      spanID: 'aaaaaaaaaaaaaaaa',
      spanName: 'kong',
    }));
    render(<DebugLogsPanel {...panelProps([logsFrame(many)], { spanVariable: 'spanId' }, { height: 440 })} />);
    const rendered = screen.getAllByTestId('log-row');
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(40);
    expect(screen.getByText('line 9999')).toBeInTheDocument();
    expect(screen.getByText('10000 lines')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /error\s*1000/ })).toBeInTheDocument();
    const scroller = screen.getByTestId('logs-scroller');
    act(() => {
      scroller.scrollTop = ROW_HEIGHT * 5000;
      fireEvent.scroll(scroller);
    });
    expect(screen.queryByText('line 9999')).toBeNull();
    expect(screen.getByText('line 4999')).toBeInTheDocument();
    expect(screen.getAllByTestId('log-row').length).toBeLessThan(40);
  });

  it('shows the no-data view and precise errors', () => {
    const { unmount } = render(<DebugLogsPanel {...panelProps([], { spanVariable: 'spanId' })} />);
    expect(screen.getByText(/No log lines/)).toBeInTheDocument();
    unmount();
    const bad = createDataFrame({
      meta: { type: 'log-lines' as never },
      fields: [{ name: 'timestamp', type: FieldType.time, values: [1] }],
    });
    render(<DebugLogsPanel {...panelProps([bad], { spanVariable: 'spanId' })} />);
    expect(screen.getByText('logs frame is missing field(s): body')).toBeInTheDocument();
  });
});
