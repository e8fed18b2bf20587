/** Panel: the correlated log viewer over the data source's log-lines frame. */
import React, { useCallback, useMemo } from 'react';
import { PanelProps } from '@grafana/data';
import { PanelProblem } from '../shared/PanelProblem';
import { rowLinks as links } from './links';
import { LogsView } from './LogsView';
import { LogRow, readLogsFrame } from './model';
import { DEFAULT_OPTIONS, DebugLogsOptions } from './types';

export function DebugLogsPanel(props: PanelProps<DebugLogsOptions>) {
  const { data, options, replaceVariables, height, width, id, fieldConfig, timeZone, timeRange } = props;
  const result = useMemo(() => readLogsFrame(data.series), [data.series]);
  const variable = (options.spanVariable || DEFAULT_OPTIONS.spanVariable).trim();
  // An unset variable interpolates to itself; "All" to a Grafana marker: both mean no span filter.
  const ref = `\${${variable}}`;
  const value = replaceVariables(ref);
  const externalSpanId = value && value !== ref && value !== '$__all' && value !== 'All' ? value : undefined;
  const model = result.ok === true ? result.model : undefined;
  const getRowLinks = useCallback(
    (row: LogRow) => (model ? links(model, row, replaceVariables, timeRange) : []),
    [model, replaceVariables, timeRange]
  );

  if (result.ok !== true) {
    return (
      <PanelProblem
        problem={result.ok === 'empty' ? 'empty' : { error: result.error }}
        panel={{ id, fieldConfig, data }}
        emptyMessage="No log lines: run a logs query for a debug session."
        errorTitle="Cannot show the logs"
      />
    );
  }
  return (
    <div style={{ width, height }}>
      <LogsView
        rows={result.model.rows}
        height={height}
        externalSpanId={externalSpanId}
        getRowLinks={getRowLinks}
        timeZone={timeZone}
      />
    </div>
  );
}
