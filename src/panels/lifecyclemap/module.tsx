import { PanelPlugin } from '@grafana/data';
import { LifecycleMapPanel } from './LifecycleMapPanel';
import { DEFAULT_OPTIONS, LifecycleMapOptions } from './types';

export const plugin = new PanelPlugin<LifecycleMapOptions>(LifecycleMapPanel).setPanelOptions((builder) =>
  builder.addTextInput({
    path: 'variableName',
    name: 'Span variable',
    description:
      'Dashboard variable set to the span id of a clicked plugin node (e.g. spanId, used by the logs panel).',
    defaultValue: DEFAULT_OPTIONS.variableName,
  })
);
