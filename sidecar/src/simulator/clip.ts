/**
 * Camera-sized test clips for the simulated RTSP streams: a few seconds of H.264 at a stream's real
 * size, frame rate, bit rate and keyframe spacing, with the camera's name drawn in, encoded ONCE
 * with ffmpeg (libx264, no B-frames, as cameras encode) and cached on disk like the certificates
 * (written to a temp name and renamed). The server replays the clip in a loop by copying packets,
 * so a simulated camera costs a timer and some memcpy, not an encoder.
 *
 * Also the RTP packetiser for the replay (RFC 6184: single NAL units, FU-A above the MTU).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClipSpec {
  width: number;
  height: number;
  fps: number;
  /** Target bit rate in kbit/s. */
  kbps: number;
  /** Frames from one keyframe to the next. */
  gop: number;
}

/** One picture of the clip, already cut into RTP payloads (the last one carries the marker). */
export interface ClipFrame {
  keyframe: boolean;
  payloads: Buffer[];
  bytes: number;
}

export interface Clip {
  spec: ClipSpec;
  sps: Buffer;
  pps: Buffer;
  frames: ClipFrame[];
  /** Mean bit rate of the clip in kbit/s (what the stream sends). */
  kbps: number;
}

/** Models' stream sizes (stream1; stream2 is 640×360 on all of them). */
const MAIN_SIZE: Record<string, { width: number; height: number }> = {
  C210: { width: 2304, height: 1296 },
  C220: { width: 2304, height: 1296 },
  C110: { width: 2304, height: 1296 },
  C310: { width: 2304, height: 1296 },
  C200: { width: 1920, height: 1080 },
  C100: { width: 1920, height: 1080 },
  C400: { width: 1920, height: 1080 },
};

/** stream1 / stream2 as a model sends them: 15 fps, ~1.6 Mbit/s and a keyframe every 2 s; 640×360 at ~320 kbit/s, every 1 s. */
export function cameraStreams(model?: string): { stream1: ClipSpec; stream2: ClipSpec } {
  const main = MAIN_SIZE[model ?? ''] ?? { width: 1920, height: 1080 };
  return {
    stream1: { ...main, fps: 15, kbps: 1600, gop: 30 },
    stream2: { width: 640, height: 360, fps: 15, kbps: 320, gop: 15 },
  };
}

/** Seconds of picture in a clip (a whole number of keyframe intervals is taken from this). */
const CLIP_SECONDS = 4;
/** RTP payload bytes per packet, below any MTU. */
export const RTP_PAYLOAD_MAX = 1200;
/** Bumped when the encoding changes, so stale cached clips are not reused. */
const CLIP_VERSION = 1;
/** Encodes at once: a 16-camera fleet starting must not start 32 encoders on a small machine. */
const MAX_ENCODES = 2;

/** NAL units of an Annex B byte stream (start codes removed). */
export function annexBNalUnits(buf: Buffer): Buffer[] {
  const starts: Array<{ at: number; len: number }> = [];
  for (let i = 0; i + 3 <= buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
      const four = i > 0 && buf[i - 1] === 0;
      starts.push({ at: four ? i - 1 : i, len: four ? 4 : 3 });
      i += 2;
    }
  }
  return starts
    .map((s, k) => buf.subarray(s.at + s.len, k + 1 < starts.length ? starts[k + 1].at : buf.length))
    .filter((n) => n.length > 0);
}

/** RTP payloads of one NAL unit: itself, or FU-A fragments. */
export function packetiseNal(nal: Buffer, max = RTP_PAYLOAD_MAX): Buffer[] {
  if (nal.length <= max) {
    return [nal];
  }
  const indicator = (nal[0] & 0xe0) | 28;
  const type = nal[0] & 0x1f;
  const out: Buffer[] = [];
  for (let at = 1; at < nal.length; at += max - 2) {
    const end = Math.min(nal.length, at + max - 2);
    const header = (at === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
    out.push(Buffer.concat([Buffer.from([indicator, header]), nal.subarray(at, end)]));
  }
  return out;
}

/** Groups a clip's NAL units into pictures (one slice per picture) with SPS/PPS before each IDR. */
export function framesOf(nals: Buffer[]): { sps: Buffer; pps: Buffer; frames: ClipFrame[] } {
  const sps = nals.find((n) => (n[0] & 0x1f) === 7);
  const pps = nals.find((n) => (n[0] & 0x1f) === 8);
  if (!sps || !pps) {
    throw new Error('the encoded clip has no SPS/PPS');
  }
  const frames: ClipFrame[] = [];
  for (const nal of nals) {
    const type = nal[0] & 0x1f;
    if (type !== 1 && type !== 5) {
      continue; // parameter sets are re-sent before each IDR below; SEI/AUD are not needed
    }
    const keyframe = type === 5;
    const units = keyframe ? [sps, pps, nal] : [nal];
    const payloads = units.flatMap((u) => packetiseNal(Buffer.from(u)));
    frames.push({ keyframe, payloads, bytes: payloads.reduce((a, p) => a + p.length, 0) });
  }
  if (frames.length === 0 || !frames[0].keyframe) {
    throw new Error('the encoded clip does not start with a keyframe');
  }
  return { sps: Buffer.from(sps), pps: Buffer.from(pps), frames };
}

function encoderArgs(spec: ClipSpec, caption: string | null, frames: number, out: string): string[] {
  const size = Math.max(12, Math.round(spec.height / 14));
  const label = caption?.replace(/[^A-Za-z0-9 _.-]/g, '_').slice(0, 40);
  // A little temporal noise so the picture costs what a real scene costs at this bit rate.
  const vf = ['noise=alls=10:allf=t'];
  if (label) {
    vf.push(
      `drawtext=text='${label}':fontcolor=white:fontsize=${size}:x=${size / 2}:y=${size / 2}:box=1:boxcolor=black@0.6`
    );
  }
  const rate = `${spec.kbps}k`;
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
    '-vf',
    vf.join(','),
    '-frames:v',
    String(frames),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    spec.width * spec.height > 1280 * 720 ? 'main' : 'baseline',
    '-pix_fmt',
    'yuv420p',
    '-bf',
    '0',
    '-g',
    String(spec.gop),
    '-keyint_min',
    String(spec.gop),
    '-sc_threshold',
    '0',
    '-b:v',
    rate,
    '-maxrate',
    rate,
    '-bufsize',
    `${spec.kbps * 2}k`,
    '-x264-params',
    'slices=1:repeat-headers=1',
    '-f',
    'h264',
    out,
  ];
}

let running = 0;
const waiting: Array<() => void> = [];

export async function withEncodeSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_ENCODES) {
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export function runFfmpeg(ffmpegPath: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`ffmpeg could not encode the simulated clip (${String(code)}): ${stderr.trim()}`));
      }
    });
  });
}

const clips = new Map<string, Promise<Clip>>();
const files = new Map<string, Promise<string>>();

function clipKey(spec: ClipSpec, caption: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([CLIP_VERSION, spec.width, spec.height, spec.fps, spec.kbps, spec.gop, caption]))
    .digest('hex')
    .slice(0, 24);
}

/** The disk cache of clips (CAMWATCH_SIM_CLIP_DIR or the OS temp dir). */
export function clipDir(): string {
  const dir = process.env.CAMWATCH_SIM_CLIP_DIR ?? join(tmpdir(), 'camwatch-sim-clips');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * The Annex B file of a stream spec's clip with `caption` drawn in (null: no caption, when ffmpeg
 * cannot draw text), encoded on first use and kept on disk.
 */
export function clipFile(spec: ClipSpec, caption: string | null, ffmpegPath = 'ffmpeg'): Promise<string> {
  const key = clipKey(spec, caption);
  let p = files.get(key);
  if (!p) {
    p = (async () => {
      const file = join(clipDir(), `${spec.width}x${spec.height}-${spec.fps}-${key}.h264`);
      if (!existsSync(file)) {
        const gops = Math.max(1, Math.round((CLIP_SECONDS * spec.fps) / spec.gop));
        const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}`;
        try {
          await withEncodeSlot(() => runFfmpeg(ffmpegPath, encoderArgs(spec, caption, gops * spec.gop, tmp)));
          renameSync(tmp, file);
        } finally {
          rmSync(tmp, { force: true });
        }
      }
      return file;
    })();
    files.set(key, p);
    // A failed encode (ffmpeg missing) may succeed later: do not cache the failure.
    p.catch(() => files.delete(key));
  }
  return p;
}

/** The clip of a stream spec, cut into RTP payloads (see clipFile). */
export function loadClip(spec: ClipSpec, caption: string | null, ffmpegPath = 'ffmpeg'): Promise<Clip> {
  const key = clipKey(spec, caption);
  let p = clips.get(key);
  if (!p) {
    p = (async () => {
      const file = await clipFile(spec, caption, ffmpegPath);
      const { sps, pps, frames } = framesOf(annexBNalUnits(readFileSync(file)));
      const bytes = frames.reduce((a, f) => a + f.bytes, 0);
      return { spec, sps, pps, frames, kbps: Math.round((bytes * 8 * spec.fps) / frames.length / 1000) };
    })();
    clips.set(key, p);
    p.catch(() => clips.delete(key));
  }
  return p;
}
