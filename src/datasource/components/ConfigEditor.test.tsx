import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';
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
});
