import { setBackendSrv, type BackendSrv } from '@grafana/runtime';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { of, throwError } from 'rxjs';

import { DataSource } from '../datasource';
import { ConfigEditor } from './ConfigEditor';
import { type Settings, settings, setup } from '../../test-utils/configEditorHarness';

const saved = settings({
  jsonData: {
    cameras: [
      { id: 'front', name: 'Front door', host: '10.0.0.2', username: 'admin', cameraAccount: 'viewer' },
      { id: 'garage', name: 'Garage', host: '10.0.0.3' },
    ],
  },
  secureJsonFields: { 'password.front': true, 'cameraPassword.front': true },
});

describe('ConfigEditor', () => {
  it('explains which account is which', async () => {
    await setup(settings());
    expect(screen.getByText(/Each camera uses two different accounts/)).toBeInTheDocument();
    expect(screen.getAllByText(/TP-Link cloud password/).length).toBeGreaterThan(0);
    expect(screen.getAllByText(/Third-Party Compatibility/).length).toBeGreaterThan(0);
    expect(screen.getAllByText(/Camera Account/).length).toBeGreaterThan(0);
  });

  it('adds a camera whose id follows its name, then stays once edited by hand', async () => {
    const { user, last } = await setup(settings());
    await user.click(screen.getByRole('button', { name: /Add camera/ }));
    const name = screen.getByLabelText(/^Name/);
    await user.type(name, 'Back Yard');
    expect(last().jsonData.cameras).toEqual([{ id: 'back-yard', name: 'Back Yard', host: '', username: 'admin' }]);

    const id = screen.getByLabelText(/^Id/);
    await user.clear(id);
    await user.type(id, 'yard1');
    await user.type(name, ' East');
    expect(last().jsonData.cameras?.[0]).toMatchObject({ id: 'yard1', name: 'Back Yard East' });
  });

  it('keeps the id of a saved camera when it is renamed', async () => {
    const { user, last } = await setup(saved);
    const [name] = screen.getAllByLabelText(/^Name/);
    await user.type(name, ' porch');
    expect(last().jsonData.cameras?.[0]).toMatchObject({ id: 'front', name: 'Front door porch' });
  });

  it('shows validation messages: duplicate id, empty host, bad interval', async () => {
    const { user } = await setup(saved);
    const ids = screen.getAllByLabelText(/^Id/);
    await user.clear(ids[1]);
    await user.type(ids[1], 'front');
    expect(screen.getByText('Id "front" is already used by camera 1 (Front door)')).toBeInTheDocument();

    const hosts = screen.getAllByLabelText(/^Host/);
    await user.clear(hosts[1]);
    expect(within(screen.getByTestId('camera-1')).getByText(/Host is required/)).toBeInTheDocument();

    const polls = screen.getAllByLabelText(/^Poll interval/);
    await user.type(polls[0], '0');
    expect(screen.getByText('Poll interval must be a whole number of seconds from 1 to 86400')).toBeInTheDocument();
    await user.type(polls[0], '5');
    expect(screen.queryByText(/Poll interval must be/)).not.toBeInTheDocument();
  });

  it('shows saved passwords as configured and resets them', async () => {
    const { user, last } = await setup(saved);
    const front = screen.getByTestId('camera-0');
    const configured = within(front).getAllByDisplayValue('configured');
    expect(configured).toHaveLength(2);
    const garage = screen.getByTestId('camera-1');
    expect(within(garage).queryByDisplayValue('configured')).not.toBeInTheDocument();

    await user.click(within(front).getAllByRole('button', { name: 'Reset' })[0]);
    expect(last().secureJsonFields).toMatchObject({ 'password.front': false, 'cameraPassword.front': true });
    expect(last().secureJsonData).toEqual({ 'password.front': '' });
    expect(within(front).getAllByDisplayValue('configured')).toHaveLength(1);
  });

  it('stores typed passwords in secureJsonData under the camera id', async () => {
    const { user, last } = await setup(saved);
    const garage = screen.getByTestId('camera-1');
    await user.type(within(garage).getByLabelText(/^TP-Link cloud password/), 'cloud-pw');
    await user.type(within(garage).getByLabelText(/^Camera account password/), 'cam-pw');
    expect(last().secureJsonData).toEqual({ 'password.garage': 'cloud-pw', 'cameraPassword.garage': 'cam-pw' });
    expect(JSON.stringify(last().jsonData)).not.toContain('pw');
  });

  it('keeps restream credentials out of jsonData: refuses them in the URL and moves them to secure fields', async () => {
    const { user, last, changes } = await setup(saved);
    const garage = screen.getByTestId('camera-1');
    const url = within(garage).getByLabelText(/^RTSP override URL/);
    // Pasted (one change, as most URLs arrive): typing it key by key re-renders both forms 39 times.
    await user.click(url);
    await user.paste('rtsp://viewer:s3cret@go2rtc:8554/garage');
    expect(within(garage).getByText(/Leave credentials out of the URL/)).toBeInTheDocument();
    await user.click(within(garage).getByRole('button', { name: /Move the user and password to the secure fields/ }));
    expect(last().jsonData.cameras?.[1]?.rtspUrlOverride).toBe('rtsp://go2rtc:8554/garage');
    expect(last().secureJsonData).toMatchObject({
      'restreamUser.garage': 'viewer',
      'restreamPassword.garage': 's3cret',
    });
    expect(within(garage).queryByText(/Leave credentials out of the URL/)).not.toBeInTheDocument();
    expect(JSON.stringify(last().jsonData)).not.toContain('s3cret');

    // Typed straight into the secure fields: never in jsonData at any step.
    const front = screen.getByTestId('camera-0');
    expect(within(front).queryByLabelText(/^Restream user/)).not.toBeInTheDocument();
    await user.click(within(front).getByLabelText(/^RTSP override URL/));
    await user.paste('rtsp://nvr:8554/front');
    await user.type(within(front).getByLabelText(/^Restream user/), 'nvr');
    await user.type(within(front).getByLabelText(/^Restream password/), 'nvr-pw');
    expect(last().secureJsonData).toMatchObject({ 'restreamUser.front': 'nvr', 'restreamPassword.front': 'nvr-pw' });
    const since = changes.slice(-12);
    expect(since.every((c) => !JSON.stringify(c.jsonData).includes('nvr-pw'))).toBe(true);
  });

  it('moves unsaved passwords with an id change and clears saved ones, saying so', async () => {
    const { user, last } = await setup(saved);
    const front = screen.getByTestId('camera-0');
    const ids = screen.getAllByLabelText(/^Id/);
    await user.clear(ids[0]);
    await user.type(ids[0], 'porch');
    expect(last().secureJsonFields).toMatchObject({ 'password.front': false, 'cameraPassword.front': false });
    expect(within(front).queryByDisplayValue('configured')).not.toBeInTheDocument();
    // The warning is an alert, announced as such, inside the camera's form.
    expect(within(front).getByRole('alert', { name: 'Saved as “front”' })).toHaveTextContent(/passwords were cleared/);

    await user.type(within(front).getByLabelText(/^TP-Link cloud password/), 'pw');
    await user.clear(ids[0]);
    await user.type(ids[0], 'porch2');
    expect(last().secureJsonData?.['password.porch2']).toBe('pw');
    expect(last().secureJsonData?.['password.porch']).toBeUndefined();
  });

  it('gives saved passwords back when the id returns to the saved one, unless they were reset', async () => {
    const { user, last } = await setup(saved);
    const front = screen.getByTestId('camera-0');
    const ids = screen.getAllByLabelText(/^Id/);
    await user.type(ids[0], 'x');
    expect(last().secureJsonFields).toMatchObject({ 'password.front': false, 'cameraPassword.front': false });
    await user.type(ids[0], '{Backspace}');
    expect(last().jsonData.cameras?.[0].id).toBe('front');
    expect(last().secureJsonFields).toMatchObject({ 'password.front': true, 'cameraPassword.front': true });
    expect(last().secureJsonData ?? {}).not.toHaveProperty('password.front');
    expect(last().secureJsonData ?? {}).not.toHaveProperty('cameraPassword.front');
    expect(within(front).getAllByDisplayValue('configured')).toHaveLength(2);

    await user.click(within(front).getAllByRole('button', { name: 'Reset' })[0]);
    await user.type(ids[0], 'x{Backspace}');
    expect(last().secureJsonFields).toMatchObject({ 'password.front': false, 'cameraPassword.front': true });
    expect(last().secureJsonData?.['password.front']).toBe('');
  });

  it('never lets a camera typed to another camera’s id show, reset or overwrite that camera’s saved password', async () => {
    // The seen sequence: camera 2's id typed to camera 1's, then camera 2's password reset and typed.
    const { user, changes, last } = await setup(saved);
    const garage = screen.getByTestId('camera-1');
    const ids = screen.getAllByLabelText(/^Id/);
    await user.clear(ids[1]);
    await user.type(ids[1], 'front');
    expect(ids[1]).toHaveValue('front');
    expect(within(garage).getByText('Id "front" is already used by camera 1 (Front door)')).toBeInTheDocument();
    // Camera 1's saved passwords do not show on camera 2, so camera 2 has nothing of them to reset.
    expect(within(garage).queryByDisplayValue('configured')).not.toBeInTheDocument();
    expect(within(garage).queryByRole('button', { name: 'Reset' })).not.toBeInTheDocument();
    await user.type(within(garage).getByLabelText(/^TP-Link cloud password/), 'garage-pw');

    for (const change of changes) {
      expect(change.jsonData.cameras?.filter((c) => c.id === 'front')).toHaveLength(1);
      expect(change.secureJsonFields).toMatchObject({ 'password.front': true, 'cameraPassword.front': true });
      expect(change.secureJsonData ?? {}).not.toHaveProperty('password.front');
      expect(change.secureJsonData ?? {}).not.toHaveProperty('cameraPassword.front');
    }
    expect(within(screen.getByTestId('camera-0')).getAllByDisplayValue('configured')).toHaveLength(2);
    // The refused id never reached jsonData; a free id is taken and carries what was typed.
    expect(last().jsonData.cameras?.map((c) => c.id)).toEqual(['front', 'fron']);
    await user.type(ids[1], '2');
    expect(last().jsonData.cameras?.map((c) => c.id)).toEqual(['front', 'front2']);
    expect(last().secureJsonData).toEqual({ 'password.front2': 'garage-pw' });
    expect(last().secureJsonFields).toMatchObject({ 'password.front': true, 'cameraPassword.front': true });
  });

  it('lets only the saved holder of an id loaded twice see or change its passwords', async () => {
    const { user, last } = await setup(
      settings({
        jsonData: {
          cameras: [
            { id: 'cam', name: 'Porch', host: '10.0.0.2' },
            { id: 'cam', name: 'Garage', host: '10.0.0.3' },
          ],
        },
        secureJsonFields: { 'password.cam': true },
      })
    );
    const second = screen.getByTestId('camera-1');
    expect(within(screen.getByTestId('camera-0')).getByDisplayValue('configured')).toBeInTheDocument();
    expect(within(second).queryByDisplayValue('configured')).not.toBeInTheDocument();
    expect(within(second).getByLabelText(/^TP-Link cloud password/)).toBeDisabled();
    await user.click(within(screen.getByTestId('camera-0')).getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields).toMatchObject({ 'password.cam': false });
  });

  it('never hands one camera’s typed password to another while an id is briefly a duplicate', async () => {
    const { user, last } = await setup(
      settings({
        jsonData: {
          cameras: [
            { id: 'cam', name: 'Porch', host: '10.0.0.2' },
            { id: 'cam2', name: 'Garage', host: '10.0.0.3' },
          ],
        },
      })
    );
    await user.type(within(screen.getByTestId('camera-0')).getByLabelText(/^TP-Link cloud password/), 'porch-pw');
    await user.type(within(screen.getByTestId('camera-1')).getByLabelText(/^TP-Link cloud password/), 'garage-pw');
    const ids = screen.getAllByLabelText(/^Id/);
    await user.type(ids[1], '{Backspace}-garage');
    expect(last().jsonData.cameras?.map((c) => c.id)).toEqual(['cam', 'cam-garage']);
    expect(last().secureJsonData?.['password.cam']).toBe('porch-pw');
    expect(last().secureJsonData?.['password.cam-garage']).not.toBe('porch-pw');
  });

  it('forgets the old id once the settings are saved', async () => {
    const changes: Settings[] = [];
    const onOptionsChange = (next: Settings) => changes.push(next);
    const { rerender } = render(<ConfigEditor options={{ ...saved, version: 1 }} onOptionsChange={onOptionsChange} />);
    await userEvent.click(screen.getByRole('button', { name: 'Edit camera 1' }));
    const moved = { ...saved, version: 1, jsonData: { cameras: [{ ...saved.jsonData.cameras![0], id: 'porch' }] } };
    rerender(<ConfigEditor options={moved} onOptionsChange={onOptionsChange} />);
    expect(screen.getByText('Saved as “front”')).toBeInTheDocument();
    rerender(<ConfigEditor options={{ ...moved, version: 2 }} onOptionsChange={onOptionsChange} />);
    expect(screen.queryByText('Saved as “front”')).not.toBeInTheDocument();
  });

  it('removes a camera and clears its stored passwords', async () => {
    const { user, last } = await setup(saved);
    await user.click(screen.getByRole('button', { name: 'Remove camera 1' }));
    // Nothing is removed before the confirmation.
    expect(last()).toBeUndefined();
    await user.click(screen.getByRole('button', { name: 'Remove with its passwords' }));
    expect(last().jsonData.cameras?.map((c) => c.id)).toEqual(['garage']);
    expect(last().secureJsonFields).toMatchObject({ 'password.front': false, 'cameraPassword.front': false });
    expect(screen.getAllByLabelText(/^Name/)).toHaveLength(1);
    expect(screen.getByLabelText(/^Name/)).toHaveValue('Garage');
  });

  it('folds connection and defaults under Additional settings, and edits them there', async () => {
    const { user, last } = await setup(settings());
    const fold = screen.getByRole('button', { name: 'Additional settings' });
    expect(fold).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByLabelText(/^History retention/)).not.toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Managed' })).not.toBeInTheDocument();
    await user.click(fold);
    expect(fold).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('radio', { name: 'Managed' })).toBeChecked();
    await user.type(screen.getByLabelText(/^History retention/), '48');
    await user.type(screen.getByLabelText(/^Pictures per second/), '12');
    await user.type(screen.getByLabelText(/^Default poll interval/), '15');
    await user.type(screen.getByLabelText(/^Picture width/), '800');
    expect(last().jsonData).toMatchObject({
      retentionHours: 48,
      liveFps: 12,
      defaultPollIntervalSeconds: 15,
      liveWidth: 800,
    });
    expect(screen.getByText('Live frame rate must be a whole number from 1 to 10')).toBeInTheDocument();
    await user.clear(screen.getByLabelText(/^Pictures per second/));
    expect(last().jsonData.liveFps).toBeUndefined();
    await user.click(fold);
    expect(screen.queryByLabelText(/^History retention/)).not.toBeInTheDocument();
  });

  it('opens folded on an error in Additional settings, and counts it in the summary', async () => {
    await setup(settings({ jsonData: { retentionHours: 0 } }));
    expect(screen.getByRole('button', { name: 'Additional settings' })).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('list', { name: 'Settings that need attention' })).toHaveTextContent(
      'Additional settings: Retention must be a whole number of hours'
    );
  });

  it('lists six cameras as one compact row each, the accounts help only above an open form', async () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ id: `cam${i}`, name: `Camera ${i}`, host: `10.0.0.${i + 2}` }));
    const { user } = await setup(settings({ jsonData: { cameras: six } }), { expand: false });
    expect(screen.getAllByTestId(/^camera-row-\d$/)).toHaveLength(6);
    // Folded rows hold no form field: only their toggle, switch and remove button.
    expect(screen.queryAllByRole('textbox')).toHaveLength(0);
    expect(screen.getAllByRole('switch')).toHaveLength(6);
    expect(screen.queryByText(/Each camera uses two different accounts/)).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Edit camera 4' }));
    // Above the open form, not above the rows (which it would push down).
    expect(
      within(screen.getByTestId('camera-row-3')).getByText(/Each camera uses two different accounts/)
    ).toBeInTheDocument();
    expect(within(screen.getByTestId('camera-row-3')).getByLabelText(/^Name/)).toHaveValue('Camera 3');
    expect(screen.getAllByLabelText(/^Name/)).toHaveLength(1);
  });

  it('opens the camera an error line of the summary names', async () => {
    const { user } = await setup(
      settings({
        jsonData: {
          cameras: [
            { id: 'front', name: 'Front door', host: '10.0.0.2' },
            { id: 'garage', name: 'Garage', host: 'http://garage' },
          ],
        },
      }),
      { expand: false }
    );
    const summary = screen.getByRole('list', { name: 'Settings that need attention' });
    await user.click(within(summary).getByRole('button', { name: /^Camera 2 \(Garage\): Host is an IP address/ }));
    const form = within(screen.getByTestId('camera-row-1'));
    expect(form.getByLabelText(/^Host/)).toHaveValue('http://garage');
    expect(form.getByText(/Host is an IP address or hostname/)).toBeInTheDocument();
    expect(within(screen.getByTestId('camera-row-0')).queryByLabelText(/^Host/)).not.toBeInTheDocument();
  });

  it('names the camera stream as the query editor does', async () => {
    const { user, last } = await setup(saved);
    const garage = within(screen.getByTestId('camera-1'));
    expect(garage.getByText('Camera stream')).toBeInTheDocument();
    expect(garage.getByRole('radio', { name: 'Small (stream2)' })).toBeChecked();
    await user.click(garage.getByRole('radio', { name: 'Full size (stream1)' }));
    expect(last().jsonData.cameras?.[1].stream).toBe('stream1');
  });

  it('lists cameras as compact rows with live status, marks errors on the row and sums them up at the top', async () => {
    const fetch = jest.fn().mockImplementation(({ url }: { url: string }) =>
      url.endsWith('/resources/cameras')
        ? of({
            data: [{ id: 'front', name: 'Front door', model: 'C210', status: 'online', host: '10.0.0.2', ptz: true }],
          })
        : throwError(() => ({ status: 404, data: {} }))
    );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    await setup(
      settings({
        uid: 'ds-1',
        jsonData: { cameras: [...saved.jsonData.cameras!.slice(0, 1), { id: 'garage', name: 'Garage', host: '' }] },
      }),
      { expand: false }
    );
    expect(screen.queryByLabelText(/^Host/)).not.toBeInTheDocument();
    const front = screen.getByTestId('camera-row-0');
    expect(await within(front).findByText('Online')).toBeInTheDocument();
    expect(within(front).getByText(/10\.0\.0\.2 · C210/)).toBeInTheDocument();
    expect(within(front).queryByText('Needs attention')).not.toBeInTheDocument();
    expect(within(screen.getByTestId('camera-row-1')).getByText('Needs attention')).toBeInTheDocument();
    const summary = screen.getByRole('list', { name: 'Settings that need attention' });
    expect(summary).toHaveTextContent('Camera 2 (Garage): Host is required');
  });

  it('marks a camera another datasource polls, and one this datasource keeps while another lists it', async () => {
    const fetch = jest.fn().mockImplementation(({ url }: { url: string }) => {
      if (url.endsWith('/resources/cameras')) {
        return of({
          data: [{ id: 'garage', name: 'Garage', model: 'C110', status: 'online', host: '10.0.0.3', ptz: false }],
        });
      }
      if (url.endsWith('/resources/ownership')) {
        return of({
          data: {
            cameras: [
              {
                cameraId: 'front',
                role: 'lost',
                other: 'datasource "Tapo house"',
                message: 'polled by datasource "Tapo house" (which had it first), not by this datasource',
              },
              {
                cameraId: 'garage',
                role: 'kept',
                other: 'datasource "Tapo old"',
                message: 'also listed by datasource "Tapo old", which does not poll it',
              },
            ],
          },
        });
      }
      return throwError(() => ({ status: 404, data: {} }));
    });
    setBackendSrv({ fetch } as unknown as BackendSrv);
    await setup(settings({ ...saved, uid: 'ds-1' }), { expand: false });
    const front = screen.getByTestId('camera-row-0');
    expect(await within(front).findByText('Polled by another datasource')).toBeInTheDocument();
    expect(within(front).queryByText(/not polled yet/)).not.toBeInTheDocument();
    const garage = screen.getByTestId('camera-row-1');
    expect(within(garage).getByText('Also in another datasource')).toBeInTheDocument();
    expect(within(garage).getByText('Online')).toBeInTheDocument();
    expect(within(garage).queryByText('Polled by another datasource')).not.toBeInTheDocument();
  });

  it('shows no ownership mark when the sidecar does not answer it (an older sidecar)', async () => {
    const fetch = jest.fn().mockReturnValue(throwError(() => ({ status: 404, data: { error: 'no such resource' } })));
    setBackendSrv({ fetch } as unknown as BackendSrv);
    await setup(settings({ ...saved, uid: 'ds-1' }), { expand: false });
    expect(await within(screen.getByTestId('camera-row-0')).findByText(/not polled yet/)).toBeInTheDocument();
    expect(screen.queryByText('Polled by another datasource')).not.toBeInTheDocument();
    expect(screen.queryByText('Also in another datasource')).not.toBeInTheDocument();
  });

  it('refreshes the rows’ status badges when Save & test finishes (it polled every camera)', async () => {
    let status = 'unknown';
    const fetch = jest
      .fn()
      .mockImplementation(({ url }: { url: string }) =>
        url.endsWith('/resources/cameras')
          ? of({ data: [{ id: 'front', name: 'Front door', model: 'C210', status, host: '10.0.0.2', ptz: true }] })
          : url.endsWith('/health')
            ? of({ data: { status: 'OK', message: 'All 1 cameras answer.\n✓ Front door: reachable in 12 ms' } })
            : throwError(() => ({ status: 404, data: {} }))
      );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    await setup(settings({ uid: 'ds-1', jsonData: { cameras: saved.jsonData.cameras!.slice(0, 1) } }), {
      expand: false,
    });
    const front = screen.getByTestId('camera-row-0');
    expect(await within(front).findByText('Unknown')).toBeInTheDocument();
    // Grafana's settings page runs Save & test through the datasource; the check polls the camera.
    status = 'online';
    const ds = new DataSource({ ...settings({ uid: 'ds-1' }), meta: {} } as never);
    await act(async () => void (await ds.testDatasource()));
    expect(await within(front).findByText('Online')).toBeInTheDocument();
    // An answer for another datasource changes nothing.
    status = 'offline';
    await act(
      async () => void (await new DataSource({ ...settings({ uid: 'ds-2' }), meta: {} } as never).testDatasource())
    );
    expect(within(front).getByText('Online')).toBeInTheDocument();
  });

  it('shows a new camera’s missing fields only once touched', async () => {
    const { user } = await setup(settings());
    await user.click(screen.getByRole('button', { name: /Add camera/ }));
    expect(screen.getByLabelText(/^Name/)).toBeInTheDocument();
    expect(screen.queryByText(/is required/)).not.toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Settings that need attention' })).not.toBeInTheDocument();
    await user.type(screen.getByLabelText(/^Host/), 'x');
    await user.clear(screen.getByLabelText(/^Host/));
    expect(screen.getAllByText(/Host is required/).length).toBe(2);
    expect(screen.getByRole('list', { name: 'Settings that need attention' })).toHaveTextContent('Camera 1');
    expect(screen.queryByText(/Name is required/)).not.toBeInTheDocument();
  });

  it('disables a camera from its row and shows it disabled', async () => {
    const { user, last } = await setup(saved, { expand: false });
    const row = screen.getByTestId('camera-row-1');
    expect(within(row).queryByText('Disabled')).not.toBeInTheDocument();
    await user.click(within(row).getByRole('switch', { name: 'Enable camera 2' }));
    expect(last().jsonData.cameras?.[1]).toMatchObject({ id: 'garage', disabled: true });
    expect(within(row).getByText('Disabled')).toBeInTheDocument();
    // Its name and host are dimmed with the whole summary line; camera 1 is not.
    expect(within(row).getByText('Garage').closest('[data-disabled]')).toHaveAttribute('data-disabled', 'true');
    expect(
      within(screen.getByTestId('camera-row-0')).getByText('Front door').closest('[data-disabled]')
    ).toHaveAttribute('data-disabled', 'false');
    expect(within(row).getByRole('switch', { name: 'Enable camera 2' })).not.toBeChecked();
  });

  it('tests a saved camera through the sidecar and says what to fix; an unsaved one cannot be tested', async () => {
    const fetch = jest.fn().mockImplementation(({ url }: { url: string }) =>
      url.endsWith('/resources/cameras/front/test')
        ? of({
            data: {
              cameraId: 'front',
              name: 'Front door',
              ok: false,
              status: 'auth_failed',
              problem: 'wrong password, or Third-Party Compatibility off? (Tapo app → Me → Tapo Lab)',
              model: null,
              firmware: null,
              message: 'wrong password, or Third-Party Compatibility off? (Tapo app → Me → Tapo Lab): -40401',
            },
          })
        : throwError(() => ({ status: 404, data: {} }))
    );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const { user } = await setup({ ...saved, uid: 'ds-1' });
    await user.click(screen.getByRole('button', { name: 'Test camera 1' }));
    expect(await screen.findByText(/^To fix: wrong password, or Third-Party Compatibility off/)).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({ url: '/api/datasources/uid/ds-1/resources/cameras/front/test', method: 'POST' })
    );

    await user.click(screen.getByRole('button', { name: /Add camera/ }));
    expect(screen.getByRole('button', { name: 'Test camera 3' })).toBeDisabled();
    expect(screen.getAllByText(/Save the datasource first/)).toHaveLength(1);
  });

  it('finds cameras on the network, marks the configured ones and adds one prefilled, as a folded row', async () => {
    const found = (host: string, over: object) => ({
      host,
      model: 'C210',
      name: null,
      mac: '00-11-22-33-44-55',
      deviceType: 'SMART.IPCAMERA',
      firmware: null,
      hardwareVersion: null,
      loginVersion: 3,
      httpsPort: 443,
      factoryDefault: false,
      configuredAs: null,
      ...over,
    });
    const fetch = jest.fn().mockImplementation(({ url }: { url: string }) =>
      url.endsWith('/resources/discover')
        ? of({
            data: {
              cameras: [
                found('10.0.0.2', {}),
                found('10.0.0.9', { name: 'Hall', model: 'C200', mac: 'AA-BB-CC-DD-EE-FF', loginVersion: 4 }),
              ],
              malformed: 0,
              otherDevices: 0,
              targets: ['10.0.0.255'],
              timeoutMs: 3000,
            },
          })
        : throwError(() => ({ status: 404, data: {} }))
    );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const { user, last } = await setup({ ...saved, uid: 'ds-1' }, { expand: false });
    await user.click(screen.getByText('Find cameras on my network'));
    await user.type(screen.getByLabelText(/^Address to ask/), '10.0.0.9');
    await user.click(screen.getByRole('button', { name: 'Find cameras' }));
    const table = await screen.findByRole('table', { name: 'Cameras found' });
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/datasources/uid/ds-1/resources/discover',
        method: 'POST',
        data: { target: '10.0.0.9' },
      })
    );
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('Added as camera 1');
    expect(rows[2]).toHaveTextContent('C200 (Hall)');
    expect(rows[2]).toHaveTextContent('AA-BB-CC-DD-EE-FF');
    expect(rows[2]).toHaveTextContent('new firmware login (TPAP)');
    await user.click(within(rows[2]).getByRole('button', { name: 'Add 10.0.0.9' }));
    expect(last().jsonData.cameras?.[2]).toEqual({ id: 'hall', name: 'Hall', host: '10.0.0.9', username: 'admin' });
    expect(within(table).getAllByRole('row')[2]).toHaveTextContent('Added as camera 3');
    // Added as a folded row (its form opens from the row), with no password when none was typed.
    expect(screen.getByRole('button', { name: 'Edit camera 3' })).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByLabelText(/^Name/)).not.toBeInTheDocument();
    expect(last().secureJsonData ?? {}).not.toHaveProperty('password.hall');
  });

  it('says when no camera answered or the search failed', async () => {
    let asked = 0;
    const fetch = jest.fn().mockImplementation(({ url }: { url: string }) => {
      if (!url.endsWith('/resources/discover')) {
        return throwError(() => ({ status: 404, data: {} }));
      }
      asked++;
      return asked === 1
        ? of({ data: { cameras: [], malformed: 1, otherDevices: 0, targets: ['192.168.1.255'], timeoutMs: 3000 } })
        : throwError(() => ({ status: 403, data: { error: 'discover needs the Editor or Admin role' } }));
    });
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const { user } = await setup(settings({ uid: 'ds-1' }));
    await user.click(screen.getByText('Find cameras on my network'));
    const find = screen.getByRole('button', { name: 'Find cameras' });
    await user.click(find);
    expect(await screen.findByText('No camera answered')).toBeInTheDocument();
    expect(screen.getByText(/Asked 192\.168\.1\.255 for 3000 ms/)).toBeInTheDocument();
    await user.click(find);
    expect(await screen.findByText(/discover needs the Editor or Admin role/)).toBeInTheDocument();
  });

  it('in sidecar mode shows the sidecar the saved datasource reached', async () => {
    const fetch = jest
      .fn()
      .mockReturnValue(of({ data: { connection: 'sidecar', address: '10.1.1.9:50051', version: '0.1.0' } }));
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const { user, last } = await setup(settings({ uid: 'ds-1' }));
    await user.click(screen.getByText('Additional settings'));
    await user.click(screen.getByRole('radio', { name: 'Sidecar' }));
    expect(last().jsonData.connection).toBe('sidecar');
    expect(await screen.findByText('10.1.1.9:50051')).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledWith(expect.objectContaining({ url: '/api/datasources/uid/ds-1/resources/info' }));
  });

  it('counts a 404 from the sidecar as reached', async () => {
    const fetch = jest.fn().mockReturnValue(throwError(() => ({ status: 404, data: { error: 'no resource "info"' } })));
    setBackendSrv({ fetch } as unknown as BackendSrv);
    await setup(settings({ uid: 'ds-1', jsonData: { connection: 'sidecar' } }));
    expect(await screen.findByText('The sidecar answers, but does not report its address.')).toBeInTheDocument();
  });

  it('says when the sidecar was not reached', async () => {
    const fetch = jest
      .fn()
      .mockReturnValue(throwError(() => ({ status: 502, data: { message: 'connection refused' } })));
    setBackendSrv({ fetch } as unknown as BackendSrv);
    await setup(settings({ uid: 'ds-1', jsonData: { connection: 'sidecar' } }));
    expect(await screen.findByText('The sidecar was not reached')).toBeInTheDocument();
    expect(screen.getByText(/connection refused/)).toBeInTheDocument();
  });
});
