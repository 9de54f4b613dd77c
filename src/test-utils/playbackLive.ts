/**
 * Test helper for recordings playback: Grafana Live as the panel sees it (one subject per channel,
 * and how many subscribers each has), a MediaSource that takes H.264, and the playback channel's
 * rows (fragment, problem) as the sidecar sends them.
 */
import { LiveChannelEventType, type LiveChannelAddress } from '@grafana/data';
import { type GrafanaLiveSrv, setGrafanaLiveSrv } from '@grafana/runtime';
import { Observable, Subject } from 'rxjs';

const channels = new Map<string, Subject<unknown>>();
/** Subscribers per `ds/<uid>/<path>` address. */
export const watching = new Map<string, number>();
/** Subscriptions ever made per address (a reconnect makes one more). */
export const opened = new Map<string, number>();

export function liveChannel(path: string): Subject<unknown> {
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
      opened.set(key, (opened.get(key) ?? 0) + 1);
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

/** A MediaSource that takes H.264 (install it where a test's browser has MSE). */
export class FakeMediaSource extends EventTarget {
  static isTypeSupported = (mime: string) => mime.includes('avc1');
  readyState = 'closed';
  addSourceBuffer() {
    return Object.assign(new EventTarget(), { mode: 'segments', updating: false, appendBuffer() {}, remove() {} });
  }
  endOfStream() {}
}

/** Fresh channels and Grafana Live installed (no MediaSource); call in beforeEach. */
export function installLive(): void {
  channels.clear();
  watching.clear();
  opened.clear();
  setGrafanaLiveSrv(live);
}

/** Fresh channels, Grafana Live and MediaSource installed; call in beforeEach. */
export function installPlaybackLive(): void {
  installLive();
  (window as any).MediaSource = FakeMediaSource;
}

export function removePlaybackLive(): void {
  delete (window as any).MediaSource;
}

const VIDEO_SCHEMA = {
  fields: ['time', 'seq', 'kind', 'keyframe', 'codec', 'width', 'height', 'data', 'error'].map((name) => ({ name })),
};
/** The channel's problem row: the end of the clip, or the camera's words. */
export const problem = (error: string) => ({
  schema: VIDEO_SCHEMA,
  data: { values: [[1], [0], ['problem'], [false], ['avc1.64001f'], [320], [180], [''], [error]] },
});
/** One picture's fragment, stamped with the camera's clock. */
export const fragment = (timeMs: number, seq: number) => ({
  schema: VIDEO_SCHEMA,
  data: { values: [[timeMs], [seq], ['fragment'], [false], ['avc1.64001f'], [320], [180], ['AAAA'], [null]] },
});
