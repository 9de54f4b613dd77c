/**
 * Adding a whole home in the config editor (issue 24): discovery finds cameras and a hub, added as
 * folded rows, all or a selection together with one cloud password typed once (each row's own
 * secure field, never jsonData or a request); a hub's row has its small form and lists what is
 * behind it; a camera behind a hub says so and has no address, password, RTSP or ONVIF fields.
 */
import { setBackendSrv, type BackendSrv } from '@grafana/runtime';
import { screen, within } from '@testing-library/react';
import { of, throwError } from 'rxjs';

import type { CameraListItem, DiscoveredCameraItem } from '../../shared/query';
import { settings, setup } from '../../test-utils/configEditorHarness';

const PASSWORD = 'Whole-home-Pa55';

const found = (host: string, over: Partial<DiscoveredCameraItem> = {}): DiscoveredCameraItem => ({
  kind: 'camera',
  host,
  model: 'C210',
  name: null,
  mac: `00-11-22-33-44-${host.split('.').pop()!.padStart(2, '0').slice(-2)}`,
  deviceType: 'SMART.IPCAMERA',
  firmware: null,
  hardwareVersion: null,
  loginVersion: 3,
  httpsPort: 443,
  factoryDefault: false,
  configuredAs: null,
  ...over,
});

const HOME: DiscoveredCameraItem[] = [
  ...['Porch', 'Garden', 'Garage', 'Hall', 'Kitchen', 'Attic'].map((name, i) => found(`10.0.0.${11 + i}`, { name })),
  found('10.0.0.40', { kind: 'hub', name: 'Hall hub', model: 'H200', deviceType: 'SMART.TAPOHUB' }),
];

/** The sidecar's answers: discovery (the home above), the live list, 404 for the rest. */
function sidecar(live: CameraListItem[] = []) {
  const fetch = jest.fn().mockImplementation(({ url }: { url: string }) => {
    if (url.endsWith('/resources/discover')) {
      return of({ data: { cameras: HOME, malformed: 0, otherDevices: 0, targets: ['10.0.0.255'], timeoutMs: 3000 } });
    }
    if (url.endsWith('/resources/cameras')) {
      return of({ data: live });
    }
    return throwError(() => ({ status: 404, data: {} }));
  });
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return fetch;
}

async function discoverHome(user: ReturnType<typeof import('@testing-library/user-event').default.setup>) {
  await user.click(screen.getByText('Find cameras on my network'));
  await user.click(screen.getByRole('button', { name: 'Find cameras' }));
  return screen.findByRole('table', { name: 'Cameras found' });
}

describe('adding a whole home', () => {
  it('adds six cameras and a hub at once, folded, each with the one password in its own secure field', async () => {
    const fetch = sidecar();
    const { user, last } = await setup(settings({ uid: 'ds-1' }), { expand: false });
    const table = await discoverHome(user);
    expect(within(table).getAllByText('Hub')).toHaveLength(1);
    expect(within(table).getAllByRole('row')[7]).toHaveTextContent('H200 (Hall hub)');

    await user.type(screen.getByLabelText(/TP-Link cloud password for the devices you add here/), PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Add all (7)' }));

    const cameras = last().jsonData.cameras ?? [];
    expect(cameras.map((c) => [c.id, c.host, c.kind ?? 'camera'])).toEqual([
      ['porch', '10.0.0.11', 'camera'],
      ['garden', '10.0.0.12', 'camera'],
      ['garage', '10.0.0.13', 'camera'],
      ['hall', '10.0.0.14', 'camera'],
      ['kitchen', '10.0.0.15', 'camera'],
      ['attic', '10.0.0.16', 'camera'],
      ['hall-hub', '10.0.0.40', 'hub'],
    ]);
    // One password, typed once, in each device's own secure field; nowhere in jsonData or a request.
    expect(last().secureJsonData).toEqual(Object.fromEntries(cameras.map((c) => [`password.${c.id}`, PASSWORD])));
    expect(JSON.stringify(last().jsonData)).not.toContain(PASSWORD);
    expect(JSON.stringify(fetch.mock.calls)).not.toContain(PASSWORD);

    // Folded rows: no form is open, nothing left to add.
    const edits = screen.getAllByRole('button', { name: /^Edit camera \d+$/ });
    expect(edits).toHaveLength(7);
    edits.forEach((b) => expect(b).toHaveAttribute('aria-expanded', 'false'));
    expect(screen.queryByLabelText(/^Name/)).not.toBeInTheDocument();
    expect(screen.queryByText(/Each camera uses two different accounts/)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add all (0)' })).toBeDisabled();
    expect(within(table).getAllByText(/^Added as camera \d$/)).toHaveLength(7);
    expect(screen.getByTestId('camera-row-6')).toHaveTextContent('Hub');

    // Each keeps its own field: resetting one leaves the others.
    await user.click(screen.getByRole('button', { name: 'Edit camera 2' }));
    await user.clear(within(screen.getByTestId('camera-1')).getByLabelText(/^TP-Link cloud password/));
    expect(last().secureJsonData?.['password.garden']).toBe('');
    expect(last().secureJsonData?.['password.porch']).toBe(PASSWORD);
  });

  it('adds only the selected ones with the password; a single add without one stores none', async () => {
    sidecar();
    const { user, last } = await setup(settings({ uid: 'ds-1' }), { expand: false });
    await discoverHome(user);
    expect(screen.getByRole('button', { name: 'Add selected (0)' })).toBeDisabled();
    await user.click(screen.getByRole('checkbox', { name: 'Select 10.0.0.12' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select 10.0.0.40' }));
    await user.type(screen.getByLabelText(/TP-Link cloud password for the devices you add here/), PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Add selected (2)' }));
    expect(last().jsonData.cameras?.map((c) => c.id)).toEqual(['garden', 'hall-hub']);
    expect(last().jsonData.cameras?.[1].kind).toBe('hub');
    expect(last().secureJsonData).toEqual({ 'password.garden': PASSWORD, 'password.hall-hub': PASSWORD });
    expect(screen.queryByRole('checkbox', { name: 'Select 10.0.0.12' })).not.toBeInTheDocument();

    await user.clear(screen.getByLabelText(/TP-Link cloud password for the devices you add here/));
    await user.click(screen.getByRole('button', { name: 'Add 10.0.0.11' }));
    expect(last().jsonData.cameras?.map((c) => c.id)).toEqual(['garden', 'hall-hub', 'porch']);
    expect(last().secureJsonData).not.toHaveProperty('password.porch');
  });

  it("a hub's row has its own small form and lists its cameras and sensors; a camera behind it has no address fields", async () => {
    const deviceId = 'A'.repeat(40);
    const live: CameraListItem[] = [
      { id: 'hub', name: 'Hall hub', model: 'H200', status: 'online', host: '10.0.0.40', ptz: false },
      { id: 'garden', name: 'Garden', model: 'C420', status: 'sleeping', host: '10.0.0.40', ptz: false },
      { id: 'hub.0a1b2c3d', name: 'Doorbell', model: 'D230', status: 'online', host: '10.0.0.40', ptz: false },
      {
        id: 'hub.11223344',
        name: 'Cellar',
        model: 'T315',
        status: 'online',
        host: '10.0.0.40',
        ptz: false,
        sensor: 'temp_humidity',
      },
      {
        id: 'hub.55667788',
        name: 'Back door',
        model: 'T110',
        status: 'online',
        host: '10.0.0.40',
        ptz: false,
        sensor: 'contact',
      },
    ];
    sidecar(live);
    const { user, last } = await setup(
      settings({
        uid: 'ds-1',
        version: 2,
        jsonData: {
          cameras: [
            { id: 'hub', name: 'Hall hub', host: '10.0.0.40', username: 'admin', kind: 'hub' },
            { id: 'garden', name: 'Garden', host: '10.0.0.40', hubChild: { hubId: 'hub', deviceId } },
          ],
        },
        secureJsonFields: { 'password.hub': true },
      }),
      { expand: false }
    );
    const hubRow = screen.getByTestId('camera-row-0');
    expect(await within(hubRow).findByText(/2 cameras · 2 sensors/)).toBeInTheDocument();
    const childRow = screen.getByTestId('camera-row-1');
    expect(childRow).toHaveTextContent('behind hub Hall hub');
    expect(childRow).not.toHaveTextContent('10.0.0.40');

    // The hub's form: name, id, address, cloud password; none of a camera's accounts or video fields.
    await user.click(screen.getByRole('button', { name: 'Edit camera 1' }));
    const hubForm = screen.getByRole('group', { name: 'Hub 1: Hall hub' });
    for (const label of [/^Name/, /^Id/, /^Host/, /^TP-Link cloud password/]) {
      expect(within(hubForm).getByLabelText(label)).toBeInTheDocument();
    }
    for (const label of [/^Camera account/, /^ONVIF port/, /^RTSP override URL/, /^Local API user/, /^Poll interval/]) {
      expect(within(hubForm).queryByLabelText(label)).not.toBeInTheDocument();
    }
    const behind = within(hubRow).getByRole('list', { name: 'Behind Hall hub' });
    expect(
      within(behind)
        .getAllByRole('listitem')
        .map((li) => li.textContent)
    ).toEqual([
      'Garden (camera 2)',
      'Doorbell (camera, D230)',
      'Back door (Door/window contact, T110)',
      'Cellar (Temperature and humidity, T315)',
    ]);

    // The camera behind it: its name, id and stream, and which hub; no address, passwords, RTSP or ONVIF.
    await user.click(screen.getByRole('button', { name: 'Edit camera 2' }));
    const childForm = screen.getByRole('group', { name: 'Camera 2: Garden, behind hub Hall hub' });
    expect(within(childForm).getByText('Camera behind hub Hall hub')).toBeInTheDocument();
    expect(within(childForm).getByLabelText(/^Name/)).toHaveValue('Garden');
    for (const label of [/^Host/, /^RTSP override URL/, /^ONVIF port/, /cloud password/i, /^Camera account/]) {
      expect(within(childForm).queryByLabelText(label)).not.toBeInTheDocument();
    }
    expect(within(screen.getByTestId('camera-row-1')).queryByRole('switch', { name: /is a Tapo hub/ })).toBeNull();

    // The hub moves: the camera behind it follows (it logs in through the hub's address).
    const host = within(hubForm).getByLabelText(/^Host/);
    await user.clear(host);
    await user.type(host, '10.0.0.41');
    expect(last().jsonData.cameras?.map((c) => c.host)).toEqual(['10.0.0.41', '10.0.0.41']);
  });

  it('a hub whose id changes keeps the rows behind it', async () => {
    sidecar();
    const deviceId = 'B'.repeat(40);
    const { user, last } = await setup(
      settings({
        uid: 'ds-1',
        jsonData: {
          cameras: [
            { id: 'hub', name: 'Hall hub', host: '10.0.0.40', username: 'admin', kind: 'hub' },
            { id: 'door', name: 'Doorbell', host: '10.0.0.40', hubChild: { hubId: 'hub', deviceId } },
          ],
        },
      }),
      { expand: false }
    );
    await user.click(screen.getByRole('button', { name: 'Edit camera 1' }));
    const id = screen.getByLabelText(/^Id/);
    await user.clear(id);
    await user.type(id, 'loft');
    expect(last().jsonData.cameras?.[1].hubChild).toEqual({ hubId: 'loft', deviceId });
    expect(screen.getByTestId('camera-row-1')).toHaveTextContent('behind hub Hall hub');
  });

  it("listing a hub's cameras asks the sidecar again for what runs behind it, so its sensors show", async () => {
    let listed = false;
    const sensor: CameraListItem = {
      id: 'hub.0badcafe',
      name: 'Cellar',
      model: null,
      status: 'unknown',
      host: '10.0.0.40',
      ptz: false,
      sensor: 'temp_humidity',
    };
    const fetch = jest.fn().mockImplementation(({ url }: { url: string }) => {
      if (url.endsWith('/resources/hubs/hub/children')) {
        listed = true;
        return of({ data: { hubId: 'hub', children: [] } });
      }
      if (url.endsWith('/resources/cameras')) {
        return of({ data: listed ? [sensor] : [] });
      }
      return throwError(() => ({ status: 404, data: {} }));
    });
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const { user } = await setup(
      settings({
        uid: 'ds-1',
        jsonData: { cameras: [{ id: 'hub', name: 'Hall hub', host: '10.0.0.40', username: 'admin', kind: 'hub' }] },
        secureJsonFields: { 'password.hub': true },
      }),
      { expand: false }
    );
    await user.click(screen.getByRole('button', { name: 'Edit camera 1' }));
    expect(screen.getByText(/Nothing behind this hub yet/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /List the hub's cameras/ }));
    const behind = await screen.findByRole('list', { name: 'Behind Hall hub' });
    expect(behind).toHaveTextContent('Cellar (Temperature and humidity)');
    expect(screen.getByTestId('camera-row-0')).toHaveTextContent('1 sensor');
  });
});
