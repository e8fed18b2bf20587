/** Minimal but complete PanelProps for rendering a panel component in tests. */
import { DataFrame, FieldConfigSource, LoadingState, PanelProps, dateTime, getDefaultTimeRange } from '@grafana/data';

export function panelProps<T>(series: DataFrame[], options: T, overrides: Partial<PanelProps<T>> = {}): PanelProps<T> {
  const timeRange = getDefaultTimeRange();
  return {
    id: 1,
    data: { series, state: LoadingState.Done, timeRange },
    timeRange,
    timeZone: 'utc',
    options,
    fieldConfig: { defaults: {}, overrides: [] } as FieldConfigSource,
    transparent: false,
    width: 1200,
    height: 600,
    renderCounter: 0,
    title: 'test',
    eventBus: {
      publish: jest.fn(),
      getStream: jest.fn(),
      subscribe: jest.fn(),
      removeAllListeners: jest.fn(),
      newScopedBus: jest.fn(),
    } as never,
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    replaceVariables: jest.fn((s: string) => s),
    onChangeTimeRange: jest.fn(),
    ...overrides,
  } as PanelProps<T>;
}

export const fixedNow = dateTime(Date.UTC(2026, 10, 24, 12, 0, 0));
