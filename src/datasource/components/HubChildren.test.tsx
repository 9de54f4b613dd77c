import { setBackendSrv, type BackendSrv } from '@grafana/runtime';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { of, throwError } from 'rxjs';

import type { CameraSettings, HubChildItem } from '../../shared/query';
import { HubChildren } from './HubChildren';
import { settings, setup } from '../../test-utils/configEditorHarness';

const hub: CameraSettings = { id: 'hub', name: 'Hall hub', host: '10.0.0.7', username: 'admin', kind: 'hub' };
const child = (over: Partial<HubChildItem>): HubChildItem => ({
  deviceId: 'A'.repeat(40),
  name: 'Garden',
  model: 'C420',
  online: true,
  sleeping: true,
  batteryPercent: 84,
  cameraId: 'hub.0a1b2c3d',
  ...over,
});
const CHILDREN = [
  child({}),
  child({ deviceId: 'B'.repeat(40), name: 'Doorbell', model: 'D230', sleeping: false, batteryPercent: 90 }),
  child({ deviceId: 'C'.repeat(40), name: 'Shed', model: 'C425', online: false, batteryPercent: null }),
];

function answering(children: HubChildItem[]) {
  const fetch = jest
    .fn()
    .mockImplementation(({ url }: { url: string }) =>
      url.endsWith('/resources/hubs/hub/children')
        ? of({ data: { hubId: 'hub', children } })
        : throwError(() => ({ status: 404, data: {} }))
    );
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return fetch;
}

describe('HubChildren', () => {
  it("lists a saved hub's cameras through the sidecar, marks the added ones and adds one", async () => {
    const fetch = answering(CHILDREN);
    const onAdd = jest.fn();
    const added: CameraSettings = {
      id: 'garden',
      name: 'Garden',
      host: '10.0.0.7',
      hubChild: { hubId: 'hub', deviceId: 'A'.repeat(40) },
    };
    const user = userEvent.setup();
    render(<HubChildren uid="ds-1" camera={hub} saved cameras={[hub, added]} onChange={jest.fn()} onAdd={onAdd} />);
    await user.click(screen.getByRole('button', { name: /List the hub's cameras/ }));
    const table = await screen.findByRole('table', { name: 'Cameras behind Hall hub' });
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/datasources/uid/ds-1/resources/hubs/hub/children',
        method: 'GET',
        params: { refresh: 1 },
      })
    );
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(4);
    expect(rows[1]).toHaveTextContent('Garden');
    expect(rows[1]).toHaveTextContent('asleep, battery 84%');
    expect(rows[1]).toHaveTextContent('Added as camera 2 (Garden)');
    expect(rows[2]).toHaveTextContent('D230');
    expect(rows[2]).toHaveTextContent('awake, battery 90%');
    expect(rows[3]).toHaveTextContent('C425unreachableAdd');
    await user.click(within(rows[2]).getByRole('button', { name: 'Add Doorbell' }));
    expect(onAdd).toHaveBeenCalledWith({
      name: 'Doorbell',
      host: '10.0.0.7',
      hubChild: { hubId: 'hub', deviceId: 'B'.repeat(40) },
    });
  });

  it('waits for a save, says why a hub could not be listed, and shows nothing for a hub camera', async () => {
    const fetch = jest
      .fn()
      .mockReturnValue(
        throwError(() => ({ status: 502, data: { error: 'Hall hub: wrong password', reason: 'wrong_password' } }))
      );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const user = userEvent.setup();
    const { rerender, container } = render(
      <HubChildren uid="ds-1" camera={hub} saved={false} cameras={[hub]} onChange={jest.fn()} onAdd={jest.fn()} />
    );
    expect(screen.getByRole('button', { name: /List the hub's cameras/ })).toBeDisabled();
    expect(screen.getByText(/Save the datasource first/)).toBeInTheDocument();

    rerender(<HubChildren uid="ds-1" camera={hub} saved cameras={[hub]} onChange={jest.fn()} onAdd={jest.fn()} />);
    await user.click(screen.getByRole('button', { name: /List the hub's cameras/ }));
    expect(await screen.findByText("The hub's cameras could not be listed")).toBeInTheDocument();
    expect(screen.getByText(/Hall hub: wrong password/)).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledTimes(1);

    const behind: CameraSettings = { ...hub, id: 'garden', kind: undefined, hubChild: { hubId: 'hub', deviceId: 'X' } };
    rerender(<HubChildren uid="ds-1" camera={behind} saved cameras={[hub]} onChange={jest.fn()} onAdd={jest.fn()} />);
    expect(container).toBeEmptyDOMElement();
  });

  it('in the config editor: a camera switched to a hub offers its cameras, added as rows behind it', async () => {
    answering(CHILDREN.slice(0, 2));
    const { user, changes } = await setup(
      settings({
        uid: 'ds-1',
        jsonData: { cameras: [{ ...hub, kind: undefined }] },
        secureJsonFields: { 'password.hub': true },
      }),
      { expand: false }
    );
    await user.click(screen.getByRole('button', { name: 'Edit camera 1' }));
    expect(screen.queryByRole('button', { name: /List the hub's cameras/ })).not.toBeInTheDocument();
    await user.click(screen.getByRole('switch', { name: 'Hall hub is a Tapo hub' }));
    expect(changes[changes.length - 1].jsonData.cameras?.[0]).toMatchObject({ id: 'hub', kind: 'hub' });
    await user.click(screen.getByRole('button', { name: /List the hub's cameras/ }));
    const table = await screen.findByRole('table', { name: 'Cameras behind Hall hub' });
    await user.click(within(table).getByRole('button', { name: 'Add Garden' }));
    expect(changes[changes.length - 1].jsonData.cameras?.[1]).toEqual({
      id: 'garden',
      name: 'Garden',
      host: '10.0.0.7',
      username: 'admin',
      hubChild: { hubId: 'hub', deviceId: 'A'.repeat(40) },
    });
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent('Added as camera 2 (Garden)');
    // Added folded, saying which hub it is behind, and the hub's row counts it.
    expect(screen.getByRole('button', { name: 'Edit camera 2' })).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByTestId('camera-row-1')).toHaveTextContent('behind hub Hall hub');
    expect(screen.getByTestId('camera-row-0')).toHaveTextContent('1 camera');
  });
});
