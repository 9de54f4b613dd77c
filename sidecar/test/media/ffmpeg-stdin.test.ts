/**
 * ffmpeg reads the camera's video from our RTSP client on stdin: the camera account is nowhere on
 * its command line, and it dies with the sidecar, even when the sidecar is killed with SIGKILL.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSimRtspServer, type SimRtspServer } from '../../src/simulator/rtsp.ts';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { maskUrl } from '../../src/tapo/rtsp.ts';
import { alive, deadline, nextEvent, until } from './helpers.ts';

const USER = 'cmdlineuser';
const PASSWORD = 'Pr0c:Cmd@line';
let sim: SimRtspServer;

before(async () => {
  sim = await startSimRtspServer({ name: 'Cmdline', username: USER, password: PASSWORD });
  await sim.prepare();
});
after(async () => {
  await sim.close();
});

test('the running ffmpeg has no camera user or password on its command line, and dies with a SIGKILLed parent', async () => {
  const fixture = fileURLToPath(new URL('./fixtures/pipeline-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, FIXTURE_RTSP_URL: sim.url('stream2') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let ffmpegPid = 0;
  try {
    await deadline(
      new Promise<void>((resolve, reject) => {
        child.once('exit', () => reject(new Error(`fixture exited: ${out}`)));
        child.stdout.on('data', () => {
          const m = /ffmpeg (\d+)/.exec(out);
          if (m && /frame 320/.test(out)) {
            ffmpegPid = Number(m[1]);
            resolve();
          }
        });
      }),
      30_000,
      'the fixture’s first picture'
    );
    const cmdline = readFileSync(`/proc/${ffmpegPid}/cmdline`, 'utf8').split('\0').join(' ');
    assert.match(cmdline, /pipe:0/);
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), USER, 'rtsp://']) {
      assert.ok(!cmdline.includes(secret), `"${secret}" on ffmpeg's command line: ${cmdline}`);
    }
    child.kill('SIGKILL');
    // ffmpeg sees its stdin close (and its outputs break) and exits by itself.
    await until(() => !alive(ffmpegPid) || /\bZ\b/.test(stateOf(ffmpegPid)), 10_000, 'ffmpeg to exit');
  } finally {
    child.kill('SIGKILL');
    if (ffmpegPid && alive(ffmpegPid)) {
      process.kill(ffmpegPid, 'SIGKILL');
    }
  }
});

test('pictures at the keyframe rate are decoded from keyframes only; a faster subscriber brings full decoding back', async () => {
  const p = new FramePipeline({ idleMs: 200 });
  const url = sim.url('stream2'); // a keyframe every second
  const src = { cameraId: 'keys', url, maskedUrl: maskUrl(url), stream: 'sub' as const };
  const times: number[] = [];
  try {
    const keyOnly = nextEvent<{ keyframesOnly: boolean }>(p.events, 'ffmpeg-start', 30_000, (e) => e.keyframesOnly);
    const un = p.subscribe(src, { fps: 1, width: 160 }, (f) => void times.push(f.time));
    await keyOnly;
    assert.equal(p.cameraStats('keys')[0].keyframesOnly, true);
    const n = times.length;
    await until(() => times.length >= n + 3, 15_000, 'pictures from keyframes');
    const full = nextEvent<{ keyframesOnly: boolean }>(p.events, 'ffmpeg-start', 15_000, (e) => !e.keyframesOnly);
    const un2 = p.subscribe(src, { fps: 5, width: 160 }, () => undefined);
    await full;
    un2();
    un();
  } finally {
    await p.close();
  }
});

/** The process state letter from /proc (Z: a zombie, i.e. exited and waiting for its reaper). */
function stateOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0] ?? '';
  } catch {
    return '';
  }
}
