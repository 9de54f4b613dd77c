/**
 * The benches' floor: one bare ffmpeg per camera doing what the JPEG path does (read stream2 over
 * RTSP, decode, scale, JPEG at a fixed rate), so our path's CPU is measured against it in one run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { QUIET, rtspTcpInput } from '../test/helpers/ffmpeg-args.ts';

/** Starts the floor's ffmpeg on `url`; `onPicture` is called once per JPEG written. */
export function spawnFloorFfmpeg(url: string, fps: number, width: number, onPicture: () => void): ChildProcess {
  const child = spawn(
    'ffmpeg',
    [
      ...QUIET,
      ...rtspTcpInput(url, ['-threads', '1']),
      '-an',
      '-vf',
      `fps=${fps},scale=${width}:-2:flags=bilinear,format=yuvj420p`,
      '-c:v',
      'mjpeg',
      '-q:v',
      '5',
      '-threads',
      '1',
      '-f',
      'image2pipe',
      'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] }
  );
  child.stdout!.on('data', (d: Buffer) => {
    // A JPEG ends with FF D9: count pictures without parsing them.
    for (let k = 0; k + 1 < d.length; k++) {
      if (d[k] === 0xff && d[k + 1] === 0xd9) {
        onPicture();
      }
    }
  });
  return child;
}
