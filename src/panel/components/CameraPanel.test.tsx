import { type DataFrame, FieldType, createDataFrame, createTheme } from '@grafana/data';
import { type BackendSrv, config, setBackendSrv } from '@grafana/runtime';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { ThemeContext } from '@grafana/ui';
import { of, throwError } from 'rxjs';

import { panelProps } from '../../test-utils/panelProps';
import { CONTROL_BAR_PX } from '../layout';
import { PRIVACY_TEXT } from '../tileMessage';
import { CameraPanel } from './CameraPanel';

const NOW = 1_700_000_000_000;
const JPEG = (n: number) => `/9j/${'Q'.repeat(30)}${String(n).padStart(6, '0')}${'R'.repeat(80)}`;

interface Cam {
  id: string;
  name: string;
  n?: number;
  time?: number;
  status?: string;
  lastSeen?: number;
  motion?: boolean;
  error?: string | null;
  privacy?: boolean | null;
}

function framesFor(cams: Cam[], uid = 'uid-1'): DataFrame[] {
  return cams.map((c) =>
    createDataFrame({
      refId: 'A',
      meta: { channel: `ds/${uid}/camera/${c.id}/frames/2/640` },
      fields: [
        { name: 'time', type: FieldType.time, values: [c.time ?? NOW - 3000] },
        { name: 'camera_id', type: FieldType.string, values: [c.id] },
        { name: 'camera_name', type: FieldType.string, values: [c.name] },
        { name: 'width', type: FieldType.number, values: [640] },
        { name: 'height', type: FieldType.number, values: [360] },
        { name: 'jpeg', type: FieldType.string, values: [JPEG(c.n ?? 1)] },
        { name: 'status', type: FieldType.string, values: [c.status ?? 'online'] },
        { name: 'last_seen', type: FieldType.time, values: [c.lastSeen ?? NOW - 3000] },
        { name: 'motion', type: FieldType.boolean, values: [c.motion ?? false] },
        { name: 'error', type: FieldType.string, values: [c.error ?? null] },
        { name: 'privacy_mode', type: FieldType.boolean, values: [c.privacy ?? null] },
      ],
    })
  );
}

let created: string[];
let revoked: string[];
let fetch: jest.Mock;

/** What the fake sidecar answers on resources/me: the caller's role and whether it takes controls from them. */
let access: unknown;
function setRole(role: string, controls = role === 'Admin' || role === 'Editor') {
  access = { role, controls };
}
const ME = '/api/datasources/uid/uid-1/resources/me';
/** Lets the resources/me answers reach the panel. */
const settle = () => act(async () => undefined);

beforeEach(() => {
  jest.useFakeTimers({ now: NOW });
  created = [];
  revoked = [];
  let n = 0;
  URL.createObjectURL = jest.fn(() => {
    const url = `blob:panel/${++n}`;
    created.push(url);
    return url;
  });
  URL.revokeObjectURL = jest.fn((url: string) => void revoked.push(url));
  fetch = jest.fn((req: { url: string }) => {
    if (req.url.endsWith('/resources/me')) {
      return of({ data: access });
    }
    if (req.url.endsWith('/resources/cameras')) {
      return of({
        data: [
          {
            id: 'front',
            name: 'Front door',
            model: 'C210',
            status: 'online',
            host: 'h',
            ptz: true,
            privacyMode: false,
          },
          { id: 'garage', name: 'Garage', model: 'C100', status: 'online', host: 'h', ptz: false },
        ],
      });
    }
    return of({ data: {} });
  });
  setBackendSrv({ fetch } as unknown as BackendSrv);
  setRole('Viewer');
});

afterEach(() => {
  jest.useRealTimers();
});

/** A theme colour as computed styles give it. */
function rgb(color: string): string {
  const d = document.createElement('div');
  d.style.color = color;
  document.body.appendChild(d);
  const out = getComputedStyle(d).color;
  d.remove();
  return out;
}

const user = () => userEvent.setup({ advanceTimers: jest.advanceTimersByTime });

describe('CameraPanel', () => {
  it('renders a tile per camera with name, status, picture and frame age', () => {
    render(
      <CameraPanel
        {...panelProps(
          framesFor([
            { id: 'front', name: 'Front door' },
            { id: 'garage', name: 'Garage' },
          ])
        )}
      />
    );
    const tiles = screen.getAllByTestId('camera-tile');
    expect(tiles).toHaveLength(2);
    const front = within(tiles[0]);
    expect(front.getByText('Front door')).toBeInTheDocument();
    expect(front.getByText('Online')).toBeInTheDocument();
    expect(front.getByRole('img')).toHaveAttribute('src', 'blob:panel/1');
    expect(front.getByTestId('frame-age')).toHaveTextContent('picture 3 s old');
  });

  it('ages frames as the clock runs, without decoding them again', () => {
    render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
    act(() => {
      jest.advanceTimersByTime(5000);
    });
    expect(screen.getByTestId('frame-age')).toHaveTextContent('picture 8 s old');
    expect(created).toHaveLength(1);
  });

  it('shows a motion badge only on a camera with motion (no unlit badge on every tile)', () => {
    render(
      <CameraPanel
        {...panelProps(
          framesFor([
            { id: 'front', name: 'Front door', motion: true },
            { id: 'garage', name: 'Garage', motion: false },
          ])
        )}
      />
    );
    const [front, garage] = screen.getAllByTestId('camera-tile');
    expect(within(front).getByTestId('motion-badge')).toHaveAccessibleName('Motion detected');
    expect(within(garage).queryByTestId('motion-badge')).not.toBeInTheDocument();
    expect(within(garage).queryByText('Motion')).not.toBeInTheDocument();
  });

  it('dims an offline camera’s last frame and gives the reason and last contact', () => {
    render(
      <CameraPanel
        {...panelProps(
          framesFor([
            {
              id: 'garage',
              name: 'Garage',
              status: 'offline',
              error: 'timeout after 5 s',
              lastSeen: NOW - 10 * 60_000,
            },
          ])
        )}
      />
    );
    const tile = screen.getByTestId('camera-tile');
    expect(tile).toHaveAttribute('data-offline', 'true');
    expect(within(tile).getByRole('img')).toHaveAttribute('src', 'blob:panel/1');
    expect(within(tile).getByRole('status')).toHaveTextContent('timeout after 5 s');
    expect(within(tile).getByText('Offline')).toBeInTheDocument();
    expect(within(tile).getByTestId('tile-status')).toHaveTextContent('Offline · last answered 10 min ago');
    const img = within(tile).getByRole('img');
    expect(getComputedStyle(img).opacity).toBe('0.35');
  });

  it('shows why there is no picture when an online camera sends a row without one', () => {
    const [frame] = framesFor([{ id: 'front', name: 'Front door', error: 'ffmpeg exited: 401 Unauthorized' }]);
    frame.fields.find((f) => f.name === 'jpeg')!.values[0] = '';
    render(<CameraPanel {...panelProps([frame])} />);
    const tile = screen.getByTestId('camera-tile');
    expect(tile).toHaveAttribute('data-offline', 'false');
    expect(within(tile).queryByRole('img')).not.toBeInTheDocument();
    expect(within(tile).getByText('ffmpeg exited: 401 Unauthorized')).toBeInTheDocument();
    expect(within(tile).queryByText('No picture yet')).not.toBeInTheDocument();
  });

  it('hides controls from viewers: asks the sidecar what the user may do, and calls nothing else', async () => {
    render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
    await settle();
    expect(screen.queryByTestId('tile-controls')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Move up/ })).not.toBeInTheDocument();
    expect(fetch.mock.calls.map(([req]) => [req.method ?? 'GET', req.url])).toEqual([['GET', ME]]);
  });

  it('follows the sidecar, which enforces the rule, not Grafana’s boot config', async () => {
    // Grafana says Admin (a server admin, say), the sidecar sees a Viewer in this org: no controls.
    config.bootData = {
      ...config.bootData,
      user: { ...config.bootData?.user, orgRole: 'Admin' },
    } as typeof config.bootData;
    setRole('Viewer');
    render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
    await settle();
    expect(screen.queryByTestId('tile-controls')).not.toBeInTheDocument();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('shows no controls when the sidecar cannot say (an older sidecar, an error, a garbled answer)', async () => {
    for (const answer of [
      () => throwError(() => ({ status: 404, data: { error: 'no resource "me" (try "cameras")' } })),
      () => of({ data: 'Editor' }),
      () => of({ data: { role: 'Editor', controls: 'yes' } }),
    ]) {
      fetch.mockImplementation((req: { url: string }) => (req.url === ME ? answer() : of({ data: [] })));
      const { unmount } = render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
      await settle();
      expect(screen.queryByTestId('tile-controls')).not.toBeInTheDocument();
      unmount();
    }
  });

  it('gives controls per datasource: only where that datasource’s sidecar says yes', async () => {
    fetch.mockImplementation((req: { url: string }) =>
      req.url.endsWith('/resources/me')
        ? of({ data: { role: 'Editor', controls: req.url.includes('/uid/uid-1/') } })
        : of({ data: [] })
    );
    render(
      <CameraPanel
        {...panelProps([
          ...framesFor([{ id: 'front', name: 'Front door' }], 'uid-1'),
          ...framesFor([{ id: 'shed', name: 'Shed' }], 'uid-2'),
        ])}
      />
    );
    await settle();
    const [front, shed] = screen.getAllByTestId('camera-tile');
    expect(within(front).getByTestId('tile-controls')).toBeInTheDocument();
    expect(within(shed).queryByTestId('tile-controls')).not.toBeInTheDocument();
    const asked = fetch.mock.calls.map(([req]) => req.url);
    expect(asked).toContain('/api/datasources/uid/uid-2/resources/me');
    expect(asked).not.toContain('/api/datasources/uid/uid-2/resources/cameras');
  });

  it('asks nothing when the panel’s controls are switched off', async () => {
    setRole('Admin');
    render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]), { showControls: false })} />);
    await settle();
    expect(screen.queryByTestId('tile-controls')).not.toBeInTheDocument();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('gives editors PTZ on PTZ cameras through the datasource resources', async () => {
    setRole('Editor');
    render(
      <CameraPanel
        {...panelProps(
          framesFor([
            { id: 'front', name: 'Front door' },
            { id: 'garage', name: 'Garage' },
          ])
        )}
      />
    );
    const [front, garage] = screen.getAllByTestId('camera-tile');
    const up = await within(front).findByRole('button', { name: 'Move up' });
    expect(within(garage).queryByRole('button', { name: 'Move up' })).not.toBeInTheDocument();
    expect(within(garage).getByRole('button', { name: 'Download snapshot' })).toBeInTheDocument();
    await user().click(up);
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/datasources/uid/uid-1/resources/cameras/front/ptz',
        method: 'POST',
        data: { direction: 90 },
      })
    );
  });

  it('toggles privacy mode and shows a refusal in words', async () => {
    setRole('Admin');
    render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
    const toggle = await screen.findByRole('button', { name: 'Turn privacy mode on' });
    await user().click(toggle);
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/datasources/uid/uid-1/resources/cameras/front/privacy',
        data: { enabled: true },
      })
    );
    expect(await screen.findByRole('button', { name: 'Privacy mode is on: turn it off' })).toBeInTheDocument();

    fetch.mockImplementation(() =>
      throwError(() => ({ status: 403, data: { error: 'privacy needs the Editor or Admin role (you are Viewer)' } }))
    );
    await user().click(screen.getByRole('button', { name: 'Privacy mode is on: turn it off' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Privacy: privacy needs the Editor or Admin role (you are Viewer)'
    );
  });

  it('downloads a snapshot from the snapshot resource and releases its object URL', async () => {
    setRole('Editor');
    const blob = new Blob(['jpeg'], { type: 'image/jpeg' });
    fetch.mockImplementation((req: { url: string }) =>
      req.url.endsWith('/snapshot') ? of({ data: blob }) : of({ data: req.url === ME ? access : [] })
    );
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
    await user().click(await screen.findByRole('button', { name: 'Download snapshot' }));
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/datasources/uid/uid-1/resources/cameras/front/snapshot',
        responseType: 'blob',
      })
    );
    expect(click).toHaveBeenCalledTimes(1);
    const snapshotUrl = created[created.length - 1];
    expect(revoked).toContain(snapshotUrl);
    click.mockRestore();
  });

  it('keeps only the latest frame per camera and revokes replaced and unmounted pictures', () => {
    const { rerender, unmount } = render(
      <CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door', n: 1 }]))} />
    );
    for (let n = 2; n <= 20; n++) {
      act(() => {
        jest.advanceTimersByTime(600);
      });
      rerender(
        <CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door', n, time: NOW + n * 600 }]))} />
      );
    }
    expect(created).toHaveLength(20);
    expect(revoked).toEqual(created.slice(0, 19));
    expect(screen.getByRole('img')).toHaveAttribute('src', created[19]);
    unmount();
    expect(revoked).toEqual(created);
  });

  it('shows only the cameras named in the options, in the requested columns', () => {
    render(
      <CameraPanel
        {...panelProps(
          framesFor([
            { id: 'front', name: 'Front door' },
            { id: 'garage', name: 'Garage' },
            { id: 'yard', name: 'Yard' },
          ]),
          {
            cameraFilter: 'front, Yard',
            columns: 1,
          }
        )}
      />
    );
    const tiles = screen.getAllByTestId('camera-tile');
    expect(tiles.map((t) => t.getAttribute('data-camera'))).toEqual(['front', 'yard']);
    expect(tiles[0].parentElement).toHaveStyle({ gridTemplateColumns: 'repeat(1, minmax(0, 1fr))' });
  });

  it('explains what it needs when there is no picture in the data', () => {
    const table = createDataFrame({ fields: [{ name: 'value', type: FieldType.number, values: [1] }] });
    render(<CameraPanel {...panelProps([table])} />);
    expect(screen.getByText(/No camera pictures in the data/)).toBeInTheDocument();
  });

  it('works with frames from other sources: image URLs, no status', () => {
    const frame = createDataFrame({
      name: 'Porch',
      fields: [{ name: 'url', type: FieldType.string, values: ['https://example.test/porch.jpg'] }],
    });
    render(<CameraPanel {...panelProps([frame], { overlay: false })} />);
    expect(screen.getByRole('img')).toHaveAttribute('src', 'https://example.test/porch.jpg');
    expect(screen.queryByTestId('motion-badge')).not.toBeInTheDocument();
    expect(created).toHaveLength(0);
  });

  describe('issue 14: a panel that reads at any size and theme', () => {
    const six = () => framesFor(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, name: `Camera ${id}` })));

    it('puts name and status away from Tapo’s date and time (top left) by default, or in the chosen corner', () => {
      const { unmount } = render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
      expect(screen.getByTestId('tile-labels').parentElement).toHaveAttribute('data-corner', 'top-right');
      unmount();
      render(
        <CameraPanel
          {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]), { overlayCorner: 'bottom-left' })}
        />
      );
      const overlay = screen.getByTestId('tile-labels').parentElement!;
      expect(overlay).toHaveAttribute('data-corner', 'bottom-left');
      // Bottom corners put the labels last in the column.
      expect(overlay.lastElementChild).toBe(screen.getByTestId('tile-labels'));
    });

    it('draws tiles in the theme’s colours, light and dark (no fixed black tile with grey text)', () => {
      for (const mode of ['light', 'dark'] as const) {
        const theme = createTheme({ colors: { mode } });
        const { unmount } = render(
          <ThemeContext.Provider value={theme}>
            <CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />
          </ThemeContext.Provider>
        );
        const tile = getComputedStyle(screen.getByTestId('camera-tile'));
        expect(tile.backgroundColor).toBe(rgb(theme.colors.background.secondary));
        expect(tile.color).toBe(rgb(theme.colors.text.primary));
        expect(getComputedStyle(screen.getByText('Front door')).color).toBe(rgb(theme.colors.text.primary));
        unmount();
      }
    });

    it('gives every tile a control bar of the same height, PTZ or not, so pictures in a row line up', async () => {
      setRole('Editor');
      render(
        <CameraPanel
          {...panelProps(
            framesFor([
              { id: 'front', name: 'Front door' },
              { id: 'garage', name: 'Garage' },
            ]),
            {},
            { width: 1200, height: 400 }
          )}
        />
      );
      await screen.findAllByRole('button', { name: 'Move up' });
      const bars = screen.getAllByTestId('tile-control-bar');
      expect(bars).toHaveLength(2);
      for (const bar of bars) {
        expect(getComputedStyle(bar).height).toBe(`${CONTROL_BAR_PX}px`);
        expect(bar).toHaveAttribute('data-hover', 'false');
        expect(getComputedStyle(within(bar).getByTestId('tile-controls')).flexWrap).toBe('nowrap');
      }
    });

    it('shows small tiles’ controls over the picture on hover, and folds PTZ into one button', async () => {
      setRole('Editor');
      render(
        <CameraPanel
          {...panelProps(
            framesFor([
              { id: 'front', name: 'Front door' },
              { id: 'garage', name: 'Garage' },
              { id: 'yard', name: 'Yard' },
              { id: 'shed', name: 'Shed' },
            ]),
            {},
            { width: 400, height: 300 }
          )}
        />
      );
      await settle();
      const [front] = screen.getAllByTestId('camera-tile');
      const bar = within(front).getByTestId('tile-control-bar');
      expect(bar).toHaveAttribute('data-hover', 'true');
      expect(getComputedStyle(bar).opacity).toBe('0');
      expect(await within(front).findByRole('button', { name: 'Pan and tilt' })).toBeInTheDocument();
      expect(within(front).queryByRole('button', { name: 'Move up' })).not.toBeInTheDocument();
    });

    it('does not spin the preset list before it is opened, and loads the presets when it is', async () => {
      setRole('Editor');
      fetch.mockImplementation((req: { url: string }) => {
        if (req.url === ME) {
          return of({ data: access });
        }
        if (req.url.endsWith('/resources/cameras')) {
          return of({
            data: [{ id: 'front', name: 'Front door', model: 'C210', status: 'online', host: 'h', ptz: true }],
          });
        }
        if (req.url.endsWith('/presets')) {
          return of({ data: [{ id: '1', name: 'Gate' }] });
        }
        return of({ data: {} });
      });
      render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
      const preset = await screen.findByRole('combobox', { name: 'PTZ preset' });
      const field = preset.closest('[class*="grafana-select-value-container"]')?.parentElement ?? document.body;
      expect(within(field).queryByTestId('Spinner')).not.toBeInTheDocument();
      expect(document.querySelector('[class*="spinner"], [data-testid="Spinner"]')).toBeNull();
      expect(fetch).not.toHaveBeenCalledWith(expect.objectContaining({ url: expect.stringMatching(/presets$/) }));
      await user().click(preset);
      expect(await screen.findByText('Gate')).toBeInTheDocument();
      expect(fetch).toHaveBeenCalledWith(
        expect.objectContaining({ url: '/api/datasources/uid/uid-1/resources/cameras/front/presets' })
      );
    });

    it('chooses 3×2 over 2×3 for six cameras in a wide panel with control bars', async () => {
      setRole('Editor');
      render(<CameraPanel {...panelProps(six(), {}, { width: 1200, height: 675 })} />);
      await settle();
      const grid = screen.getByTestId('camera-grid');
      expect(grid).toHaveAttribute('data-columns', '3');
      expect(grid).toHaveAttribute('data-rows', '2');
      expect(await screen.findAllByTestId('tile-control-bar')).toHaveLength(6);
    });

    it('never says how old a picture is on a tile without one', () => {
      const [frame] = framesFor([{ id: 'front', name: 'Front door' }]);
      frame.fields.find((f) => f.name === 'jpeg')!.values[0] = '';
      render(<CameraPanel {...panelProps([frame])} />);
      const tile = screen.getByTestId('camera-tile');
      expect(within(tile).queryByTestId('frame-age')).not.toBeInTheDocument();
      expect(tile).not.toHaveTextContent(/old/);
      expect(within(tile).getByTestId('tile-message')).toHaveTextContent('No picture yet');
    });

    it('tells the picture’s age apart from the camera’s last answer to a poll', () => {
      render(
        <CameraPanel
          {...panelProps(
            framesFor([
              { id: 'garage', name: 'Garage', time: NOW - 2000, status: 'offline', lastSeen: NOW - 3 * 3600_000 },
            ])
          )}
        />
      );
      const tile = screen.getByTestId('camera-tile');
      expect(within(tile).getByTestId('tile-status')).toHaveTextContent('Offline · last answered 3 h ago');
      expect(within(tile).getByTestId('frame-age')).toHaveTextContent('picture 2 s old');
      expect(tile).not.toHaveTextContent(/last seen/);
    });

    it('says a battery camera is asleep instead of waiting for a picture', () => {
      const [frame] = framesFor([{ id: 'door', name: 'Doorbell', status: 'sleeping' }]);
      frame.fields.find((f) => f.name === 'jpeg')!.values[0] = '';
      render(<CameraPanel {...panelProps([frame])} />);
      const tile = screen.getByTestId('camera-tile');
      expect(tile).toHaveAttribute('data-offline', 'false');
      expect(within(tile).getByTestId('tile-message')).toHaveTextContent(/Asleep: a battery camera/);
    });

    it('shows privacy mode to viewers too, from the frames, with the picture dimmed', () => {
      render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door', privacy: true }]))} />);
      const tile = screen.getByTestId('camera-tile');
      expect(tile).toHaveAttribute('data-privacy', 'true');
      expect(within(tile).getByTestId('privacy-state')).toHaveTextContent(PRIVACY_TEXT);
      expect(getComputedStyle(within(tile).getByRole('img')).opacity).toBe('0.35');
      expect(screen.queryByTestId('tile-controls')).not.toBeInTheDocument();
      expect(fetch).not.toHaveBeenCalled();
    });

    it('shows the privacy state as soon as an editor turns it on', async () => {
      setRole('Editor');
      render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door' }]))} />);
      expect(screen.queryByTestId('privacy-state')).not.toBeInTheDocument();
      await user().click(await screen.findByRole('button', { name: 'Turn privacy mode on' }));
      await screen.findByRole('button', { name: 'Privacy mode is on: turn it off' });
      expect(await screen.findByTestId('privacy-state')).toHaveTextContent(PRIVACY_TEXT);
    });

    it('keeps long names and offline reasons inside the tile: one ellipsised line, a clamped message', () => {
      const reason = 'unreachable (check the address and that it is powered and on the network) '.repeat(4);
      render(
        <CameraPanel
          {...panelProps(
            framesFor([{ id: 'x', name: 'A very long camera name '.repeat(5), status: 'offline', error: reason }]),
            {},
            { width: 200, height: 150 }
          )}
        />
      );
      const name = screen.getByTitle(/A very long camera name/);
      expect(getComputedStyle(name).textOverflow).toBe('ellipsis');
      expect(getComputedStyle(name).whiteSpace).toBe('nowrap');
      const message = screen.getByTestId('tile-message');
      expect(message).toHaveTextContent(reason.trim());
      expect(getComputedStyle(message).overflow).toBe('hidden');
      expect(getComputedStyle(message).overflowWrap).toBe('anywhere');
    });
  });

  describe('honest picture tiles', () => {
    const advance = (ms: number) => act(() => void jest.advanceTimersByTime(ms));
    /** Live pictures at 2 a second, as Grafana hands the panel its frames channel's latest row. */
    const at = (n: number) => framesFor([{ id: 'front', name: 'Front door', n, time: Date.now() - 100 }]);

    it('say when live pictures stop, for how long, with the last picture dimmed, and clear when they return', () => {
      const { rerender } = render(<CameraPanel {...panelProps(at(1))} />);
      for (let n = 2; n <= 6; n++) {
        advance(500);
        rerender(<CameraPanel {...panelProps(at(n))} />);
      }
      const tile = screen.getByTestId('camera-tile');
      advance(500);
      expect(tile).toHaveAttribute('data-stalled', 'false');
      // 2 × 500 ms + 500 ms without a picture, checked 4 times a second.
      advance(1250);
      expect(tile).toHaveAttribute('data-stalled', 'true');
      expect(within(tile).getByTestId('tile-message')).toHaveTextContent('No picture for 2 s');
      expect(getComputedStyle(within(tile).getByRole('img')).opacity).toBe('0.35');
      advance(5000);
      expect(within(tile).getByTestId('tile-message')).toHaveTextContent('No picture for 7 s');
      expect(within(tile).getByTestId('frame-age')).toHaveTextContent(/picture [67] s old/);

      rerender(<CameraPanel {...panelProps(at(7))} />);
      advance(250);
      expect(tile).toHaveAttribute('data-stalled', 'false');
      expect(within(tile).queryByTestId('tile-message')).not.toBeInTheDocument();
    });

    it('never call a picture from an ordinary query stale: only live channels are watched', () => {
      const frame = createDataFrame({
        name: 'Porch',
        fields: [{ name: 'url', type: FieldType.string, values: ['https://example.test/porch.jpg'] }],
      });
      render(<CameraPanel {...panelProps([frame])} />);
      advance(60_000);
      expect(screen.getByTestId('camera-tile')).toHaveAttribute('data-stalled', 'false');
      expect(screen.queryByTestId('tile-message')).not.toBeInTheDocument();
    });

    it('take privacy from the live frames over the camera list fetched once, for editors too', async () => {
      setRole('Editor');
      // The list says privacy is off for "front"; the frames say it is on.
      render(<CameraPanel {...panelProps(framesFor([{ id: 'front', name: 'Front door', privacy: true }]))} />);
      await settle();
      expect(fetch).toHaveBeenCalledWith(
        expect.objectContaining({ url: '/api/datasources/uid/uid-1/resources/cameras' })
      );
      expect(screen.getByTestId('camera-tile')).toHaveAttribute('data-privacy', 'true');
      expect(screen.getByTestId('privacy-state')).toHaveTextContent(PRIVACY_TEXT);
    });
  });

  it('gives no controls to pictures from other sources: no sidecar to ask', async () => {
    setRole('Editor');
    const frame = createDataFrame({
      name: 'Porch',
      fields: [{ name: 'url', type: FieldType.string, values: ['https://example.test/porch.jpg'] }],
    });
    render(<CameraPanel {...panelProps([frame])} />);
    await settle();
    expect(screen.queryByTestId('tile-controls')).not.toBeInTheDocument();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('shows the events of the shown cameras below them; a click fetches the picture from the datasource', async () => {
    const events = createDataFrame({
      refId: 'E',
      fields: [
        { name: 'time', type: FieldType.time, values: [NOW - 9000, NOW - 5000, NOW - 1000] },
        { name: 'camera_id', type: FieldType.string, values: ['front', 'elsewhere', 'garage'] },
        { name: 'camera_name', type: FieldType.string, values: ['Front door', 'Elsewhere', 'Garage'] },
        { name: 'kind', type: FieldType.string, values: ['person', 'motion', 'vehicle'] },
        { name: 'event_id', type: FieldType.string, values: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', ''] },
        { name: 'picture', type: FieldType.string, values: ['events/aaaaaaaaaaaaaaaa/picture', 'x', ''] },
        { name: 'thumbnail', type: FieldType.string, values: [`data:image/jpeg;base64,${JPEG(7)}`, '', ''] },
      ],
    });
    const props = panelProps(
      [
        ...framesFor([
          { id: 'front', name: 'Front door' },
          { id: 'garage', name: 'Garage' },
        ]),
        events,
      ],
      { eventsView: true, eventsCount: 5 }
    );
    props.data.request = {
      targets: [
        { refId: 'A', datasource: { type: 'camwatch-tapo-datasource', uid: 'uid-1' } },
        { refId: 'E', datasource: { type: 'camwatch-tapo-datasource', uid: 'uid-1' } },
      ],
    } as never;
    render(<CameraPanel {...props} />);
    await settle();
    expect(screen.getAllByTestId('camera-tile')).toHaveLength(2);
    const strip = screen.getByTestId('events-strip');
    const items = within(strip).getAllByRole('listitem');
    expect(items.map((i) => i.textContent)).toEqual([
      expect.stringContaining('Vehicle detected'),
      expect.stringContaining('Person detected'),
    ]);
    await user().click(within(strip).getByAltText('Person detected, Front door'));
    await settle();
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({ url: '/api/datasources/uid/uid-1/resources/events/aaaaaaaaaaaaaaaa/picture' })
    );
    expect(screen.getByRole('dialog')).toHaveTextContent('Front door: Person detected');
  });
});
