import type { TileFrame } from './frames';
import { FrameStore, type ObjectUrlApi } from './frameStore';

const JPEG = (n: number) => `/9j/${'A'.repeat(40)}${n.toString().padStart(8, '0')}${'B'.repeat(100)}`;

/** Counts object URLs like the browser would: created, revoked, still alive. */
function urlApi() {
  let next = 0;
  const alive = new Set<string>();
  const revoked: string[] = [];
  const api: ObjectUrlApi = {
    createObjectURL: jest.fn(() => {
      const url = `blob:test/${++next}`;
      alive.add(url);
      return url;
    }),
    revokeObjectURL: jest.fn((url: string) => {
      if (!alive.delete(url)) {
        throw new Error(`revoked twice or unknown: ${url}`);
      }
      revoked.push(url);
    }),
  };
  return { api, alive, revoked };
}

const tile = (key: string, n: number, over: Partial<TileFrame> = {}): TileFrame => ({
  key,
  cameraId: key,
  name: key,
  time: n * 1000,
  image: { kind: 'base64', data: JPEG(n), mime: 'image/jpeg' },
  ...over,
});

describe('FrameStore', () => {
  it('keeps one picture per camera and revokes the one a new frame replaces', () => {
    const { api, alive, revoked } = urlApi();
    const store = new FrameStore(api, () => 0);
    const [first] = store.update([tile('a', 1)]);
    expect(first.imageUrl).toBe('blob:test/1');
    for (let n = 2; n <= 50; n++) {
      store.update([tile('a', n), tile('b', n)]);
    }
    expect(store.size).toBe(2);
    expect(alive.size).toBe(2);
    expect(store.liveObjectUrls).toBe(2);
    expect(revoked).toContain('blob:test/1');
  });

  it('does not decode the same frame again on a re-render', () => {
    const { api } = urlApi();
    const store = new FrameStore(api, () => 0);
    const a = store.update([tile('a', 1)]);
    const b = store.update([tile('a', 1, { status: 'offline' })]);
    expect(api.createObjectURL).toHaveBeenCalledTimes(1);
    expect(b[0].imageUrl).toBe(a[0].imageUrl);
    expect(b[0].status).toBe('offline');
  });

  it('releases cameras that leave the data, and everything on dispose', () => {
    const { api, alive } = urlApi();
    const store = new FrameStore(api, () => 0);
    store.update([tile('a', 1), tile('b', 1), tile('c', 1, { image: { kind: 'url', url: '/c.jpg' } })]);
    expect(alive.size).toBe(2);
    store.update([tile('b', 1)]);
    expect(alive.size).toBe(1);
    expect(store.size).toBe(1);
    store.dispose();
    expect(alive.size).toBe(0);
    expect(store.size).toBe(0);
  });

  it('uses URLs as they are, without object URLs', () => {
    const { api } = urlApi();
    const store = new FrameStore(api, () => 0);
    const [view] = store.update([tile('a', 1, { image: { kind: 'url', url: 'https://x/a.jpg' } })]);
    expect(view.imageUrl).toBe('https://x/a.jpg');
    expect(api.createObjectURL).not.toHaveBeenCalled();
    store.dispose();
    expect(api.revokeObjectURL).not.toHaveBeenCalled();
  });

  it('limits picture changes to maxFps per camera but still updates status', () => {
    const { api } = urlApi();
    let now = 0;
    const store = new FrameStore(api, () => now);
    store.update([tile('a', 1)], 2);
    now = 100;
    const throttled = store.update([tile('a', 2, { status: 'offline' })], 2);
    expect(throttled[0].time).toBe(1000);
    expect(throttled[0].status).toBe('offline');
    expect(api.createObjectURL).toHaveBeenCalledTimes(1);
    now = 500;
    const next = store.update([tile('a', 3)], 2);
    expect(next[0].time).toBe(3000);
    expect(api.createObjectURL).toHaveBeenCalledTimes(2);
  });

  it('reports a frame that is not valid base64 instead of throwing', () => {
    const { api } = urlApi();
    const store = new FrameStore(api, () => 0);
    const [view] = store.update([tile('a', 1, { image: { kind: 'base64', data: 'A', mime: 'image/jpeg' } })]);
    expect(view.imageUrl).toBeUndefined();
    expect(view.imageError).toBe('The frame is not valid base64');
  });

  describe('as an external store', () => {
    beforeEach(() => jest.useFakeTimers({ now: 10_000 }));
    afterEach(() => jest.useRealTimers());

    it('applies a held-back frame when its turn comes, and tells subscribers', () => {
      const { api } = urlApi();
      const store = new FrameStore(api, () => Date.now());
      const listener = jest.fn();
      store.subscribe(listener);
      store.push([tile('a', 1)], 2);
      expect(store.getSnapshot()[0].time).toBe(1000);
      jest.advanceTimersByTime(100);
      store.push([tile('a', 2)], 2);
      expect(store.getSnapshot()[0].time).toBe(1000);
      expect(listener).toHaveBeenCalledTimes(2);
      jest.advanceTimersByTime(299);
      expect(store.getSnapshot()[0].time).toBe(1000);
      jest.advanceTimersByTime(1);
      expect(store.getSnapshot()[0].time).toBe(2000);
      expect(listener).toHaveBeenCalledTimes(3);
      expect(api.createObjectURL).toHaveBeenCalledTimes(2);
    });

    it('keeps the snapshot reference while nothing changes, and cancels its timer on dispose', () => {
      const { api, alive } = urlApi();
      const store = new FrameStore(api, () => Date.now());
      store.push([tile('a', 1)], 2);
      const first = store.getSnapshot();
      expect(store.getSnapshot()).toBe(first);
      store.push([tile('a', 2)], 2);
      store.dispose();
      jest.advanceTimersByTime(1000);
      expect(store.getSnapshot()).toEqual([]);
      expect(alive.size).toBe(0);
      expect(api.createObjectURL).toHaveBeenCalledTimes(1);
    });
  });
});
