import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceInstanceSettings, DataSourceSettings } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv, type GetDataSourceListFilters } from '@grafana/runtime';
import { ConfigEditor } from './ConfigEditor';
import type { KongDebuggerOptions, KongDebuggerSecureOptions } from '../types';

type Options = DataSourceSettings<KongDebuggerOptions, KongDebuggerSecureOptions>;

function options(partial: Partial<Options> = {}): Options {
  return {
    id: 1,
    uid: 'kdbg',
    orgId: 1,
    name: 'Kong Debugger',
    type: 'kongdbg-debugger-datasource',
    typeName: '',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- required by the type
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...partial,
  };
}

/** Holds the options like Grafana's settings page does, and reports each change. */
function Harness({ initial, onChange }: { initial: Options; onChange: (o: Options) => void }) {
  const [opts, setOpts] = useState(initial);
  return (
    <ConfigEditor
      options={opts}
      onOptionsChange={(o) => {
        setOpts(o);
        onChange(o);
      }}
    />
  );
}

// Grafana's data source list, as its DataSourcePicker asks it (the picker lives in @grafana/runtime, the list in Grafana).
const LOKI = { uid: 'loki', name: 'Loki', type: 'loki', meta: { id: 'loki', logs: true, info: { logos: {} } } } as unknown as DataSourceInstanceSettings;
const OURS = { uid: 'kdbg', name: 'Kong Debugger', type: 'kongdbg-debugger-datasource', meta: { id: 'kongdbg-debugger-datasource', logs: true, info: { logos: {} } } } as unknown as DataSourceInstanceSettings;
const listed: GetDataSourceListFilters[] = [];
beforeAll(() => {
  setDataSourceSrv({
    getList: (filters: GetDataSourceListFilters = {}) => {
      listed.push(filters);
      return [LOKI, OURS].filter((ds) => !filters.filter || filters.filter(ds));
    },
    getInstanceSettings: (ref: unknown) => [LOKI, OURS].find((ds) => ds.uid === (typeof ref === 'string' ? ref : (ref as { uid?: string })?.uid)),
    get: () => Promise.reject(new Error('not in this test')),
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv);
});

describe('ConfigEditor', () => {
  it('writes the URL to jsonData (trimmed, no trailing slash) and the token to secureJsonData', async () => {
    const onChange = jest.fn();
    render(<Harness initial={options()} onChange={onChange} />);
    await userEvent.type(screen.getByLabelText('Server URL'), 'http://kong-debugger:8080/');
    await userEvent.type(screen.getByLabelText('API token'), 's3cret'); // moving on blurs the URL field
    const last: Options = onChange.mock.calls[onChange.mock.calls.length - 1][0];
    expect(last.jsonData.url).toBe('http://kong-debugger:8080');
    expect(last.secureJsonData).toEqual({ apiToken: 's3cret' });
  });

  it('shows a configured token as configured and resets it', async () => {
    const onChange = jest.fn();
    render(<Harness initial={options({ jsonData: { url: 'http://x' }, secureJsonFields: { apiToken: true } })} onChange={onChange} />);
    expect(screen.getByLabelText('Server URL')).toHaveValue('http://x');
    expect(screen.getByLabelText('API token')).toHaveValue('configured');
    await userEvent.click(screen.getByRole('button', { name: /reset/i }));
    const last: Options = onChange.mock.calls[onChange.mock.calls.length - 1][0];
    expect(last.secureJsonFields.apiToken).toBe(false);
    expect(last.secureJsonData).toEqual({ apiToken: '' });
  });

  it("offers Grafana's trace-to-logs with a logs data source other than ours; its settings show once one is chosen", async () => {
    const onChange = jest.fn();
    const { unmount } = render(<Harness initial={options({ jsonData: { url: 'http://x' } })} onChange={onChange} />);
    expect(screen.queryByLabelText('Trace to logs tags')).not.toBeInTheDocument();
    const asked = listed.at(-1)!;
    expect(asked.logs).toBe(true);
    expect([LOKI, OURS].filter((ds) => asked.filter!(ds)).map((ds) => ds.uid)).toEqual(['loki']);
    unmount();

    render(<Harness initial={options({ jsonData: { url: 'http://x', tracesToLogsV2: { datasourceUid: 'loki' } } })} onChange={onChange} />);
    await userEvent.type(screen.getByLabelText('Trace to logs tags'), 'service.name=service_name');
    await userEvent.type(screen.getByLabelText('Span start time shift'), '-2m');
    const last: Options = onChange.mock.calls[onChange.mock.calls.length - 1][0];
    expect(last.jsonData).toEqual({ url: 'http://x', tracesToLogsV2: { datasourceUid: 'loki', tags: [{ key: 'service.name', value: 'service_name' }] } });
    await userEvent.type(screen.getByLabelText('Span end time shift'), 'soon');
    expect(screen.getByText('A duration such as -1m, 30s or 1h')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Server URL'));
    const after: Options = onChange.mock.calls[onChange.mock.calls.length - 1][0];
    expect(after.jsonData.tracesToLogsV2).toEqual({ datasourceUid: 'loki', tags: [{ key: 'service.name', value: 'service_name' }], spanStartTimeShift: '-2m' });
  });
});
