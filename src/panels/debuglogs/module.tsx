import { PanelPlugin } from '@grafana/data';
import { DebugLogsPanel } from './DebugLogsPanel';
import { DEFAULT_OPTIONS, DebugLogsOptions } from './types';

export const plugin = new PanelPlugin<DebugLogsOptions>(DebugLogsPanel).setPanelOptions((builder) =>
  builder.addTextInput({
    path: 'spanVariable',
    name: 'Span variable',
    description: 'Dashboard variable with a span id to filter the lines by (the lifecycle map panel sets it on click).',
    defaultValue: DEFAULT_OPTIONS.spanVariable,
  })
);
