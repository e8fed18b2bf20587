import React from 'react';
import { render, screen, within, fireEvent } from '@testing-library/react';
import { createDataFrame, FieldType } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { LifecycleMapPanel } from './LifecycleMapPanel';
import { sampleSessionFrames, sampleTraceFrames } from '../testing/frames';
import { panelProps } from '../testing/panelProps';
import { readLifecycleFrames } from './model';
import { buildTraceSummaryFrames } from '../../datasource/frames/summaryFrames';
import { traceSummary } from '../../../common/lifecycle';
import { enterpriseCase, kongCase, ossCase } from '../../../common/fixtures/kong-cases';

describe('LifecycleMapPanel (trace summary)', () => {
  it('draws the latency breakdown rounded to 0.1 ms, with n/a for what Kong did not send', () => {
    render(<LifecycleMapPanel {...panelProps(sampleTraceFrames(), { variableName: 'spanId' })} />);
    const table = screen.getByRole('table', { name: 'Latency breakdown' });
    const row = (label: string) => within(table).getByText(label).closest('tr')!;
    expect(row('Total')).toHaveTextContent('29.5 ms');
    expect(row('Kong (internal)')).toHaveTextContent('3.0 ms');
    expect(row('Upstream')).toHaveTextContent('26.4 ms');
    expect(row('3rd-party')).toHaveTextContent('2.1 ms');
    expect(row('DNS')).toHaveTextContent('0.0 ms');
    expect(row('HTTP client')).toHaveTextContent('n/a');
    expect(row('Redis')).toHaveTextContent('2.1 ms');
    expect(row('Client')).toHaveTextContent('0.1 ms');
  });

  it('draws the flow in Konnect order with plugin durations, phase badges and unmeasured edges as n/a', () => {
    render(<LifecycleMapPanel {...panelProps(sampleTraceFrames(), { variableName: 'spanId' })} />);
    const flow = screen.getByLabelText('Request lifecycle');
    const text = flow.textContent!;
    const order = [
      'Client',
      'client out',
      'key-auth',
      'rate-limiting',
      'upstream in',
      'Upstream',
      'upstream out',
      'cors',
      'client in',
    ];
    let pos = -1;
    for (const part of order) {
      const next = text.indexOf(part, pos + 1);
      expect(next).toBeGreaterThan(pos);
      pos = next;
    }
    const keyAuth = screen.getByTestId('node-access.key-auth');
    expect(keyAuth).toHaveTextContent('key-auth');
    expect(keyAuth).toHaveTextContent('access');
    expect(keyAuth).toHaveTextContent('412');
    expect(screen.getByTestId('node-header_filter.cors')).toHaveTextContent('header_filter');
    expect(screen.getByTestId('edge-clientIn')).toHaveTextContent('n/a');
    expect(screen.getByTestId('edge-upstreamOut')).toHaveTextContent('25.4');
  });

  it('draws each party once: the response returns to the one Client, after client in', () => {
    render(<LifecycleMapPanel {...panelProps(sampleTraceFrames(), { variableName: 'spanId' })} />);
    const flow = screen.getByLabelText('Request lifecycle');
    expect(within(flow).getAllByTestId('endpoint-client')).toHaveLength(1);
    expect(within(flow).getAllByTestId('endpoint-upstream')).toHaveLength(1);
    expect(within(flow).getAllByText('Client', { exact: true })).toHaveLength(1);
    const children = [...flow.children].map((c) => c.getAttribute('data-testid'));
    expect(children[0]).toBe('endpoint-client');
    expect(children.slice(-2)).toEqual(['edge-clientIn', 'return-to-client']);
  });

  it('says "No plugins were executed" for an empty group', () => {
    render(
      <LifecycleMapPanel {...panelProps(sampleTraceFrames({ responsePlugins: false }), { variableName: 'spanId' })} />
    );
    const response = screen.getByRole('group', { name: 'Response plugins' });
    expect(response).toHaveTextContent('No plugins were executed');
    expect(screen.getByRole('group', { name: 'Request plugins' })).not.toHaveTextContent('No plugins were executed');
  });

  it('sets the configured dashboard variable to the span id of a clicked plugin node', () => {
    const spy = jest.spyOn(locationService, 'partial').mockImplementation(() => undefined);
    render(<LifecycleMapPanel {...panelProps(sampleTraceFrames(), { variableName: 'span' })} />);
    fireEvent.click(screen.getByTestId('node-access.rate-limiting'));
    expect(spy).toHaveBeenCalledWith({ 'var-span': '2222222222222222' }, true);
    spy.mockRestore();
  });

  it('highlights the node selected by the dashboard variable', () => {
    const replaceVariables = jest.fn((s: string) => (s === '${spanId}' ? '1111111111111111' : s));
    render(
      <LifecycleMapPanel {...panelProps(sampleTraceFrames(), { variableName: 'spanId' }, { replaceVariables })} />
    );
    expect(screen.getByTestId('node-access.key-auth')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('node-access.rate-limiting')).toHaveAttribute('aria-pressed', 'false');
  });
});

describe('LifecycleMapPanel (session summary)', () => {
  it('shows p50 prominently with p95/p99/count per node and session percentiles in the breakdown', () => {
    render(<LifecycleMapPanel {...panelProps(sampleSessionFrames(), { variableName: 'spanId' })} />);
    const node = screen.getByTestId('node-access.key-auth');
    expect(node).toHaveTextContent('400');
    expect(node).toHaveTextContent('p95');
    expect(node).toHaveTextContent('p99');
    expect(node).toHaveTextContent('n=42');
    expect(screen.getByTestId('edge-clientIn')).toHaveTextContent('n/a');
    const table = screen.getByRole('table', { name: 'Latency breakdown' });
    expect(table).toHaveTextContent('42 traces');
    expect(within(table).getByText('Total').closest('tr')).toHaveTextContent(/25\.0 ms.*70\.0 ms.*99\.9 ms.*130\.0 ms/);
    expect(screen.getByRole('group', { name: 'Response plugins' })).toHaveTextContent('No plugins were executed');
  });

  it('does not set a variable when a session node (no span) is clicked', () => {
    const spy = jest.spyOn(locationService, 'partial').mockImplementation(() => undefined);
    render(<LifecycleMapPanel {...panelProps(sampleSessionFrames(), { variableName: 'spanId' })} />);
    fireEvent.click(screen.getByTestId('node-access.key-auth'));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe('LifecycleMapPanel states', () => {
  it('shows the no-data view without frames', () => {
    render(<LifecycleMapPanel {...panelProps([], { variableName: 'spanId' })} />);
    expect(screen.getByText(/No lifecycle summary/)).toBeInTheDocument();
  });

  it('shows a precise error for a frame missing contract fields', () => {
    const bad = createDataFrame({
      name: 'lifecycle',
      fields: [{ name: 'key', type: FieldType.string, values: ['clientOut'] }],
    });
    render(<LifecycleMapPanel {...panelProps([bad], { variableName: 'spanId' })} />);
    expect(
      screen.getByText(
        /lifecycle frame is missing field\(s\): label, group, phase, spanId, measured, colorIndex, durationNs/
      )
    ).toBeInTheDocument();
  });
});

describe('readLifecycleFrames', () => {
  it('rejects unknown groups and missing edges', () => {
    const frames = sampleTraceFrames();
    const noEdge = {
      ...frames[0],
      fields: frames[0].fields.map((f) => ({ ...f, values: f.values.slice(1) })),
      length: frames[0].length - 1,
    };
    expect(readLifecycleFrames([noEdge])).toEqual({
      ok: false,
      error: 'lifecycle frame is missing edge row(s): clientOut',
    });
    const badGroup = {
      ...frames[0],
      fields: frames[0].fields.map((f) =>
        f.name === 'group' ? { ...f, values: ['edge', 'plugin', ...f.values.slice(2)] } : f
      ),
    };
    expect(readLifecycleFrames([badGroup])).toEqual({
      ok: false,
      error: 'lifecycle row 1 (access.key-auth) has unknown group "plugin"',
    });
  });
});

describe('LifecycleMapPanel (retries and what open-source Kong does not span)', () => {
  it('lists each try with its target, outcome and time, and says where the time went', () => {
    const s = traceSummary('t', ossCase(kongCase('retry-after-connect-timeout')));
    render(<LifecycleMapPanel {...panelProps(buildTraceSummaryFrames(s, 'A'), { variableName: 'spanId' })} />);
    expect(screen.getByTestId('try-1')).toHaveTextContent('#1orders.internal 10.0.3.21:8080timed out (504)1s20µs');
    expect(screen.getByTestId('try-2')).toHaveTextContent('#2orders.internal 10.0.3.22:8080answered39.47ms39.5ms');
    expect(screen.getByTestId('edge-upstreamIn')).toHaveTextContent('1s');
    expect(screen.getByTestId('request-info')).toHaveTextContent('Upstream status unknown');
    expect(screen.getByTestId('request-info')).not.toHaveTextContent('Failed');
    expect(screen.getByTestId('map-notes')).toHaveTextContent('upstream out: Includes the body_filter plugins');
  });

  it('says why the request failed and that the upstream never answered', () => {
    const s = traceSummary('t', enterpriseCase(kongCase('retries-exhausted-502')));
    render(<LifecycleMapPanel {...panelProps(buildTraceSummaryFrames(s, 'A'), { variableName: 'spanId' })} />);
    const info = screen.getByTestId('request-info');
    expect(info).toHaveTextContent('Status 502');
    expect(info).toHaveTextContent('Upstream status none: no answer');
    expect(info).toHaveTextContent('Failed: no answer from the upstream');
    expect(info).toHaveTextContent('6 span errors');
    expect(screen.getAllByText('connection refused')).toHaveLength(6);
    expect(screen.queryByTestId('map-notes')).toBeNull(); // Enterprise spans cover every phase
  });
});
