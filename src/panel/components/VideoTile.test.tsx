import { type DataFrame, FieldType, createDataFrame } from '@grafana/data';
import { act, render, screen } from '@testing-library/react';
import React from 'react';

import { panelProps } from '../../test-utils/panelProps';
import { FakeMediaSource, installLive, liveChannel, opened, watching } from '../../test-utils/playbackLive';
import type { PanelOptions } from '../types';
import { CameraPanel } from './CameraPanel';

function send(path: string, message: unknown) {
  act(() => liveChannel(path).next(message));
}

const VIDEO = 'ds/uid-1/camera/front/video/sub';
const FRAMES = 'ds/uid-1/camera/front/frames/2/640';

function videoQueryFrame(privacy: boolean | null = null): DataFrame[] {
  return [
    createDataFrame({
      refId: 'A',
      fields: [
        { name: 'camera_id', type: FieldType.string, values: ['front'] },
        { name: 'camera_name', type: FieldType.string, values: ['Front door'] },
        { name: 'status', type: FieldType.string, values: ['online'] },
        { name: 'stream', type: FieldType.string, values: ['sub'] },
        { name: 'video_channel', type: FieldType.string, values: [VIDEO] },
        { name: 'frames_channel', type: FieldType.string, values: [FRAMES] },
        { name: 'error', type: FieldType.string, values: [null] },
        { name: 'privacy_mode', type: FieldType.boolean, values: [privacy] },
      ],
    }),
  ];
}

const props = (options: Partial<PanelOptions> = {}) => panelProps(videoQueryFrame(), options);

const FRAME_SCHEMA = {
  fields: ['time', 'camera_id', 'camera_name', 'width', 'height', 'jpeg', 'status', 'last_seen', 'motion', 'error'].map(
    (name) => ({ name })
  ),
};
const jpegPacket = (jpeg: string) => ({
  schema: FRAME_SCHEMA,
  data: { values: [[1], ['front'], ['Front door'], [640], [360], [jpeg], ['online'], [1], [false], [null]] },
});

beforeEach(() => {
  installLive();
  let n = 0;
  URL.createObjectURL = jest.fn(() => `blob:tile/${++n}`);
  URL.revokeObjectURL = jest.fn();
});
afterEach(() => {
  delete (window as any).MediaSource;
});

describe('video tiles', () => {
  it('play the video channel where the browser has MSE, and fall back to pictures for H.265, saying so', () => {
    (window as any).MediaSource = FakeMediaSource;
    render(<CameraPanel {...props()} />);
    const tile = screen.getByTestId('camera-tile');
    expect(tile).toHaveAttribute('data-mode', 'video');
    expect(screen.getByTestId('camera-video')).toBeInTheDocument();
    expect(watching.get(VIDEO)).toBe(1);
    expect(watching.get(FRAMES) ?? 0).toBe(0);

    // The sidecar says the camera's codec cannot play here.
    send(VIDEO, {
      schema: {
        fields: ['time', 'seq', 'kind', 'keyframe', 'codec', 'width', 'height', 'data', 'error'].map((name) => ({
          name,
        })),
      },
      data: {
        values: [[1], [0], ['problem'], [false], ['h265'], [0], [0], [''], ['H265 is not playable in the browser']],
      },
    });
    expect(tile).toHaveAttribute('data-mode', 'pictures');
    expect(screen.getByTestId('mode-reason')).toHaveTextContent(
      'H.265 video is not playable in the browser: showing pictures'
    );
    expect(watching.get(VIDEO)).toBe(0);
    expect(watching.get(FRAMES)).toBe(1);
    send(FRAMES, jpegPacket('/9j/AAAA'));
    expect(screen.getByRole('img', { name: 'Front door camera' })).toHaveAttribute('src', 'blob:tile/1');
  });

  it('show pictures at once, with the reason, where the browser has no Media Source Extensions', () => {
    render(<CameraPanel {...props()} />);
    expect(screen.getByTestId('camera-tile')).toHaveAttribute('data-mode', 'pictures');
    expect(screen.getByTestId('mode-reason')).toHaveTextContent('This browser cannot play video');
    expect(watching.get(VIDEO) ?? 0).toBe(0);
    expect(screen.getByText('No picture yet')).toBeInTheDocument();
    send(FRAMES, jpegPacket('/9j/BBBB'));
    expect(screen.getByRole('img', { name: 'Front door camera' })).toBeInTheDocument();
  });

  it('show pictures without excuse when the panel is set to pictures', () => {
    (window as any).MediaSource = FakeMediaSource;
    render(<CameraPanel {...props({ liveMode: 'pictures' })} />);
    expect(screen.getByTestId('camera-tile')).toHaveAttribute('data-mode', 'pictures');
    expect(screen.queryByTestId('mode-reason')).not.toBeInTheDocument();
    expect(watching.get(VIDEO) ?? 0).toBe(0);
    expect(watching.get(FRAMES)).toBe(1);
  });

  it('play the camera’s main stream in full screen, and the tile’s again after', () => {
    (window as any).MediaSource = FakeMediaSource;
    render(<CameraPanel {...props()} />);
    const tile = screen.getByTestId('camera-tile');
    let full: Element | null = null;
    Object.defineProperty(document, 'fullscreenElement', { configurable: true, get: () => full });
    full = tile;
    act(() => void document.dispatchEvent(new Event('fullscreenchange')));
    expect(watching.get('ds/uid-1/camera/front/video/main')).toBe(1);
    expect(watching.get(VIDEO)).toBe(0);
    full = null;
    act(() => void document.dispatchEvent(new Event('fullscreenchange')));
    expect(watching.get('ds/uid-1/camera/front/video/main')).toBe(0);
    expect(watching.get(VIDEO)).toBe(1);
  });

  it('show privacy mode to every viewer, from the video query’s answer', () => {
    (window as any).MediaSource = FakeMediaSource;
    render(<CameraPanel {...panelProps(videoQueryFrame(true))} />);
    const tile = screen.getByTestId('camera-tile');
    expect(tile).toHaveAttribute('data-privacy', 'true');
    expect(screen.getByTestId('privacy-state')).toHaveTextContent('Privacy mode is on');
    expect(screen.queryByTestId('tile-controls')).not.toBeInTheDocument();
  });

  it('never give a playing video an age it does not have, nor a motion badge', () => {
    (window as any).MediaSource = FakeMediaSource;
    render(<CameraPanel {...panelProps(videoQueryFrame())} />);
    expect(screen.getByTestId('tile-status')).toHaveTextContent('Online');
    expect(screen.queryByTestId('frame-age')).not.toBeInTheDocument();
    expect(screen.queryByTestId('motion-badge')).not.toBeInTheDocument();
  });
});

const VIDEO_SCHEMA = {
  fields: ['time', 'seq', 'kind', 'keyframe', 'codec', 'width', 'height', 'data', 'error'].map((name) => ({ name })),
};
/** Pictures of the video channel, 66 ms apart in their own time (15 fps), from `seq` on. */
const fragments = (seq: number, count: number, t0: number) => {
  const rows = Array.from({ length: count }, (_, i) => i);
  return {
    schema: VIDEO_SCHEMA,
    data: {
      values: [
        rows.map((i) => t0 + i * 66),
        rows.map((i) => seq + i),
        rows.map(() => 'fragment'),
        rows.map((i) => i === 0),
        rows.map(() => 'avc1.64001e'),
        rows.map(() => 640),
        rows.map(() => 360),
        rows.map(() => ''),
        rows.map(() => null),
      ],
    },
  };
};
const METRICS = 'ds/uid-1/camera/front/metrics';
const POLL_SCHEMA = {
  fields: ['time', 'camera_id', 'camera_name', 'status', 'online', 'privacy_mode', 'last_error', 'last_motion'].map(
    (name) => ({ name })
  ),
};
const poll = (
  time: number,
  status: string,
  error: string | null = null,
  privacy: boolean | null = false,
  lastMotion: number | null = null
) => ({
  schema: POLL_SCHEMA,
  data: {
    values: [
      [time],
      ['front'],
      ['Front door'],
      [status],
      [status === 'online' ? 1 : 0],
      [privacy],
      [error],
      [lastMotion],
    ],
  },
});

describe('honest video tiles', () => {
  const T0 = 1_800_000_000_000;
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    (window as any).MediaSource = FakeMediaSource;
  });
  afterEach(() => {
    jest.useRealTimers();
  });
  const advance = (ms: number) => act(() => void jest.advanceTimersByTime(ms));
  /** Plays 15 fps for `seconds`, a packet per picture as the sidecar sends them. */
  const play = (seconds: number, seq = 1) => {
    for (let i = 0; i < seconds * 15; i++) {
      send(VIDEO, fragments(seq + i, 1, Date.now() - 40));
      advance(66);
    }
    return seq + seconds * 15;
  };

  it('a stream that freezes: says how long it has had no picture within 2 intervals + a margin, dims the last picture, reconnects with backoff, and recovers', () => {
    render(<CameraPanel {...props()} />);
    const tile = screen.getByTestId('camera-tile');
    const seq = play(2);
    expect(tile).toHaveAttribute('data-stalled', 'false');
    expect(screen.queryByTestId('tile-message')).not.toBeInTheDocument();
    expect(screen.getByTestId('frame-age')).toHaveTextContent('picture 0 s old');

    // Nothing more arrives: 2 × 66 ms + 500 ms, checked every 250 ms, says so within a second.
    advance(900);
    expect(tile).toHaveAttribute('data-stalled', 'true');
    expect(screen.getByTestId('tile-message')).toHaveTextContent('No picture for 1 s');
    expect(screen.getByTestId('tile-message')).toHaveAttribute('data-kind', 'stalled');
    expect(getComputedStyle(screen.getByTestId('camera-video')).opacity).toBe('0.35');
    expect(screen.getByTestId('tile-status')).toHaveTextContent('Online');
    advance(3000);
    expect(screen.getByTestId('tile-message')).toHaveTextContent('No picture for 4 s');
    // The age follows the panel's clock, which ticks once a second.
    expect(screen.getByTestId('frame-age')).toHaveTextContent(/picture [34] s old/);

    // Reconnects: 2 s into the stall, then 4 s after that.
    expect(opened.get(VIDEO)).toBe(2);
    expect(watching.get(VIDEO)).toBe(1);
    advance(4000);
    expect(opened.get(VIDEO)).toBe(3);
    advance(6000);
    expect(opened.get(VIDEO)).toBe(3); // the next waits 8 s
    advance(1500);
    expect(opened.get(VIDEO)).toBe(4);

    // The stream returns: the tile plays again and says nothing.
    play(1, seq);
    expect(tile).toHaveAttribute('data-stalled', 'false');
    expect(screen.queryByTestId('tile-message')).not.toBeInTheDocument();
    expect(getComputedStyle(screen.getByTestId('camera-video')).opacity).not.toBe('0.35');
    advance(20_000);
    expect(screen.getByTestId('tile-message')).toHaveTextContent('No picture for 20 s');
  });

  it('a stream that never sends: the blank tile says how long it has waited, and not "Online" alone', () => {
    render(<CameraPanel {...props()} />);
    // Its frame interval is not known yet: a picture a second is assumed (a first keyframe may take that long).
    advance(2400);
    expect(screen.getByTestId('tile-message')).toHaveTextContent('No picture yet');
    advance(600);
    expect(screen.getByTestId('tile-message')).toHaveTextContent('No picture for 3 s');
    play(1);
    expect(screen.queryByTestId('tile-message')).not.toBeInTheDocument();
  });

  it('follows the camera’s polls: offline with the reason and when it last answered, asleep, back online', () => {
    render(<CameraPanel {...props()} />);
    expect(watching.get(METRICS)).toBe(1);
    const seq = play(1);
    send(METRICS, poll(Date.now(), 'online'));
    advance(10_000);
    send(METRICS, poll(Date.now(), 'offline', 'unreachable (check the address)', null));
    const tile = screen.getByTestId('camera-tile');
    expect(tile).toHaveAttribute('data-offline', 'true');
    expect(screen.getByTestId('tile-status')).toHaveTextContent(/Offline · last answered (9|10) s ago/);
    expect(screen.getByTestId('tile-message')).toHaveTextContent('unreachable (check the address)');

    send(METRICS, poll(Date.now(), 'sleeping', null, null));
    expect(tile).toHaveAttribute('data-offline', 'false');
    expect(screen.getByTestId('tile-status')).toHaveTextContent('Sleeping');
    expect(screen.getByTestId('tile-message')).toHaveTextContent(/Asleep: a battery camera/);

    send(METRICS, poll(Date.now(), 'online'));
    play(1, seq);
    expect(screen.getByTestId('tile-status')).toHaveTextContent('Online');
    expect(screen.queryByTestId('tile-message')).not.toBeInTheDocument();
  });

  it('lights the motion badge from the camera’s motion, for the panel’s motion window', () => {
    render(<CameraPanel {...props({ motionWindowSeconds: 10 })} />);
    play(1);
    send(METRICS, poll(Date.now() - 5000, 'online', null, false, null));
    expect(screen.queryByTestId('motion-badge')).not.toBeInTheDocument();
    send(METRICS, poll(Date.now() - 5000, 'online', null, false, Date.now() - 1000));
    expect(screen.getByTestId('motion-badge')).toHaveTextContent('Motion');
    advance(10_000);
    expect(screen.queryByTestId('motion-badge')).not.toBeInTheDocument();
  });

  it('takes privacy from the polls as they come, over the query’s answer and the camera list', () => {
    render(<CameraPanel {...panelProps(videoQueryFrame(false))} />);
    const tile = screen.getByTestId('camera-tile');
    expect(tile).toHaveAttribute('data-privacy', 'false');
    send(METRICS, poll(Date.now(), 'online', null, true));
    expect(tile).toHaveAttribute('data-privacy', 'true');
    expect(screen.getByTestId('privacy-state')).toHaveTextContent('Privacy mode is on');
    send(METRICS, poll(Date.now(), 'online', null, false));
    expect(tile).toHaveAttribute('data-privacy', 'false');
  });
});
