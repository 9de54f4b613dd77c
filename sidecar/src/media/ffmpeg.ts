/**
 * ffmpeg for the frame pipeline: the command line (the camera's video on stdin, one MJPEG pipe per
 * output width out), the health check, and turning ffmpeg's last words into a typed, secret-free error.
 */
import { spawn } from 'node:child_process';
import { MediaError, type MediaErrorKind } from './types.ts';
import { scrubSecrets } from '../util/scrub.ts';
import { ffmpegEnv } from './child-env.ts';

export interface OutputPlan {
  width: number;
  fps: number;
}

/** The file descriptor ffmpeg writes output `i` to: stdout for the first, then 3, 4, ... (2 is stderr). */
export function outputFd(i: number): number {
  return i === 0 ? 1 : i + 2;
}

function fmtFps(fps: number): string {
  return String(Math.round(fps * 1000) / 1000);
}

/**
 * One decode of the camera's video from stdin (Annex B H.264/H.265 from our RTSP client: no URL,
 * no account on the command line), split into one scaled, rate-limited MJPEG stream per output.
 * H.264 comes as FLV stamped with the camera's clock, so the fps filter picks pictures evenly
 * however bursty their arrival; raw H.265 is stamped with the wall clock on arrival.
 * `keyframesOnly` also tells the decoder to skip everything else.
 */
export function buildFfmpegArgs(
  outputs: OutputPlan[],
  opts: { input?: 'flv' | 'hevc'; keyframesOnly?: boolean; quality?: number; threads?: number } = {}
): string[] {
  if (outputs.length === 0) {
    throw new Error('at least one output');
  }
  const q = String(opts.quality ?? 5);
  // One thread each for decoding, filtering and encoding: small pictures at a few fps do not
  // gain from threads, and every extra thread brings its own frame buffers.
  const threads = String(opts.threads ?? 1);
  // round=up: the first picture leaves as soon as it is decoded, not once the next ones show
  // that it is the nearest to its slot (half a slot later).
  const chains = outputs.map(
    (o, i) => `fps=${fmtFps(o.fps)}:round=up,scale=${o.width}:-2:flags=bilinear,format=yuvj420p[o${i}]`
  );
  const graph =
    outputs.length === 1
      ? `[0:v]${chains[0]}`
      : `[0:v]split=${outputs.length}${outputs.map((_, i) => `[s${i}]`).join('')};` +
        chains.map((c, i) => `[s${i}]${c}`).join(';');
  const args = [
    '-hide_banner',
    // stdin is the video, not a keyboard.
    '-nostdin',
    '-loglevel',
    'error',
    '-flags',
    'low_delay',
    // FLV names the codec and carries its parameter sets, so the first picture (a keyframe: the
    // writer starts there) is all the probing needs, and the probed packets are decoded, not
    // dropped (as -fflags nobuffer would, leaving the decoder to wait a whole group for the next
    // keyframe). Raw H.265 has to be probed until its parameter sets and a picture have passed.
    ...(opts.input === 'hevc'
      ? ['-fflags', 'nobuffer', '-probesize', '32768', '-analyzeduration', '0', '-use_wallclock_as_timestamps', '1']
      : ['-probesize', '32', '-analyzeduration', '0']),
    '-threads',
    threads,
    ...(opts.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    '-f',
    opts.input ?? 'flv',
    '-i',
    'pipe:0',
    '-an',
    '-sn',
    '-dn',
    '-filter_complex_threads',
    threads,
    '-filter_complex',
    graph,
  ];
  outputs.forEach((_, i) => {
    args.push(
      '-map',
      `[o${i}]`,
      '-c:v',
      'mjpeg',
      '-q:v',
      q,
      '-threads',
      threads,
      '-fps_mode',
      'passthrough',
      '-f',
      'image2pipe',
      `pipe:${outputFd(i)}`
    );
  });
  return args;
}

/** Classifies ffmpeg's stderr (already scrubbed of secrets) into an error kind. */
export function classifyFfmpegFailure(stderr: string): MediaErrorKind {
  if (/401 Unauthorized|authorization failed/i.test(stderr)) {
    return 'auth_failed';
  }
  if (/\b453\b|Not Enough Bandwidth/i.test(stderr)) {
    return 'stream_busy';
  }
  if (/404 Not Found|Server returned 404/i.test(stderr)) {
    return 'not_found';
  }
  if (
    /Connection refused|No route to host|Network is unreachable|timed out|Connection reset|Host is unreachable|Name or service not known|Temporary failure in name resolution/i.test(
      stderr
    )
  ) {
    return 'unreachable';
  }
  if (/end of file|Invalid data found|Broken pipe/i.test(stderr)) {
    return 'stream_ended';
  }
  return 'ffmpeg_failed';
}

const KIND_WORDS: Record<MediaErrorKind, string> = {
  ffmpeg_missing: 'ffmpeg is not installed or not executable',
  ffmpeg_failed: 'ffmpeg failed',
  auth_failed: 'the camera refused the camera account (check the camera account user and password)',
  stream_busy:
    'the camera already serves its maximum of streams (an NVR may hold one; consider a restream override URL)',
  not_found: 'the camera has no such stream',
  no_card: "the camera's SD card is missing or unreadable",
  asleep: 'the hub could not wake the child camera',
  unreachable: 'the camera cannot be reached',
  stream_ended: 'the camera ended the stream',
  stalled: 'no picture arrived for too long',
  timeout: 'no picture arrived in time',
  closed: 'the frame pipeline is closed',
  invalid_source: 'the stream source is invalid',
  protocol: 'the camera answered something that is not RTSP/RTP video',
};

/** An error with words, the masked URL and ffmpeg's last line (scrubbed), never the password. */
export function ffmpegError(
  kind: MediaErrorKind,
  cameraId: string,
  url: string,
  maskedUrl: string,
  detail = ''
): MediaError {
  const last = scrubSecrets(detail, url).trim().split('\n').filter(Boolean).pop() ?? '';
  const tail = last ? `: ${last.slice(0, 300)}` : '';
  return new MediaError(kind, `camera ${cameraId} (${maskedUrl}): ${KIND_WORDS[kind]}${tail}`, cameraId);
}

export type FfmpegCheck = { ok: true; path: string; version: string } | { ok: false; path: string; error: MediaError };

/** Is there a working ffmpeg at `path`? For CheckHealth; never throws. */
export function checkFfmpeg(path = 'ffmpeg', timeoutMs = 5000): Promise<FfmpegCheck> {
  return new Promise((resolve) => {
    let out = '';
    let settled = false;
    const done = (r: FfmpegCheck) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(path, ['-hide_banner', '-version'], { stdio: ['ignore', 'pipe', 'ignore'], env: ffmpegEnv() });
    } catch (err) {
      resolve({
        ok: false,
        path,
        error: new MediaError('ffmpeg_missing', `ffmpeg at "${path}" cannot be started: ${(err as Error).message}`),
      });
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({
        ok: false,
        path,
        error: new MediaError('ffmpeg_failed', `ffmpeg at "${path}" did not answer -version within ${timeoutMs} ms`),
      });
    }, timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const kind = err.code === 'ENOENT' || err.code === 'EACCES' ? 'ffmpeg_missing' : 'ffmpeg_failed';
      done({
        ok: false,
        path,
        error: new MediaError(kind, `ffmpeg at "${path}" cannot be started (${err.code ?? err.message})`),
      });
    });
    child.on('close', (code) => {
      const first = out.split('\n')[0]?.trim() ?? '';
      if (code === 0 && /ffmpeg version/i.test(first)) {
        done({ ok: true, path, version: first });
      } else {
        done({
          ok: false,
          path,
          error: new MediaError(
            'ffmpeg_failed',
            `"${path}" -version exited with ${String(code)}: not a working ffmpeg`
          ),
        });
      }
    });
  });
}
