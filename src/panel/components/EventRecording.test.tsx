/**
 * "Play recording" on an event in the camera panel's events view: the panel asks the event's
 * datasource for the clip its camera's SD card holds at the event's time (resources.recordingAt),
 * plays it in the same player as the recordings view (its playback channel, from the lead before
 * the event, seeking), and says why when there is none (no card, nothing recorded then).
 */
import { type DataFrame, type DataQueryRequest, FieldType, createDataFrame } from '@grafana/data';
import { type BackendSrv, setBackendSrv } from '@grafana/runtime';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { of, throwError } from 'rxjs';

import { type EventRecording, EVENT_KIND_LABELS, resources } from '../../shared/query';
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
import { TAPO_DATASOURCE_TYPE } from '../types';
import { CameraPanel } from './CameraPanel';

const UID = 'uid-1';
/** A person at 03:12:07 on the porch; the clip on its card runs 03:12:00–03:12:29. */
const AT = Date.UTC(2026, 4, 4, 3, 12, 7) / 1000;
const CLIP_START = AT - 7;
const CLIP_END = AT + 22;
const CHANNEL = `ds/${UID}/camera/porch/playback/${CLIP_START}-${CLIP_END}`;
const THUMB = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDA==';

function eventsFrame(): DataFrame[] {
  return [
    createDataFrame({
      refId: 'E',
      fields: [
        { name: 'time', type: FieldType.time, values: [AT * 1000, (AT - 60) * 1000, (AT - 120) * 1000] },
        { name: 'time_end', type: FieldType.time, values: [null, null, null] },
        { name: 'camera_id', type: FieldType.string, values: ['porch', 'attic', 'garage'] },
        { name: 'camera_name', type: FieldType.string, values: ['Porch', 'Attic', 'Garage'] },
        { name: 'kind', type: FieldType.string, values: ['person', 'motion', 'vehicle'] },
        { name: 'source', type: FieldType.string, values: ['onvif', 'onvif', 'onvif'] },
        { name: 'text', type: FieldType.string, values: ['', '', ''] },
        { name: 'event_id', type: FieldType.string, values: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', ''] },
        { name: 'picture', type: FieldType.string, values: ['events/aaaaaaaaaaaaaaaa/picture', 'x', ''] },
        { name: 'thumbnail', type: FieldType.string, values: [THUMB, THUMB, ''] },
      ],
    }),
  ];
}

const found: EventRecording = {
  cameraId: 'porch',
  cameraName: 'Porch',
  start: CLIP_START,
  end: CLIP_END,
  event: 'Person',
  events: 'Person, Motion',
  offsetS: 2,
  channel: `camera/porch/playback/${CLIP_START}-${CLIP_END}`,
  download: resources.recordingDownload('porch', CLIP_START, CLIP_END),
};
const url = (path: string) => `/api/datasources/uid/${UID}/resources/${path}`;

let fetch: jest.Mock;
function backend(role: 'Viewer' | 'Editor') {
  fetch = jest.fn((req: { url: string }) => {
    if (req.url.endsWith('/resources/me')) {
      return of({ data: { role, controls: role === 'Editor' }, status: 200 });
    }
    if (req.url.endsWith('/picture')) {
      return of({ data: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])]), status: 200 });
    }
    if (req.url === url(resources.recordingAt('porch', AT))) {
      return of({ data: found, status: 200 });
    }
    if (req.url === url(resources.recordingAt('attic', AT - 60))) {
      return throwError(() => ({
        status: 404,
        data: { error: 'Attic: the camera has no SD card', reason: 'no_card' },
      }));
    }
    if (req.url === url(resources.recordingAt('garage', AT - 120))) {
      return throwError(() => ({
        status: 404,
        data: { error: 'Garage: nothing on the SD card at that time', reason: 'nothing' },
      }));
    }
    return of({ data: [], status: 200 });
  });
  setBackendSrv({ fetch } as unknown as BackendSrv);
}

function renderPanel() {
  const props = panelProps(eventsFrame(), { eventsView: true });
  const request = {
    targets: [{ refId: 'E', datasource: { type: TAPO_DATASOURCE_TYPE, uid: UID } }],
  } as unknown as DataQueryRequest;
  return render(<CameraPanel {...props} data={{ ...props.data, request }} />);
}

const clock = (s: number) =>
  new Date(s * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

beforeEach(() => {
  installPlaybackLive();
  URL.createObjectURL = jest.fn(() => 'blob:picture');
  URL.revokeObjectURL = jest.fn();
});
afterEach(removePlaybackLive);

describe('playing an event’s recording in the events view', () => {
  it('shows the picture, then plays the clip the card holds from a few seconds before the event, and seeks', async () => {
    backend('Viewer');
    const user = userEvent.setup();
    renderPanel();
    expect(watching.size).toBe(0);
    await user.click(screen.getByAltText(`${EVENT_KIND_LABELS.person}, Porch`));
    const dialog = screen.getByRole('dialog');
    expect(await within(dialog).findByAltText(`${EVENT_KIND_LABELS.person}, Porch`)).toHaveAttribute(
      'src',
      'blob:picture'
    );
    // The lookup names the camera and the event's second; nothing plays before the click.
    const play = await within(dialog).findByRole('button', { name: /Play recording/ });
    expect(fetch.mock.calls.map(([r]) => r.url)).toContain(url(resources.recordingAt('porch', AT)));
    expect(watching.size).toBe(0);

    await user.click(play);
    const from = seekChannel(CHANNEL, found.offsetS);
    expect(from).toBe(`ds/${UID}/camera/porch/playback/${CLIP_START + 2}-${CLIP_END}`);
    expect(watching.get(from)).toBe(1);
    expect(screen.getByTestId('recording-video')).toHaveAccessibleName('Porch recording');
    expect(screen.getByText('2 / 30 s')).toBeInTheDocument();
    act(() => liveChannel(from).next(fragment((CLIP_START + 9) * 1000, 1)));
    expect(screen.getByText('9 / 30 s')).toBeInTheDocument();

    // The camera's words on its channel, then a seek: a new channel from that second.
    act(() => liveChannel(from).next(problem("another client holds the camera's one media session")));
    expect(screen.getByTestId('recording-message')).toHaveTextContent('another client holds the camera');
    fireEvent.change(screen.getByRole('slider', { name: 'Position in the clip' }), { target: { value: '20' } });
    expect(watching.get(seekChannel(CHANNEL, 20))).toBe(1);
    expect(watching.get(from)).toBe(0);
    // A viewer gets no download.
    expect(screen.queryByRole('button', { name: /Download MP4/ })).not.toBeInTheDocument();

    // Back to the picture: the clip's channel is let go; Escape closes.
    await user.click(screen.getByRole('button', { name: /Picture/ }));
    expect(watching.get(seekChannel(CHANNEL, 20))).toBe(0);
    expect(within(screen.getByRole('dialog')).getByAltText(`${EVENT_KIND_LABELS.person}, Porch`)).toBeInTheDocument();
    fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('says why there is nothing to play: no card, or nothing recorded at the event’s time', async () => {
    backend('Viewer');
    const user = userEvent.setup();
    renderPanel();
    await user.click(screen.getByAltText(`${EVENT_KIND_LABELS.motion}, Attic`));
    expect(await screen.findByTestId('event-recording-none')).toHaveTextContent('Attic: the camera has no SD card');
    expect(screen.queryByRole('button', { name: /Play recording/ })).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Close the picture'));

    // An event kept without a picture still opens, for its recording.
    const garage = screen.getAllByRole('listitem').find((b) => b.textContent?.includes(EVENT_KIND_LABELS.vehicle))!;
    expect(garage).toBeEnabled();
    await user.click(garage);
    expect(screen.getByRole('dialog')).toHaveTextContent('No picture was kept with this event');
    expect(await screen.findByTestId('event-recording-none')).toHaveTextContent(
      `Nothing on Garage’s SD card at ${clock(AT - 120)}`
    );
    expect(watching.size).toBe(0);
  });

  it('says a fresh event’s clip may come in a moment (the camera lists a clip once it has closed it)', async () => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue((AT - 120) * 1000 + 30_000);
    try {
      backend('Viewer');
      const user = userEvent.setup();
      renderPanel();
      const garage = screen.getAllByRole('listitem').find((b) => b.textContent?.includes(EVENT_KIND_LABELS.vehicle))!;
      await user.click(garage);
      expect(await screen.findByTestId('event-recording-none')).toHaveTextContent(
        `Nothing on Garage’s SD card at ${clock(AT - 120)} yet: open the event again in a moment`
      );
    } finally {
      spy.mockRestore();
    }
  });

  it('offers Editors the clip’s MP4 download from the event’s player', async () => {
    backend('Editor');
    const user = userEvent.setup();
    const save = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    renderPanel();
    await user.click(screen.getByAltText(`${EVENT_KIND_LABELS.person}, Porch`));
    await user.click(await screen.findByRole('button', { name: /Play recording/ }));
    await user.click(await screen.findByRole('button', { name: /Download MP4/ }));
    await waitFor(() => expect(fetch.mock.calls.map(([r]) => r.url)).toContain(url(found.download)));
    await waitFor(() => expect(save).toHaveBeenCalled());
    save.mockRestore();
  });
});

describe('a datasource that answers no clip', () => {
  it('offers nothing to play and says so', async () => {
    fetch = jest.fn((req: { url: string }) =>
      req.url.endsWith('/resources/me')
        ? of({ data: { role: 'Viewer', controls: false }, status: 200 })
        : req.url.includes('/recordings/at/')
          ? of({ data: { error: 'not a clip' }, status: 200 })
          : of({ data: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])]), status: 200 })
    );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const user = userEvent.setup();
    renderPanel();
    await user.click(screen.getByAltText(`${EVENT_KIND_LABELS.person}, Porch`));
    expect(await screen.findByTestId('event-recording-none')).toHaveTextContent(
      'The datasource did not answer with a recording'
    );
    expect(screen.queryByRole('button', { name: /Play recording/ })).not.toBeInTheDocument();
  });
});
