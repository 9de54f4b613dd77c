/** Test helper: PanelProps for the camera panel with given frames, options and size. */
import { type DataFrame, LoadingState, type PanelProps, getDefaultTimeRange } from '@grafana/data';

import { DEFAULT_OPTIONS, type PanelOptions } from '../panel/types';

/** The props Grafana gives the camera panel, for a size and options. */
export function panelProps(
  series: DataFrame[],
  options: Partial<PanelOptions> = {},
  size: { width: number; height: number } = { width: 800, height: 450 }
): PanelProps<PanelOptions> {
  const timeRange = getDefaultTimeRange();
  return {
    id: 1,
    data: { series, state: LoadingState.Streaming, timeRange },
    options: { ...DEFAULT_OPTIONS, ...options },
    width: size.width,
    height: size.height,
    timeRange,
    timeZone: 'utc',
    title: 'Cameras',
    transparent: false,
    renderCounter: 0,
    fieldConfig: { defaults: {}, overrides: [] },
    replaceVariables: (s: string) => s,
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    onChangeTimeRange: jest.fn(),
    eventBus: {} as PanelProps['eventBus'],
  } as unknown as PanelProps<PanelOptions>;
}
