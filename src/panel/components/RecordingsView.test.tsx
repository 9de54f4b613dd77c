import { type DataFrame, FieldType, createDataFrame, dateTime } from '@grafana/data';
import { type BackendSrv, setBackendSrv } from '@grafana/runtime';
import { act, render, screen, fireEvent, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { of } from 'rxjs';

import { PLAYBACK_END } from '../../shared/query';
import { panelProps } from '../../test-utils/panelProps';
import {
  fragment,
  installPlaybackLive,
  liveChannel,
  problem,
  removePlaybackLive,
  watching,
} from '../../test-utils/playbackLive';
import { seekChannel } from '../playback/clips';
import { CameraPanel } from './CameraPanel';

const T0 = Date.UTC(2026, 4, 4, 10, 0, 0) / 1000;
const FIRST = `ds/uid-1/camera/porch/playback/${T0}-${T0 + 29}`;
const SECOND = `ds/uid-1/camera/porch/playback/${T0 + 600}-${T0 + 611}`;
const DOWNLOAD = `cameras/porch/recordings/${T0}-${T0 + 29}.mp4`;

function recordingsFrame(): DataFrame[] {
  const frame = createDataFrame({
    refId: 'A',
    fields: [
      { name: 'time', type: FieldType.time, values: [T0 * 1000, (T0 + 600) * 1000] },
      { name: 'time_end', type: FieldType.time, values: [(T0 + 29) * 1000, (T0 + 611) * 1000] },
      { name: 'camera_id', type: FieldType.string, values: ['porch', 'porch'] },
      { name: 'camera_name', type: FieldType.string, values: ['Porch', 'Porch'] },
      { name: 'event', type: FieldType.string, values: ['Motion', 'Person'] },
      { name: 'events', type: FieldType.string, values: ['Motion', 'Person, Motion'] },
      { name: 'duration_s', type: FieldType.number, values: [30, 12] },
      { name: 'playback_channel', type: FieldType.string, values: [FIRST, SECOND] },
      { name: 'download', type: FieldType.string, values: [DOWNLOAD, ''] },
    ],
  });
  frame.meta = { notices: [{ severity: 'warning', text: 'Attic: the camera has no SD card' }] };
  return [frame];
}

let fetch: jest.Mock;
function backend(controls: boolean) {
  fetch = jest.fn((req: { url: string }) => {
    if (req.url.endsWith('/resources/me')) {
      return of({ data: { role: controls ? 'Editor' : 'Viewer', controls }, status: 200 });
    }
    if (req.url.endsWith(DOWNLOAD)) {
      return of({ data: new Blob(['mp4']), status: 200 });
    }
    return of({ data: [], status: 200 });
  });
  setBackendSrv({ fetch } as unknown as BackendSrv);
}

beforeEach(() => {
  installPlaybackLive();
  URL.createObjectURL = jest.fn(() => 'blob:clip');
  URL.revokeObjectURL = jest.fn();
});
afterEach(removePlaybackLive);

describe('recordings in the camera panel', () => {
  it('lists the clips newest first with the query’s notices, and plays one on click through its channel', async () => {
    backend(false);
    const user = userEvent.setup();
    render(<CameraPanel {...panelProps(recordingsFrame())} />);
    expect(screen.getByText('Attic: the camera has no SD card')).toBeInTheDocument();
    const clips = screen.getAllByRole('button', { pressed: false });
    expect(clips.map((b) => b.textContent)).toEqual([
      expect.stringContaining('Person'),
      expect.stringContaining('Motion'),
    ]);
    expect(watching.size).toBe(0); // nothing plays until a click
    await user.click(clips[1]);
    expect(watching.get(FIRST)).toBe(1);
    expect(screen.getByTestId('recording-video')).toHaveAccessibleName('Porch recording');

    // The camera's clock on the pictures moves the position.
    act(() => liveChannel(FIRST).next(fragment((T0 + 7) * 1000, 1)));
    expect(screen.getByText('7 / 30 s')).toBeInTheDocument();
    act(() => liveChannel(FIRST).next(problem(PLAYBACK_END)));
    expect(screen.getByTestId('recording-message')).toHaveTextContent('End of the recording');

    // Another clip: the first channel is let go.
    await user.click(screen.getAllByRole('button', { pressed: false })[0]);
    expect(watching.get(FIRST)).toBe(0);
    expect(watching.get(SECOND)).toBe(1);
    expect(screen.queryByTestId('recording-message')).not.toBeInTheDocument();
  });

  it('says when the camera is busy or has nothing there, and seeks within the clip with a new channel', async () => {
    backend(false);
    const user = userEvent.setup();
    render(<CameraPanel {...panelProps(recordingsFrame())} />);
    await user.click(screen.getByRole('button', { name: /Motion/ }));
    const busy =
      "camera porch (tapo://admin:***@10.0.0.2:8800/stream): another client holds the camera's one media session (the Tapo app, or another viewer): try again shortly";
    act(() => liveChannel(FIRST).next(problem(busy)));
    expect(screen.getByTestId('recording-message')).toHaveTextContent('another client holds the camera');

    fireEvent.change(screen.getByRole('slider', { name: 'Position in the clip' }), { target: { value: '20' } });
    const seek = seekChannel(FIRST, 20);
    expect(seek).toBe(`ds/uid-1/camera/porch/playback/${T0 + 20}-${T0 + 29}`);
    expect(watching.get(seek)).toBe(1);
    expect(watching.get(FIRST)).toBe(0);
    act(() => liveChannel(seek).next(problem('the SD card has nothing recorded there')));
    expect(screen.getByTestId('recording-message')).toHaveTextContent('nothing recorded there');
    // A seek never leaves the clip.
    expect(seekChannel(FIRST, 500)).toBe(`ds/uid-1/camera/porch/playback/${T0 + 29}-${T0 + 29}`);
  });

  it('a click on the timeline plays what was recorded then, from that second, or the next clip', async () => {
    backend(false);
    const user = userEvent.setup();
    const props = panelProps(recordingsFrame());
    const from = (T0 - 600) * 1000;
    const to = (T0 + 1200) * 1000;
    const range = { from: dateTime(from), to: dateTime(to), raw: { from: 'now-30m', to: 'now' } };
    render(<CameraPanel {...props} data={{ ...props.data, timeRange: range }} />);
    const timeline = screen.getByTestId('recordings-timeline');
    // jsdom has no layout: the timeline is 1800 px wide, one pixel a second.
    timeline.getBoundingClientRect = () => ({ left: 0, width: 1800, top: 0, height: 14 }) as DOMRect;
    // 610 px: T0 + 10 s, inside the first clip.
    await user.pointer({ target: timeline, coords: { clientX: 610, clientY: 5 }, keys: '[MouseLeft]' });
    expect(watching.get(seekChannel(FIRST, 10))).toBe(1);
    expect(screen.getByText('10 / 30 s')).toBeInTheDocument();
    // 900 px: T0 + 300 s, nothing recorded: the next clip from its start.
    await user.pointer({ target: timeline, coords: { clientX: 900, clientY: 5 }, keys: '[MouseLeft]' });
    expect(watching.get(SECOND)).toBe(1);
    expect(watching.get(seekChannel(FIRST, 10))).toBe(0);
    expect(screen.getByRole('button', { pressed: true })).toHaveTextContent('Person');
  });

  it('offers the MP4 download to Editors only, through the datasource’s resource', async () => {
    backend(false);
    const user = userEvent.setup();
    const { unmount } = render(<CameraPanel {...panelProps(recordingsFrame())} />);
    await user.click(screen.getByRole('button', { name: /Motion/ }));
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    expect(screen.queryByRole('button', { name: /Download MP4/ })).not.toBeInTheDocument();
    unmount();

    backend(true);
    const save = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<CameraPanel {...panelProps(recordingsFrame())} />);
    await user.click(screen.getByRole('button', { name: /Motion/ }));
    const button = await screen.findByRole('button', { name: /Download MP4/ });
    await user.click(button);
    await waitFor(() =>
      expect(fetch.mock.calls.map(([r]) => r.url)).toContain(`/api/datasources/uid/uid-1/resources/${DOWNLOAD}`)
    );
    await waitFor(() => expect(save).toHaveBeenCalled());
    expect(URL.createObjectURL).toHaveBeenCalled();
    save.mockRestore();
  });
});
