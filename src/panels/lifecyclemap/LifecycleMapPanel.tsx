/**
 * Panel: reads the summary query's frames and draws the lifecycle map, with the abnormal steps and the comparison
 * the frames carry (a summary query with a session / `compareTo`); a plugin click sets a dashboard variable.
 */
import React, { useCallback } from 'react';
import { css } from '@emotion/css';
import { PanelProps } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { Alert, ScrollContainer } from '@grafana/ui';
import { PanelProblem } from '../shared/PanelProblem';
import { LifecycleMap } from './LifecycleMap';
import { readAnalysedLifecycle, readFrameAnalysis } from './analysis';
import { MapNode } from './model';
import { DEFAULT_OPTIONS, LifecycleMapOptions } from './types';

export function LifecycleMapPanel(props: PanelProps<LifecycleMapOptions>) {
  const { data, options, replaceVariables, width, height, id, fieldConfig } = props;
  const variableName = (options.variableName || DEFAULT_OPTIONS.variableName).trim();
  const result = readAnalysedLifecycle(data.series);

  const onSelectPlugin = useCallback(
    (node: MapNode) => {
      locationService.partial({ [`var-${variableName}`]: node.spanId }, true);
    },
    [variableName]
  );

  if (result.ok !== true) {
    return (
      <PanelProblem
        problem={result.ok === 'empty' ? 'empty' : { error: result.error }}
        panel={{ id, fieldConfig, data }}
        emptyMessage="No lifecycle summary: run a summary query for a trace or a session."
        errorTitle="Cannot draw the lifecycle map"
      />
    );
  }
  // An unset variable interpolates to itself; treat that as "nothing selected".
  const { standingError, comparisonError } = readFrameAnalysis(data.series);
  const ref = `\${${variableName}}`;
  const selected = replaceVariables(ref);
  return (
    <div className={css({ width, height })}>
      <ScrollContainer>
        {standingError && (
          <Alert severity="warning" title="Abnormal steps unavailable">
            {standingError}
          </Alert>
        )}
        {comparisonError && (
          <Alert severity="error" title="Could not compare">
            {comparisonError}
          </Alert>
        )}
        <LifecycleMap
          view={result.view}
          selectedSpanId={selected === ref ? undefined : selected}
          onSelectPlugin={onSelectPlugin}
        />
      </ScrollContainer>
    </div>
  );
}
