/**
 * Writes a video feed into ffmpeg's stdin. H.264 goes as FLV with the stream's own clock (made
 * monotonic across reconnects), H.265 as an Annex B byte stream (ffmpeg stamps it on arrival).
 * It starts at a keyframe, may pass keyframes only, and when the pipe backs up it drops pictures
 * up to the next keyframe rather than queueing without bound.
 */
import type { ChildProcess } from 'node:child_process';
import { annexB } from './annexb.ts';
import { flvFrame, flvHeader, flvSequenceHeader } from './flv.ts';
import type { StreamInfo, VideoCodec, VideoSubscriber } from './video/types.ts';

/**
 * Bytes queued on the pipe before pictures are skipped: about one and a half groups of pictures
 * (at least 64 KiB). An ffmpeg that falls behind (a busy host) then skips to the next keyframe and
 * shows the present, instead of catching up on seconds-old video in a burst.
 */
const MIN_BACKLOG = 64 * 1024;

export interface StdinWriterHooks {
  /** A keyframe passed; `atMs` is its stream time in ms. */
  onKeyframe?(atMs: number): void;
  onInfo?(info: StreamInfo): void;
  onError?(err: Error): void;
  /**
   * How much faster than the camera's the FLV clock runs from now on (default 1): ffmpeg's rate
   * filters then pass that many times more pictures per second (see plan.ts `retime`).
   */
  clockScale?(): number;
  /** The FLV clock neared its 32-bit end (a long retimed run): a new ffmpeg starts it over. */
  onClockSpent?(): void;
}

/** FLV stamps are 32-bit milliseconds; past this the writer asks for a fresh ffmpeg (~2 days' margin). */
const FLV_CLOCK_LIMIT = 2 ** 32 - 2 * 86_400_000;

/** The ffmpeg input format for a codec, as `buildFfmpegArgs` needs it. */
export function inputFormat(codec: VideoCodec): 'flv' | 'hevc' {
  return codec === 'h265' ? 'hevc' : 'flv';
}

export function stdinWriter(
  child: ChildProcess,
  codec: VideoCodec,
  keyframesOnly: boolean,
  hooks: StdinWriterHooks = {}
): VideoSubscriber {
  let info: StreamInfo | undefined;
  let waitKey = true;
  let headerSent = false;
  let configSent: StreamInfo | undefined;
  // The FLV clock in ms: the camera's, scaled by clockScale(), kept increasing across the feed's
  // reconnects (each restarts the camera's clock).
  let clock = 0;
  let prevStream: number | null = null;
  let last = -1;
  let spent = false;
  let gopBytes = 0;
  let lastGopBytes = 0;
  const write = (b: Buffer) => child.stdin!.write(b);
  return {
    onInfo(i) {
      info = i;
      hooks.onInfo?.(i);
    },
    onAccessUnit(au) {
      if (au.keyframe) {
        // Stream time, not arrival time: the spacing is exact however late packets arrive.
        hooks.onKeyframe?.(au.time90k / 90);
        lastGopBytes = gopBytes;
        gopBytes = 0;
      }
      gopBytes += au.nalus.reduce((a, n) => a + n.length, 0);
      const stdin = child.stdin;
      if (!stdin || stdin.destroyed || !stdin.writable || !info || info.codec !== codec) {
        return;
      }
      if ((keyframesOnly || waitKey) && !au.keyframe) {
        return;
      }
      // The group so far counts too: a subscriber who joins an open stream is handed its current
      // group at once, which must reach ffmpeg whole.
      if (stdin.writableLength > Math.max(MIN_BACKLOG, Math.max(lastGopBytes, gopBytes) * 1.5)) {
        waitKey = true;
        return;
      }
      waitKey = false;
      if (codec === 'h265') {
        write(annexB(au, info));
        return;
      }
      const stream = au.time90k / 90;
      if (prevStream === null) {
        clock = stream;
      } else {
        const d = stream - prevStream;
        clock += d > 0 ? d * (hooks.clockScale?.() ?? 1) : 0;
      }
      prevStream = stream;
      if (clock <= last) {
        clock = last + 1;
      }
      const t = clock;
      last = t;
      if (t > FLV_CLOCK_LIMIT && !spent) {
        spent = true;
        hooks.onClockSpent?.();
      }
      if (!headerSent) {
        headerSent = true;
        write(flvHeader());
      }
      if (configSent !== info) {
        configSent = info;
        write(flvSequenceHeader(info, t));
      }
      write(flvFrame(au, t));
    },
    onError(err) {
      hooks.onError?.(err);
    },
  };
}
