/**
 * A recorded clip as the Live video channel's packets (the same fMP4 rows the panel's MSE player
 * takes for live video): an init segment before every keyframe, one fragment per picture timed by
 * the camera's clock, and problem rows that say why there is nothing more: the end of the clip
 * (PLAYBACK_END), or the camera's words (busy, no card, ended early). Also the clip as one MP4
 * file (init + fragments) for the download resource.
 */
import { PLAYBACK_END, RECORDINGS_LIMITS } from '../../../src/shared/query.ts';
import { Fmp4Muxer, packageInfo, type Packaged } from '../media/fmp4/index.ts';
import type { AccessUnit, StreamInfo } from '../media/video/types.ts';
import type { RecordingSink } from './deps.ts';
import type { VideoPacket } from './video-relay.ts';

/** Why a requested clip cannot be played or downloaded at all; null when it can. */
export function clipProblem(start: number, end: number): string | null {
  if (end < start) {
    return 'the clip ends before it starts';
  }
  if (end - start + 1 > RECORDINGS_LIMITS.maxClipSeconds) {
    return `a clip is at most ${RECORDINGS_LIMITS.maxClipSeconds / 60} minutes long`;
  }
  return null;
}

export function problemPacket(error: string, info?: Packaged | null): VideoPacket {
  return {
    kind: 'problem',
    time: Date.now(),
    seq: 0,
    keyframe: false,
    codec: info?.codec ?? '',
    width: info?.width ?? 0,
    height: info?.height ?? 0,
    data: Buffer.alloc(0),
    error,
    receivedAt: performance.now(),
  };
}

/**
 * A RecordingSink that packages the clip: `emit` gets [init, fragment] at each keyframe and
 * [fragment] otherwise; pictures before the first keyframe are dropped (nothing can decode them).
 */
export class ClipPackager implements RecordingSink {
  private packaged: Packaged | null = null;
  private muxer: Fmp4Muxer | null = null;
  private started = false;
  /** The whole clip came (onDone). */
  completed = false;

  constructor(
    private readonly emit: (packets: VideoPacket[]) => void,
    private readonly finished: (problem: VideoPacket) => void
  ) {}

  onInfo(info: StreamInfo): void {
    try {
      this.packaged = packageInfo(info);
      this.muxer ??= new Fmp4Muxer(info.fps);
    } catch (e) {
      this.packaged = null;
      this.finished(problemPacket((e as Error).message));
    }
  }

  onAccessUnit(au: AccessUnit, ptsMs: number | null): void {
    const p = this.packaged;
    if (!p || !this.muxer || (!this.started && !au.keyframe)) {
      return;
    }
    this.started = true;
    const frag = this.muxer.fragment(au);
    const packet: VideoPacket = {
      kind: 'fragment',
      time: ptsMs ?? Date.now(),
      seq: frag.seq,
      keyframe: au.keyframe,
      codec: p.codec,
      width: p.width,
      height: p.height,
      data: frag.data,
      error: null,
      receivedAt: au.receivedAt,
    };
    if (au.keyframe) {
      this.emit([{ ...packet, kind: 'init', keyframe: false, data: p.init }, packet]);
    } else {
      this.emit([packet]);
    }
  }

  onDone(): void {
    this.completed = true;
    this.finished(problemPacket(PLAYBACK_END, this.packaged));
  }

  onEnd(err: Error): void {
    this.finished(problemPacket(err.message, this.packaged));
  }
}
