/**
 * Writes a video feed to a decoder's stdin as an Annex B byte stream: start codes before each NAL
 * unit, the parameter sets before every keyframe, and an access unit delimiter after each picture
 * (so ffmpeg's parser hands the picture on at once instead of waiting for the next one). It
 * starts at a keyframe; when the pipe backs up it drops pictures up to the next keyframe rather
 * than queueing without bound.
 */
import type { ChildProcess } from 'node:child_process';
import type { AccessUnit, StreamInfo, VideoSubscriber } from './video/types.ts';

const START = Buffer.from([0, 0, 0, 1]);
const AUD_H264 = Buffer.from([0, 0, 0, 1, 0x09, 0xf0]);
const AUD_H265 = Buffer.from([0, 0, 0, 1, 0x46, 0x01, 0x50]);
/** Bytes queued on the pipe before pictures are skipped (a few keyframes of a 2K stream). */
const PIPE_BACKLOG_LIMIT = 2 * 1024 * 1024;

export interface AnnexBHooks {
  /** A keyframe passed; `atMs` is its stream time in ms. */
  onKeyframe?(atMs: number): void;
  onError?(err: Error): void;
}

export interface AnnexBStats {
  written: number;
  skipped: number;
}

export function annexB(au: AccessUnit, info: StreamInfo | undefined): Buffer {
  const parts: Buffer[] = [];
  if (au.keyframe && info) {
    for (const n of [...(info.vps ?? []), ...info.sps, ...info.pps]) {
      parts.push(START, n);
    }
  }
  for (const n of au.nalus) {
    parts.push(START, n);
  }
  parts.push(info?.codec === 'h265' ? AUD_H265 : AUD_H264);
  return Buffer.concat(parts);
}

export function annexBWriter(
  child: ChildProcess,
  keyframesOnly: boolean,
  hooks: AnnexBHooks = {},
  stats: AnnexBStats = { written: 0, skipped: 0 }
): VideoSubscriber {
  let info: StreamInfo | undefined;
  let waitKey = true;
  return {
    onInfo(i) {
      info = i;
    },
    onAccessUnit(au) {
      if (au.keyframe) {
        // Stream time, not arrival time: the spacing is exact however late packets arrive.
        hooks.onKeyframe?.(au.time90k / 90);
      }
      const stdin = child.stdin;
      if (!stdin || stdin.destroyed || !stdin.writable) {
        return;
      }
      if ((keyframesOnly || waitKey) && !au.keyframe) {
        stats.skipped++;
        return;
      }
      if (stdin.writableLength > PIPE_BACKLOG_LIMIT) {
        waitKey = true;
        stats.skipped++;
        return;
      }
      waitKey = false;
      stdin.write(annexB(au, info));
      stats.written++;
    },
    onError(err) {
      hooks.onError?.(err);
    },
  };
}
