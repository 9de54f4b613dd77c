import { MsePlayer } from './msePlayer';
import type { VideoRow } from './packets';

/** Just enough MediaSource/SourceBuffer to see what the player appends, in what order. */
class FakeSourceBuffer extends EventTarget {
  mode = 'segments';
  updating = false;
  appended: string[] = [];
  appendBuffer(data: Uint8Array) {
    this.updating = true;
    this.appended.push(String.fromCharCode(...data));
    queueMicrotask(() => {
      this.updating = false;
      this.dispatchEvent(new Event('updateend'));
    });
  }
  remove() {}
}

class FakeMediaSource extends EventTarget {
  static made: FakeMediaSource[] = [];
  readyState = 'closed';
  buffers: Array<{ mime: string; sb: FakeSourceBuffer }> = [];
  constructor() {
    super();
    FakeMediaSource.made.push(this);
  }
  open() {
    this.readyState = 'open';
    this.dispatchEvent(new Event('sourceopen'));
  }
  addSourceBuffer(mime: string) {
    const sb = new FakeSourceBuffer();
    this.buffers.push({ mime, sb });
    return sb;
  }
  endOfStream() {
    this.readyState = 'ended';
  }
}

const row = (over: Partial<VideoRow>): VideoRow => ({
  kind: 'fragment',
  time: 0,
  seq: 0,
  keyframe: false,
  codec: 'avc1.64001e',
  width: 640,
  height: 360,
  data: '',
  error: null,
  ...over,
});
const init = (codec = 'avc1.64001e') => row({ kind: 'init', codec, data: btoa(`init:${codec}`) });
const frag = (seq: number, keyframe = false) => row({ seq, keyframe, data: btoa(`f${seq}`) });
const settle = () => new Promise((r) => setTimeout(r, 0));

function fakeVideo() {
  return {
    buffered: { length: 0 },
    currentTime: 0,
    paused: true,
    play: jest.fn(() => Promise.resolve()),
    removeAttribute: jest.fn(),
    src: '',
  } as unknown as HTMLVideoElement;
}

describe('MsePlayer', () => {
  const created: string[] = [];
  const revoked: string[] = [];
  beforeEach(() => {
    FakeMediaSource.made = [];
    (window as any).MediaSource = FakeMediaSource;
    URL.createObjectURL = jest.fn(() => {
      created.push(`blob:${created.length}`);
      return created[created.length - 1];
    });
    URL.revokeObjectURL = jest.fn((u: string) => void revoked.push(u));
  });

  it('appends the init, then fragments from a keyframe on, in order', async () => {
    const player = new MsePlayer(fakeVideo());
    player.push(frag(1, true)); // before any init: nothing to append to
    player.push(init());
    FakeMediaSource.made[0].open();
    player.push(frag(2)); // not a keyframe: cannot start here
    player.push(frag(3, true));
    player.push(frag(4));
    player.push(init()); // the same init again with the next keyframe: nothing new
    player.push(frag(5, true));
    for (let i = 0; i < 10; i++) {
      await settle();
    }
    const { mime, sb } = FakeMediaSource.made[0].buffers[0];
    expect(mime).toBe('video/mp4; codecs="avc1.64001e"');
    expect(sb.mode).toBe('segments');
    expect(sb.appended).toEqual(['init:avc1.64001e', 'f3', 'f4', 'f5']);
    expect(FakeMediaSource.made).toHaveLength(1);
    expect(player.stats.skipped).toBe(1);
  });

  it('after a sequence gap, waits for the next keyframe', async () => {
    const player = new MsePlayer(fakeVideo());
    player.push(init());
    FakeMediaSource.made[0].open();
    [frag(1, true), frag(2), frag(5), frag(6), frag(7, true), frag(8)].forEach((f) => player.push(f));
    for (let i = 0; i < 10; i++) {
      await settle();
    }
    expect(FakeMediaSource.made[0].buffers[0].sb.appended).toEqual(['init:avc1.64001e', 'f1', 'f2', 'f7', 'f8']);
  });

  it('a different init (new size or codec) starts a new source and releases the old one', () => {
    const player = new MsePlayer(fakeVideo());
    player.push(init());
    player.push(init('avc1.640028'));
    expect(FakeMediaSource.made).toHaveLength(2);
    expect(revoked).toContain(created[created.length - 2]);
    player.dispose();
    expect(revoked).toContain(created[created.length - 1]);
  });
});
