import React, { useState } from 'react';
import type { DataSourceInstanceSettings } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { Field, FieldSet, InlineSwitch, Input, Stack } from '@grafana/ui';
import { DATASOURCE_TYPE, type KongDebuggerOptions } from '../types';
import { formatTags, isTimeShift, parseTags, withTracesToLogs } from './tracesToLogs';

interface Props {
  jsonData: KongDebuggerOptions;
  onChange: (jsonData: KongDebuggerOptions) => void;
}

/**
 * Optional: Grafana's own trace-to-logs (`tracesToLogsV2`, read by its trace view from the data source that
 * produced the trace). For users whose Kong logs also go to Loki (or another logs data source Grafana links to).
 */
export function TracesToLogsSettings({ jsonData, onChange }: Props) {
  const t2l = jsonData.tracesToLogsV2 ?? {};
  const [tags, setTags] = useState(formatTags(t2l.tags));
  const [shifts, setShifts] = useState({ start: t2l.spanStartTimeShift ?? '', end: t2l.spanEndTimeShift ?? '' });
  const enabled = Boolean(t2l.datasourceUid);
  const set = (patch: Parameters<typeof withTracesToLogs>[1]) => onChange(withTracesToLogs(jsonData, patch));

  return (
    <FieldSet label="Trace to logs (optional)">
      <Field
        label="Logs data source"
        description="When Kong's logs also reach a logs data source such as Loki, the trace view's “Logs for this span” opens it. Leave empty to use the debugger's own logs."
      >
        <DataSourcePicker
          inputId="kongdbg-t2l-ds"
          logs
          noDefault
          current={t2l.datasourceUid ?? null}
          filter={(ds: DataSourceInstanceSettings) => ds.type !== DATASOURCE_TYPE}
          onChange={(ds: DataSourceInstanceSettings) => set({ datasourceUid: ds.uid })}
          onClear={() => set({ datasourceUid: undefined })}
          width={40}
        />
      </Field>
      {enabled && (
        <>
          <Field
            label="Tags"
            description="Span attributes to filter logs by, as attribute or attribute=label, comma separated (e.g. service.name=service_name)"
          >
            <Input
              id="kongdbg-t2l-tags"
              aria-label="Trace to logs tags"
              value={tags}
              onChange={(e) => setTags(e.currentTarget.value)}
              onBlur={() => set({ tags: parseTags(tags) })}
              width={60}
            />
          </Field>
          <Stack gap={2}>
            {(['start', 'end'] as const).map((edge) => {
              const value = shifts[edge];
              const invalid = !isTimeShift(value);
              return (
                <Field
                  key={edge}
                  label={`Span ${edge} time shift`}
                  invalid={invalid}
                  error={invalid ? 'A duration such as -1m, 30s or 1h' : undefined}
                >
                  <Input
                    id={`kongdbg-t2l-${edge}`}
                    aria-label={`Span ${edge} time shift`}
                    value={value}
                    placeholder={edge === 'start' ? '-1m' : '1m'}
                    onChange={(e) => setShifts({ ...shifts, [edge]: e.currentTarget.value })}
                    onBlur={() =>
                      !invalid &&
                      set(
                        edge === 'start'
                          ? { spanStartTimeShift: value.trim() || undefined }
                          : { spanEndTimeShift: value.trim() || undefined }
                      )
                    }
                    width={16}
                  />
                </Field>
              );
            })}
          </Stack>
          <Stack gap={2}>
            <InlineSwitch
              label="Filter by trace ID"
              showLabel
              value={Boolean(t2l.filterByTraceID)}
              onChange={(e) => set({ filterByTraceID: e.currentTarget.checked })}
            />
            <InlineSwitch
              label="Filter by span ID"
              showLabel
              value={Boolean(t2l.filterBySpanID)}
              onChange={(e) => set({ filterBySpanID: e.currentTarget.checked })}
            />
            <InlineSwitch
              label="Custom query"
              showLabel
              value={Boolean(t2l.customQuery)}
              onChange={(e) => set({ customQuery: e.currentTarget.checked })}
            />
          </Stack>
          {t2l.customQuery && (
            <Field
              label="Query"
              description="The logs query, with ${__span.traceId}, ${__span.spanId}, ${__tags} interpolated by Grafana"
            >
              <Input
                id="kongdbg-t2l-query"
                aria-label="Trace to logs query"
                defaultValue={t2l.query ?? ''}
                onBlur={(e) => set({ query: e.currentTarget.value })}
                width={60}
              />
            </Field>
          )}
        </>
      )}
    </FieldSet>
  );
}
