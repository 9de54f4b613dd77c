import { cleanup, screen } from '@testing-library/react';

import type { CameraListItem } from '../../shared/query';
import { domSkeleton, renderQueryEditor } from '../../test-utils/queryEditorHarness';
import type { TapoVariableDataQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

const CAMERAS: CameraListItem[] = [
  { id: 'front', name: 'Front door', model: 'C210', status: 'online', host: '10.0.0.2', ptz: true },
  { id: 'garage', name: 'Garage', model: 'C100', status: 'offline', host: '10.0.0.3', ptz: false },
  { id: 'yard', name: 'Yard', model: 'C210', status: 'online', host: '10.0.0.4', ptz: true },
];

function setup(initial: TapoVariableDataQuery | string, listCameras = jest.fn().mockResolvedValue(CAMERAS)) {
  return renderQueryEditor(VariableQueryEditor, initial as TapoVariableDataQuery, listCameras);
}

describe('VariableQueryEditor', () => {
  it('offers each model once, taken from the camera list', async () => {
    const { user, last } = await setup({ refId: 'V' });
    await user.click(screen.getByLabelText('Models'));
    expect(await screen.findAllByText('C210')).toHaveLength(1);
    await user.click(screen.getByText('C100'));
    expect(last()).toEqual({ refId: 'V', models: ['C100'] });
  });

  it('filters by status, shown in words', async () => {
    const { user, last } = await setup({ refId: 'V', models: ['C210'] });
    await user.click(screen.getByLabelText('Status'));
    expect(await screen.findByText('Login failed')).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(/auth_failed/);
    await user.click(screen.getByText('Offline'));
    expect(last()).toEqual({ refId: 'V', models: ['C210'], statuses: ['offline'] });
  });

  it('accepts a legacy string query as no filter', async () => {
    const { user, last } = await setup('cameras()');
    await user.click(screen.getByLabelText('Status'));
    await user.click(await screen.findByText('Online'));
    expect(last()).toEqual({ refId: 'variable', statuses: ['online'] });
  });

  it('says the camera list failed on its message line, without moving the fields', async () => {
    const fine = await setup({ refId: 'V' });
    const before = domSkeleton(fine.view.container);
    cleanup();
    const failed = await setup(
      { refId: 'V' },
      jest.fn().mockRejectedValue({ data: { message: 'sidecar not running' } })
    );
    expect(screen.getByRole('status')).toHaveTextContent('Could not load cameras: sidecar not running');
    expect(domSkeleton(failed.view.container)).toEqual(before);
  });
});
