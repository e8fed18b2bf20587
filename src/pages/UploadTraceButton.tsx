/**
 * "Upload trace" (as in Konnect's Debugger): one file (OTLP/JSON or protobuf, Konnect's trace export, or a zip
 * downloaded here) goes to POST /api/v1/uploads; its traces land in the tenant's "Uploads" session.
 */
import React, { useRef, useState } from 'react';
import { Alert, Button, LinkButton, Stack } from '@grafana/ui';
import type { UploadResult } from '../../common/analysis/types';
import { ROUTES } from './constants';
import { PagesApi, errorMessage } from './useDebuggerApi';

export function UploadTraceButton({
  api,
  onUploaded,
}: {
  api: Pick<PagesApi, 'uploadTrace'>;
  onUploaded?: (r: UploadResult) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: UploadResult } | { error: string; file: string }>();

  const onFile = async (file: File | undefined) => {
    if (!file) {
      return;
    }
    setBusy(true);
    try {
      const r = await api.uploadTrace(file);
      setResult({ ok: r });
      onUploaded?.(r);
    } catch (e) {
      setResult({ error: errorMessage(e), file: file.name });
    } finally {
      setBusy(false);
      if (input.current) {
        input.current.value = '';
      }
    }
  };

  return (
    <>
      <input
        ref={input}
        type="file"
        accept=".json,.zip,.pb,.bin,.protobuf,.gz,application/json,application/zip"
        style={{ display: 'none' }}
        data-testid="upload-trace-input"
        onChange={(e) => void onFile(e.currentTarget.files?.[0])}
      />
      <Button variant="secondary" icon="cloud-upload" disabled={busy} onClick={() => input.current?.click()}>
        {busy ? 'Uploading…' : 'Upload trace'}
      </Button>
      {result && 'ok' in result && (
        <Alert severity="success" title="Trace uploaded" onRemove={() => setResult(undefined)}>
          <Stack direction="row" gap={1} alignItems="center">
            <span>
              {result.ok.traceIds.length} trace{result.ok.traceIds.length === 1 ? '' : 's'} added to the Uploads
              session.
            </span>
            <LinkButton size="sm" variant="secondary" href={ROUTES.session(result.ok.sessionId)}>
              Open
            </LinkButton>
          </Stack>
        </Alert>
      )}
      {result && 'error' in result && (
        <Alert severity="error" title={`Could not upload ${result.file}`} onRemove={() => setResult(undefined)}>
          {result.error}
        </Alert>
      )}
    </>
  );
}
