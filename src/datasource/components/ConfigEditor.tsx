import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput } from '@grafana/ui';
import type { KongDebuggerOptions, KongDebuggerSecureOptions } from '../types';
import { TracesToLogsSettings } from './TracesToLogsSettings';

type Props = DataSourcePluginOptionsEditorProps<KongDebuggerOptions, KongDebuggerSecureOptions>;

/**
 * Server URL (plain jsonData, used by the proxy route) and the API token (secureJsonData: written once, never
 * sent back to the browser; the proxy injects it as `Authorization: Bearer …`).
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;

  const onUrlChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, url: event.target.value } });
  };
  // Normalised on blur, not per keystroke (stripping '/' while typing would eat the '//' of 'http://').
  const onUrlBlur = () => {
    const url = (jsonData.url ?? '').trim().replace(/\/+$/, '');
    if (url !== jsonData.url) {
      onOptionsChange({ ...options, jsonData: { ...jsonData, url } });
    }
  };
  const onTokenChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, apiToken: event.target.value } });
  };
  const onTokenReset = () => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, apiToken: false },
      secureJsonData: { ...secureJsonData, apiToken: '' },
    });
  };

  return (
    <>
      <FieldSet label="kong-debugger server">
        <Field
          label="URL"
          description="Base URL of the kong-debugger server as Grafana's server reaches it (without /api), e.g. http://kong-debugger:8080"
          required
        >
          <Input
            id="kongdbg-url"
            aria-label="Server URL"
            value={jsonData.url ?? ''}
            placeholder="http://kong-debugger:8080"
            onChange={onUrlChange}
            onBlur={onUrlBlur}
            width={60}
          />
        </Field>
        <Field
          label="API token"
          description="A viewer or debugger token of your tenant (kong-debugger token create, or the server's --debugger-token); never an admin token. Stored encrypted."
        >
          <SecretInput
            id="kongdbg-token"
            aria-label="API token"
            isConfigured={Boolean(secureJsonFields?.apiToken)}
            value={secureJsonData?.apiToken ?? ''}
            placeholder="API token"
            onChange={onTokenChange}
            onReset={onTokenReset}
            width={60}
          />
        </Field>
      </FieldSet>
      <TracesToLogsSettings jsonData={jsonData} onChange={(next) => onOptionsChange({ ...options, jsonData: next })} />
    </>
  );
}
