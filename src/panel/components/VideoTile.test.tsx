import {
  type DataFrame,
  FieldType,
  LiveChannelEventType,
  type LiveChannelAddress,
  createDataFrame,
} from '@grafana/data';
import { type GrafanaLiveSrv, setGrafanaLiveSrv } from '@grafana/runtime';
import { act, render, screen } from '@testing-library/react';
import React from 'react';
import { Observable, Subject } from 'rxjs';

import { panelProps } from '../../test-utils/panelProps';
import type { PanelOptions } from '../types';
import { CameraPanel } from './CameraPanel';

/** Grafana Live as the panel sees it: one subject per channel, and who is subscribed. */
const channels = new Map<string, Subject<unknown>>();
const watching = new Map<string, number>();
function liveChannel(path: string): Subject<unknown> {
  if (!channels.has(path)) {
    channels.set(path, new Subject());
  }
  return channels.get(path)!;
}
const live = {
  getStream: (addr: LiveChannelAddress) => {
    const key = `ds/${addr.stream}/${addr.path}`;
    return new Observable((observer) => {
      watching.set(key, (watching.get(key) ?? 0) + 1);
      const sub = liveChannel(key).subscribe((message) =>
        observer.next({ type: LiveChannelEventType.Message, message })
      );
      return () => {
        watching.set(key, (watching.get(key) ?? 1) - 1);
        sub.unsubscribe();
      };
    });
  },
} as unknown as GrafanaLiveSrv;

function send(path: string, message: unknown) {
  act(() => liveChannel(path).next(message));
}

class FakeMediaSource extends EventTarget {
  static isTypeSupported = (mime: string) => mime.includes('avc1');
  readyState = 'closed';
  addSourceBuffer() {
    return Object.assign(new EventTarget(), { mode: 'segments', updating: false, appendBuffer() {}, remove() {} });
  }
  endOfStream() {}
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
  channels.clear();
  watching.clear();
  setGrafanaLiveSrv(live);
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
