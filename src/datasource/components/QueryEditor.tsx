import React, { useCallback, type ChangeEvent } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Combobox, InlineField, InlineFieldRow, InlineSwitch, Input, MultiCombobox, RadioButtonGroup, type ComboboxOption } from '@grafana/ui';
import type { Session } from '../../../common/api';
import type { KongDebuggerDataSource } from '../datasource';
import { QUERY_TYPES, type KongDebuggerOptions, type KongDebuggerQuery, type KongQueryType } from '../types';

type Props = QueryEditorProps<KongDebuggerDataSource, KongDebuggerQuery, KongDebuggerOptions>;

const LEVELS = ['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'];
const LABEL_WIDTH = 16;

/**
 * Options of the session picker: dashboard variables first (so `$session` can be picked), then the sessions
 * (label = name, value = id), filtered by what the user typed (name or id).
 */
export function sessionPickerOptions(
  sessions: Session[],
  variableNames: string[],
  input: string
): Array<ComboboxOption<string>> {
  const needle = input.trim().toLowerCase();
  return [
    ...variableNames.map((name) => ({ value: `$${name}`, label: `$${name}`, description: 'Dashboard variable' })),
    ...sessions.map((s) => ({ value: s.id, label: s.name || s.id, description: `${s.status} · ${s.traceCount} traces` })),
  ].filter((o) => !needle || o.label.toLowerCase().includes(needle) || o.value.toLowerCase().includes(needle));
}

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType: KongQueryType = query.queryType ?? 'traces';

  const update = useCallback(
    (patch: Partial<KongDebuggerQuery>, run = false) => {
      onChange({ ...query, ...patch });
      if (run) {
        onRunQuery();
      }
    },
    [query, onChange, onRunQuery]
  );

  const loadSessions = useCallback(
    async (input: string): Promise<Array<ComboboxOption<string>>> => {
      const sessions = await datasource.api.listSessions();
      const variables = getTemplateSrv()
        .getVariables()
        .map((v) => v.name);
      return sessionPickerOptions(sessions, variables, input);
    },
    [datasource]
  );

  const text = (key: 'traceId' | 'requestId' | 'spanId' | 'status' | 'method' | 'path' | 'routeId' | 'serviceId' | 'compareTo') => ({
    value: query[key] ?? '',
    onChange: (e: ChangeEvent<HTMLInputElement>) => update({ [key]: e.target.value || undefined }),
    onBlur: () => onRunQuery(),
  });
  const num = (key: 'minDurationMs' | 'limit') => ({
    type: 'number',
    value: query[key] ?? '',
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      const n = e.target.value === '' ? undefined : Number(e.target.value);
      update({ [key]: n !== undefined && Number.isFinite(n) ? n : undefined });
    },
    onBlur: () => onRunQuery(),
  });

  const liveField = (
    <InlineField label="Live" labelWidth={8} tooltip="While the session runs, new rows appear as they are stored (streaming), until it ends">
      <InlineSwitch aria-label="Live" value={Boolean(query.live)} onChange={(e) => update({ live: e.currentTarget.checked || undefined }, true)} />
    </InlineField>
  );

  const sessionField = (optional: boolean, tooltip = 'Optional') => (
    <InlineField label="Session" labelWidth={LABEL_WIDTH} tooltip={optional ? tooltip : undefined} htmlFor={`kongdbg-session-${query.refId}`}>
      <Combobox<string>
        id={`kongdbg-session-${query.refId}`}
        width={40}
        placeholder={optional && queryType === 'traces' ? 'All sessions' : 'Choose a session'}
        options={loadSessions}
        value={query.sessionId ?? null}
        createCustomValue
        isClearable
        onChange={(opt) => update({ sessionId: opt?.value || undefined }, true)}
      />
    </InlineField>
  );

  return (
    <>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<KongQueryType>
            options={QUERY_TYPES.map((t) => ({ value: t.value, label: t.label, description: t.description }))}
            value={queryType}
            onChange={(v) => update({ queryType: v }, true)}
          />
        </InlineField>
      </InlineFieldRow>

      {queryType === 'traces' && (
        <>
          <InlineFieldRow>
            {sessionField(true, "Without one: every session's traces in the dashboard time range")}
            <InlineField
              label="Request id"
              labelWidth={12}
              tooltip="Kong's request id (the X-Kong-Request-Id response header): its trace, across sessions, whatever the time range"
            >
              <Input aria-label="Request id" width={36} placeholder="X-Kong-Request-Id" {...text('requestId')} />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField label="Errors only" labelWidth={LABEL_WIDTH}>
              <InlineSwitch
                aria-label="Errors only"
                value={Boolean(query.errorsOnly)}
                onChange={(e) => update({ errorsOnly: e.currentTarget.checked || undefined }, true)}
              />
            </InlineField>
            <InlineField label="Span errors only" labelWidth={LABEL_WIDTH} tooltip="Traces with a span in error (a failed try, a router miss, a DNS failure), whether or not the request failed">
              <InlineSwitch
                aria-label="Span errors only"
                value={Boolean(query.spanErrorsOnly)}
                onChange={(e) => update({ spanErrorsOnly: e.currentTarget.checked || undefined }, true)}
              />
            </InlineField>
            {liveField}
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField label="Status" labelWidth={LABEL_WIDTH} tooltip="503, 5xx or 500-599">
              <Input aria-label="Status" width={12} placeholder="5xx" {...text('status')} />
            </InlineField>
            <InlineField label="Method" labelWidth={10}>
              <Input aria-label="Method" width={10} placeholder="GET" {...text('method')} />
            </InlineField>
            <InlineField label="Path prefix" labelWidth={12}>
              <Input aria-label="Path prefix" width={24} placeholder="/orders" {...text('path')} />
            </InlineField>
            <InlineField label="Min duration (ms)" labelWidth={18}>
              <Input aria-label="Min duration (ms)" width={10} min={0} {...num('minDurationMs')} />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField label="Route id" labelWidth={LABEL_WIDTH}>
              <Input aria-label="Route id" width={40} {...text('routeId')} />
            </InlineField>
            <InlineField label="Service id" labelWidth={12}>
              <Input aria-label="Service id" width={40} {...text('serviceId')} />
            </InlineField>
            <InlineField label="Limit" labelWidth={8}>
              <Input aria-label="Limit" width={10} min={1} {...num('limit')} />
            </InlineField>
          </InlineFieldRow>
        </>
      )}

      {queryType === 'trace' && (
        <InlineFieldRow>
          <InlineField label="Trace id" labelWidth={LABEL_WIDTH} tooltip="A trace id (hex or base64), or Kong's request id: it is looked up as one when no trace has that id">
            <Input aria-label="Trace id" width={40} placeholder="trace id or X-Kong-Request-Id" {...text('traceId')} />
          </InlineField>
          <InlineField label="Request id" labelWidth={12} tooltip="Kong's request id (the X-Kong-Request-Id response header)">
            <Input aria-label="Request id" width={36} placeholder="X-Kong-Request-Id" {...text('requestId')} />
          </InlineField>
          {sessionField(true)}
        </InlineFieldRow>
      )}

      {queryType === 'logs' && (
        <>
          <InlineFieldRow>
            {sessionField(false)}
            <InlineField label="Levels" labelWidth={10} htmlFor={`kongdbg-levels-${query.refId}`}>
              <MultiCombobox<string>
                id={`kongdbg-levels-${query.refId}`}
                width={40}
                placeholder="All levels"
                options={LEVELS.map((l) => ({ value: l, label: l }))}
                value={query.levels ?? []}
                onChange={(opts) => update({ levels: opts.length ? opts.map((o) => o.value) : undefined }, true)}
              />
            </InlineField>
            {liveField}
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField label="Trace id" labelWidth={LABEL_WIDTH}>
              <Input aria-label="Trace id" width={40} {...text('traceId')} />
            </InlineField>
            <InlineField label="Span id" labelWidth={10} tooltip="e.g. $spanId, set by the lifecycle map panel">
              <Input aria-label="Span id" width={24} {...text('spanId')} />
            </InlineField>
            <InlineField label="Limit" labelWidth={8}>
              <Input aria-label="Limit" width={10} min={1} {...num('limit')} />
            </InlineField>
          </InlineFieldRow>
        </>
      )}

      {queryType === 'statistics' && (
        <InlineFieldRow>
          <InlineField label="Trace id" labelWidth={LABEL_WIDTH}>
            <Input aria-label="Trace id" width={40} {...text('traceId')} />
          </InlineField>
          <InlineField label="Group by" labelWidth={10} tooltip="span name, or plugin (all phases of a plugin in one row)">
            <RadioButtonGroup<'name' | 'plugin'>
              options={[
                { value: 'name', label: 'Span name' },
                { value: 'plugin', label: 'Plugin' },
              ]}
              value={query.groupBy ?? 'name'}
              onChange={(v) => update({ groupBy: v === 'plugin' ? 'plugin' : undefined }, true)}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {queryType === 'annotations' && (
        <InlineFieldRow>
          {sessionField(true)}
        </InlineFieldRow>
      )}

      {queryType === 'summary' && (
        <InlineFieldRow>
          <InlineField label="Trace id" labelWidth={LABEL_WIDTH} tooltip="One trace's map; leave empty for the session's aggregate">
            <Input aria-label="Trace id" width={40} {...text('traceId')} />
          </InlineField>
          {sessionField(true)}
          {query.traceId && (
            <InlineField
              label="Compare with"
              labelWidth={14}
              tooltip="typical (the median trace of the same route in the session) or another trace id; with a session, steps above its p95 are flagged"
            >
              <Input aria-label="Compare with" width={40} placeholder="typical or a trace id" {...text('compareTo')} />
            </InlineField>
          )}
        </InlineFieldRow>
      )}
    </>
  );
}
