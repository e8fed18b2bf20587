/** What both panels show instead of their content: Grafana's no-data view, or the reason the frames are unusable. */
import React from 'react';
import { PanelProps } from '@grafana/data';
import { PanelDataErrorView } from '@grafana/runtime';
import { Alert } from '@grafana/ui';

interface Props {
  /** 'empty' when there is no data, else the reader's error */
  problem: 'empty' | { error: string };
  panel: Pick<PanelProps, 'id' | 'fieldConfig' | 'data'>;
  emptyMessage: string;
  errorTitle: string;
}

export function PanelProblem({ problem, panel, emptyMessage, errorTitle }: Props) {
  if (problem === 'empty') {
    return <PanelDataErrorView panelId={panel.id} fieldConfig={panel.fieldConfig} data={panel.data} message={emptyMessage} />;
  }
  return (
    <Alert severity="error" title={errorTitle}>
      {problem.error}
    </Alert>
  );
}
