import React from 'react';
import { InlineField, MultiCombobox } from '@grafana/ui';
import type { SessionStatus } from '../../../common/api';
import type { KongVariableQuery } from '../variables';

const STATUSES: SessionStatus[] = ['pending', 'in_progress', 'completed', 'timed_out', 'cancelled'];

interface Props {
  query: KongVariableQuery;
  onChange: (query: KongVariableQuery) => void;
}

/** A session variable lists sessions (text = name, value = id), optionally only some statuses. */
export function VariableQueryEditor({ query, onChange }: Props) {
  return (
    <InlineField label="Session status" labelWidth={20} tooltip="Empty lists sessions in every status" htmlFor="kongdbg-var-status">
      <MultiCombobox<string>
        id="kongdbg-var-status"
        width={50}
        options={STATUSES.map((s) => ({ value: s, label: s }))}
        value={query.statuses ?? []}
        onChange={(opts) => onChange({ ...query, statuses: opts.map((o) => o.value as SessionStatus) })}
      />
    </InlineField>
  );
}
