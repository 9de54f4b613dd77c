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
}

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
  // Stream time in ms, kept increasing across the feed's reconnects (each restarts its clock).
  let offset = 0;
  let last = -1;
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
      let t = au.time90k / 90 + offset;
      if (t <= last) {
        offset += last + 1 - t;
        t = last + 1;
      }
      last = t;
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
