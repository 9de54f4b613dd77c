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
import { alive, deadline, until } from './helpers.ts';

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

/** The process state letter from /proc (Z: a zombie, i.e. exited and waiting for its reaper). */
function stateOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0] ?? '';
  } catch {
    return '';
  }
}
