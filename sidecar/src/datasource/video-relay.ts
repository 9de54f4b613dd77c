/**
 * One camera stream's fMP4 for the Live video channel: subscribes to the camera's video feed while
 * someone listens, packages each picture as one fragment, and keeps the current group of pictures
 * (init + fragments since the last keyframe) so that a viewer who joins mid-stream starts at the
 * last keyframe instead of waiting for the next one.
 */
import { Fmp4Muxer, packageInfo, UnsupportedCodecError, type Packaged } from '../media/fmp4/index.ts';
import type { AccessUnit, StreamInfo, VideoFeed, VideoFeeds } from '../media/video/types.ts';
import type { VideoPacketKind, VideoStreamName } from '../../../src/shared/query.ts';
import { GopArena } from '../media/video/gop-arena.ts';

export interface VideoPacket {
  kind: VideoPacketKind;
  /** Epoch ms: when the picture's last packet arrived (a problem's own time otherwise). */
  time: number;
  seq: number;
  keyframe: boolean;
  codec: string;
  width: number;
  height: number;
  data: Buffer;
  error: string | null;
  /** performance.now() when the picture arrived, for latency figures. */
  receivedAt: number;
}

export type VideoListener = (packets: VideoPacket[]) => void;

/** Initial data a new viewer gets: at most this much of the current group (the rest comes live). */
export const MAX_INITIAL_BYTES = 512 * 1024;
/** A group longer than this stops being kept (a camera with keyframes far apart). */
const MAX_KEPT_BYTES = 2 * 1024 * 1024;
/** The group's memory to begin with: about a 2 s group of a 1.5 Mbit/s stream1 (it grows as needed). */
const ARENA_START_BYTES = 512 * 1024;

/** performance.timeOrigin, read once: its getter is not free, and every picture asks. */
const ORIGIN = performance.timeOrigin;
const epoch = (perfMs: number) => Math.round(ORIGIN + perfMs);

export class VideoRelay {
  private listeners = new Set<VideoListener>();
  /** The listeners as an array, made anew on every change (emit runs for every picture; changes are rare). */
  private listenerList: VideoListener[] = [];
  private off: (() => void) | null = null;
  private packaged: Packaged | null = null;
  private problem: VideoPacket | null = null;
  private muxer: Fmp4Muxer | null = null;
  private gop: VideoPacket[] = [];
  private gopBytes = 0;
  /** The group's fragments are views into this; they are only read while a packet is sent. */
  private arena: GopArena | null = null;
  private lastInfo: StreamInfo | undefined;

  constructor(readonly feed: VideoFeed) {}

  /** Listens to every packet from now on; the first listener starts the feed, the last stops it. */
  listen(listener: VideoListener): () => void {
    this.listeners.add(listener);
    this.listenerList = [...this.listeners];
    if (!this.off) {
      this.off = this.feed.subscribe({
        onInfo: (info) => this.onInfo(info),
        onAccessUnit: (au) => this.onAccessUnit(au),
        onError: (err) => this.emit([this.problemPacket(err.message)]),
      });
      const known = this.feed.info();
      if (known && known !== this.lastInfo) {
        this.onInfo(known);
      }
    }
    return () => {
      this.listeners.delete(listener);
      this.listenerList = [...this.listeners];
      if (this.listeners.size === 0 && this.off) {
        const off = this.off;
        this.off = null;
        this.gop = [];
        this.gopBytes = 0;
        this.arena = null; // an unwatched camera holds no group
        off();
      }
    };
  }

  /** What a viewer joining now needs: init + the current group (capped), or why there is no video. */
  joinPackets(): VideoPacket[] {
    if (this.problem && !this.packaged) {
      return [this.problem];
    }
    const info = this.packaged ?? this.tryPackage(this.feed.info());
    if (!info) {
      return this.problem ? [this.problem] : [];
    }
    const out: VideoPacket[] = [this.initPacket(info, this.gop[0])];
    let bytes = out[0].data.length;
    for (const p of this.gop) {
      bytes += p.data.length;
      if (bytes > MAX_INITIAL_BYTES) {
        break;
      }
      out.push(p);
    }
    return out;
  }

  private tryPackage(info: StreamInfo | undefined): Packaged | null {
    if (!info) {
      return null;
    }
    try {
      return packageInfo(info);
    } catch (err) {
      this.problem = this.problemPacket((err as Error).message, info.codec);
      return null;
    }
  }

  private onInfo(info: StreamInfo): void {
    this.lastInfo = info;
    const packaged = this.tryPackage(info);
    this.packaged = packaged;
    this.gop = [];
    this.gopBytes = 0;
    if (!packaged) {
      this.emit([this.problem!]);
      return;
    }
    this.problem = null;
    // One muxer for the relay's life: its clock stays continuous across camera reconnects.
    this.muxer ??= new Fmp4Muxer(info.fps);
  }

  private onAccessUnit(au: AccessUnit): void {
    const packaged = this.packaged;
    if (!packaged || !this.muxer) {
      return;
    }
    if (!au.keyframe && this.gop.length === 0) {
      return; // nobody can decode it until a keyframe came
    }
    if (au.keyframe) {
      // The group before is let go here (nothing else holds its packets: every listener and
      // joiner turns them into a Live packet at once), so its memory starts over.
      this.gop = [];
      this.gopBytes = 0;
      this.arena ??= new GopArena(ARENA_START_BYTES, MAX_KEPT_BYTES);
      this.arena.restart();
    }
    const arena = this.arena;
    const frag = this.muxer.fragment(au, arena ? (size) => arena.take(size) : undefined);
    const packet: VideoPacket = {
      kind: 'fragment',
      time: epoch(au.receivedAt),
      seq: frag.seq,
      keyframe: au.keyframe,
      codec: packaged.codec,
      width: packaged.width,
      height: packaged.height,
      data: frag.data,
      error: null,
      receivedAt: au.receivedAt,
    };
    if (this.gopBytes + packet.data.length <= MAX_KEPT_BYTES) {
      this.gop.push(packet);
      this.gopBytes += packet.data.length;
    }
    // Every keyframe travels with the init segment, so any viewer can start there.
    this.emit(au.keyframe ? [this.initPacket(packaged, packet), packet] : [packet]);
  }

  private initPacket(p: Packaged, next: VideoPacket | undefined): VideoPacket {
    return {
      kind: 'init',
      time: next?.time ?? Date.now(),
      seq: next?.seq ?? 0,
      keyframe: false,
      codec: p.codec,
      width: p.width,
      height: p.height,
      data: p.init,
      error: null,
      receivedAt: next?.receivedAt ?? performance.now(),
    };
  }

  private problemPacket(message: string, codec = this.lastInfo?.codec ?? ''): VideoPacket {
    const known = this.lastInfo;
    return {
      kind: 'problem',
      time: Date.now(),
      seq: 0,
      keyframe: false,
      codec,
      width: known?.width ?? 0,
      height: known?.height ?? 0,
      data: Buffer.alloc(0),
      error: message,
      receivedAt: performance.now(),
    };
  }

  private emit(packets: VideoPacket[]): void {
    // A listener added or removed meanwhile makes a new list: this one is not disturbed.
    const list = this.listenerList;
    for (let i = 0; i < list.length; i++) {
      list[i](packets);
    }
  }
}

/** The relays of one VideoFeeds, one per camera stream, kept while the sidecar runs. */
export class VideoRelays {
  private relays = new Map<string, VideoRelay>();
  constructor(private readonly feeds: VideoFeeds) {}

  get(cameraId: string, stream: VideoStreamName): VideoRelay | undefined {
    const key = `${cameraId}\u0000${stream}`;
    const feed = this.feeds.feed(cameraId, stream);
    const known = this.relays.get(key);
    if (known && known.feed === feed) {
      return known;
    }
    if (!feed) {
      this.relays.delete(key);
      return undefined;
    }
    const relay = new VideoRelay(feed);
    this.relays.set(key, relay);
    return relay;
  }
}

const byFeeds = new WeakMap<VideoFeeds, VideoRelays>();

/** The relays shared by every datasource instance that uses these feeds. */
export function relaysFor(feeds: VideoFeeds): VideoRelays {
  let r = byFeeds.get(feeds);
  if (!r) {
    r = new VideoRelays(feeds);
    byFeeds.set(feeds, r);
  }
  return r;
}

export { UnsupportedCodecError };
