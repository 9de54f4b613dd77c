import type { CameraListItem } from '../shared/query';
import { camerasToVariableValues } from './variables';

const item = (id: string, over: Partial<CameraListItem> = {}): CameraListItem => ({
  id,
  name: id.toUpperCase(),
  model: 'C210',
  status: 'online',
  host: '192.0.2.1',
  ptz: false,
  ...over,
});

describe('camerasToVariableValues', () => {
  it('lists cameras, never the sensors behind a hub (they have no picture)', () => {
    const list = [item('porch'), item('hub.1', { model: 'T310', sensor: 'temp_humidity' }), item('garden')];
    expect(camerasToVariableValues(list, undefined)).toEqual([
      { text: 'PORCH', value: 'porch' },
      { text: 'GARDEN', value: 'garden' },
    ]);
    expect(camerasToVariableValues(list, { models: ['T310'] } as never)).toEqual([]);
  });
});
