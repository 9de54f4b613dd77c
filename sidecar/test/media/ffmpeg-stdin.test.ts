/**
 * ffmpeg reads the camera's video from our RTSP client on stdin: the camera account is nowhere on
 * its command line, and it dies with the sidecar, even when the sidecar is killed with SIGKILL.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSimRtspServer, type SimRtspServer } from '../../src/simulator/rtsp.ts';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { stdinWriter } from '../../src/media/stdin-writer.ts';
import { RtspVideoFeeds } from '../../src/media/video/feeds.ts';
import { PassThrough, Writable } from 'node:stream';
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

test('what ffmpeg reads is FLV with the camera clock, increasing across a reconnect (ffprobe reads it back)', async () => {
  const url = sim.url('stream2');
  const feeds = new RtspVideoFeeds(() => ({ url, maskedUrl: maskUrl(url) }));
  const stdin = new PassThrough();
  const chunks: Buffer[] = [];
  stdin.on('data', (d: Buffer) => chunks.push(d));
  const writer = stdinWriter({ stdin } as unknown as ChildProcess, 'h264', false);
  let n = 0;
  try {
    await deadline(
      new Promise<void>((resolve) => {
        feeds.feed('flv', 'sub')!.subscribe({
          onInfo: (i) => writer.onInfo(i),
          onAccessUnit: (au) => {
            n++;
            // After 20 pictures the clock starts again, as after a reconnect.
            writer.onAccessUnit(n > 20 ? { ...au, time90k: au.time90k - 20 * 6000 } : au);
            if (n === 40) {
              resolve();
            }
          },
        });
      }),
      20_000,
      '40 pictures'
    );
  } finally {
    feeds.close();
  }
  stdin.end();
  const probe = await new Promise<string>((resolve) => {
    const p = spawn(
      'ffprobe',
      [
        '-v',
        'error',
        '-f',
        'flv',
        '-i',
        'pipe:0',
        '-show_entries',
        'packet=pts_time,flags:stream=codec_name,width,height',
        '-of',
        'csv=p=0',
      ],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      }
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => resolve(out));
    p.stdin.end(Buffer.concat(chunks));
  });
  const lines = probe.trim().split('\n');
  assert.ok(lines.includes('h264,640,360'), probe.slice(0, 200));
  const pts = lines.filter((l) => /^\d+\.\d+,/.test(l)).map((l) => Number(l.split(',')[0]));
  assert.equal(pts.length, 40);
  assert.match(lines.find((l) => /^\d+\.\d+,/.test(l))!, /K/, 'starts with a keyframe');
  for (let i = 1; i < pts.length; i++) {
    assert.ok(pts[i] > pts[i - 1], `increasing at ${i}: ${pts[i - 1]} -> ${pts[i]}`);
  }
  // 15 fps on the camera clock (ms resolution), also over the restart.
  assert.ok(Math.abs(pts[19] - pts[0] - 19 / 15) < 0.01, `${pts[19] - pts[0]}`);
  assert.ok(Math.abs(pts[39] - pts[21] - 18 / 15) < 0.01, `${pts[39] - pts[21]}`);
});

test('a decoder that falls behind gets no backlog beyond ~1.5 groups of pictures, and resumes at a keyframe', async () => {
  // A stdin whose reader is stuck: nothing written is ever consumed until `release`.
  const held: Array<() => void> = [];
  let stuck = true;
  const stdin = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => (stuck ? void held.push(cb) : cb()) });
  const written: boolean[] = [];
  const realWrite = stdin.write.bind(stdin);
  let lastKey = false;
  stdin.write = ((chunk: Buffer) => {
    written.push(lastKey);
    return realWrite(chunk);
  }) as typeof stdin.write;
  const w = stdinWriter({ stdin } as unknown as ChildProcess, 'h264', false);
  const sps = Buffer.from('Z0LAFtkAoC/5cBEAAAMAAQAAAwAeDxYuSA==', 'base64');
  const pps = Buffer.from('aMuDyyA=', 'base64');
  w.onInfo({ codec: 'h264', width: 640, height: 360, sps: [sps], pps: [pps] });
  let t = 0;
  const au = (keyframe: boolean, size: number) => {
    lastKey = keyframe;
    w.onAccessUnit({
      time90k: (t += 6000),
      receivedAt: 0,
      keyframe,
      nalus: [Buffer.alloc(size, keyframe ? 0x65 : 0x41)],
    });
  };
  // One group of 15 pictures, 40 kB in all, then the decoder stops reading.
  au(true, 12_000);
  for (let i = 0; i < 14; i++) {
    au(false, 2000);
  }
  const before = written.length;
  for (let i = 0; i < 200; i++) {
    au(i % 15 === 0, i % 15 === 0 ? 12_000 : 2000);
  }
  const queued = stdin.writableLength;
  assert.ok(queued <= 64 * 1024 + 12_000 + 200, `backlog ${queued} bytes`);
  assert.ok(written.length - before < 60, 'most pictures were skipped, not queued');
  // The reader catches up: writing resumes, and the first picture written is a keyframe.
  stuck = false;
  held.splice(0).forEach((cb) => cb());
  await new Promise<void>((resolve) => (stdin.writableLength === 0 ? resolve() : stdin.once('drain', resolve)));
  assert.equal(stdin.writableLength, 0);
  const resumeAt = written.length;
  au(false, 2000);
  au(true, 12_000);
  au(false, 2000);
  assert.deepEqual(written.slice(resumeAt).slice(0, 1), [true]);
});

/** The process state letter from /proc (Z: a zombie, i.e. exited and waiting for its reaper). */
function stateOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0] ?? '';
  } catch {
    return '';
  }
}
