/**
 * Test helper: real H.264 from ffmpeg (libx264, testsrc2), split into access units by a small
 * Annex-B reader, as the RTSP client would hand them over (NAL units without start codes).
 */
import { spawn } from 'node:child_process';
import type { AccessUnit, StreamInfo } from '../../src/media/video/types.ts';
import { parseSps } from '../../src/media/fmp4/index.ts';

/** NAL units of an Annex-B byte stream (start codes 00 00 01 or 00 00 00 01). */
export function splitAnnexB(buf: Buffer): Buffer[] {
  const starts: Array<{ at: number; len: number }> = [];
  for (let i = 0; i + 2 < buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
      const four = i > 0 && buf[i - 1] === 0;
      starts.push({ at: four ? i - 1 : i, len: four ? 4 : 3 });
      i += 2;
    }
  }
  return starts.map((s, k) => buf.subarray(s.at + s.len, k + 1 < starts.length ? starts[k + 1].at : buf.length));
}

const isVcl = (t: number) => t === 1 || t === 5;

/** Groups NAL units into pictures: a new one starts at AUD/SPS/PPS/SEI after a slice, or at a slice with first_mb 0. */
export function accessUnits(nalus: Buffer[], fps: number): AccessUnit[] {
  const out: AccessUnit[] = [];
  let cur: Buffer[] = [];
  let sawVcl = false;
  const flush = () => {
    if (cur.length && sawVcl) {
      out.push({
        time90k: Math.round((out.length * 90_000) / fps),
        receivedAt: 0,
        keyframe: cur.some((n) => (n[0] & 0x1f) === 5),
        nalus: cur,
      });
    }
    cur = [];
    sawVcl = false;
  };
  for (const n of nalus) {
    const t = n[0] & 0x1f;
    if (sawVcl && ([6, 7, 8, 9].includes(t) || (isVcl(t) && (n[1] & 0x80) !== 0))) {
      flush();
    }
    cur.push(n);
    sawVcl ||= isVcl(t);
  }
  flush();
  return out;
}

export interface H264Clip {
  info: StreamInfo;
  aus: AccessUnit[];
  /** The Annex-B bytes ffmpeg wrote. */
  annexB: Buffer;
}

/** Encodes testsrc2 with libx264 and returns its access units; `extra` adds ffmpeg output options. */
export async function makeH264Clip(opts: {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  gop: number;
  extra?: string[];
}): Promise<H264Clip> {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${opts.width}x${opts.height}:rate=${opts.fps}`,
    '-t',
    String(opts.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    String(opts.gop),
    '-bf',
    '0',
    '-pix_fmt',
    'yuv420p',
    ...(opts.extra ?? []),
    '-f',
    'h264',
    '-',
  ];
  const annexB = await new Promise<Buffer>((resolve, reject) => {
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg: ${err}`))));
  });
  const nalus = splitAnnexB(annexB);
  const sps = nalus.filter((n) => (n[0] & 0x1f) === 7).slice(0, 1);
  const pps = nalus.filter((n) => (n[0] & 0x1f) === 8).slice(0, 1);
  if (!sps.length || !pps.length) {
    throw new Error('ffmpeg wrote no SPS/PPS');
  }
  const parsed = parseSps(sps[0]);
  return {
    info: { codec: 'h264', width: parsed.width, height: parsed.height, sps, pps, fps: opts.fps },
    aus: accessUnits(nalus, opts.fps),
    annexB,
  };
}
