import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import type { CameraListItem } from '../../shared/query';
import { settleMock } from '../../test-utils/act';
import type { DataSource } from '../datasource';
import type { TapoVariableDataQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

const CAMERAS: CameraListItem[] = [
  { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: '10.0.0.2', ptz: true },
  { id: 'garage', name: 'Garage', model: 'C100', status: 'offline', host: '10.0.0.3', ptz: false },
  { id: 'yard', name: 'Yard', model: 'C210', status: 'online', host: '10.0.0.4', ptz: true },
];

async function setup(initial: TapoVariableDataQuery | string) {
  const listCameras = jest.fn().mockResolvedValue(CAMERAS);
  const datasource = { listCameras } as unknown as DataSource;
  const changes: TapoVariableDataQuery[] = [];
  function Harness() {
    const [query, setQuery] = useState(initial as TapoVariableDataQuery);
    return (
      <VariableQueryEditor
        query={query}
        datasource={datasource}
        onRunQuery={jest.fn()}
        onChange={(q) => {
          changes.push(q);
          setQuery(q);
        }}
      />
    );
  }
  render(<Harness />);
  await settleMock(listCameras);
  return { user: userEvent.setup(), last: () => changes[changes.length - 1] };
}

describe('VariableQueryEditor', () => {
  it('offers each model once, taken from the camera list', async () => {
    const { user, last } = await setup({ refId: 'V' });
    await user.click(screen.getByLabelText('Models'));
    expect(await screen.findAllByText('C210')).toHaveLength(1);
    await user.click(screen.getByText('C100'));
    expect(last()).toEqual({ refId: 'V', models: ['C100'] });
  });

  it('filters by status', async () => {
    const { user, last } = await setup({ refId: 'V', models: ['C210'] });
    await user.click(screen.getByLabelText('Status'));
    await user.click(await screen.findByText('Offline'));
    expect(last()).toEqual({ refId: 'V', models: ['C210'], statuses: ['offline'] });
  });

  it('accepts a legacy string query as no filter', async () => {
    const { user, last } = await setup('cameras()');
    await user.click(screen.getByLabelText('Status'));
    await user.click(await screen.findByText('Online'));
    expect(last()).toEqual({ refId: 'variable', statuses: ['online'] });
  });
});
