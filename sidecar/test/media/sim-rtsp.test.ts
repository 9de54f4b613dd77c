import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startSimRtspServer, type SimRtspServer } from '../../src/simulator/rtsp.ts';
import { jpegSize } from '../../src/media/jpeg.ts';
import { deadline, ffmpegClient, nextEvent } from './helpers.ts';
import { JPEGS_TO_STDOUT, QUIET, rtspTcpInput } from '../helpers/ffmpeg-args.ts';

let sim: SimRtspServer;
const account = { username: 'camuser', password: 'Cam:Pass@1' };

before(async () => {
  sim = await startSimRtspServer({ name: 'Porch', ...account });
  // The clips are encoded once per camera name and cached: not inside a test's deadline.
  await sim.prepare();
});
after(async () => {
  await sim.close();
});

// A short analysis window: the simulator sends SPS/PPS in the SDP, the default 5 s of probing only slows tests.
const grab = (url: string) =>
  ffmpegClient([...rtspTcpInput(url, ['-analyzeduration', '500000']), '-frames:v', '1', ...JPEGS_TO_STDOUT]);

test('ffmpeg reads both streams over TCP with the camera account (Digest), at their sizes', async () => {
  assert.equal(sim.stats().encoders, 0, 'no encoder before anyone plays');
  const [hd, sd] = await Promise.all([grab(sim.url('stream1')), grab(sim.url('stream2'))]);
  assert.equal(hd.code, 0, hd.stderr);
  assert.equal(sd.code, 0, sd.stderr);
  assert.deepEqual(jpegSize(hd.stdout), { width: 1920, height: 1080 });
  assert.deepEqual(jpegSize(sd.stdout), { width: 640, height: 360 });
  assert.equal(sim.stats().sessions, 0);
});

test('a wrong password is refused with 401', async () => {
  const before = sim.stats().authFailures;
  const r = await grab(sim.url('stream1', { username: account.username, password: 'wrong' }));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /401 Unauthorized/);
  assert.equal(r.stdout.length, 0);
  assert.ok(sim.stats().authFailures > before);
  const nouser = await grab(`rtsp://${sim.host}:${sim.port}/stream1`);
  assert.match(nouser.stderr, /401/);
});

test('an unknown path is 404', async () => {
  const r = await grab(sim.url('stream1').replace('/stream1', '/stream9'));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /404/);
});

test('a third simultaneous session is refused with 453; the encoders stop when the last session leaves', async () => {
  const hold = (stream: 'stream1' | 'stream2') =>
    spawn('ffmpeg', [...QUIET, ...rtspTcpInput(sim.url(stream)), '-t', '30', '-f', 'null', '-'], { stdio: 'ignore' });
  const twoPlaying = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('two sessions did not start')), 15_000);
    const check = () => {
      if (sim.stats().playing === 2 && sim.stats().packetsSent > 0) {
        clearTimeout(t);
        sim.events.off('session', check);
        sim.events.off('encoder', check);
        resolve();
      }
    };
    sim.events.on('session', check);
    sim.events.on('encoder', check);
  });
  const a = hold('stream1');
  const b = hold('stream2');
  try {
    await twoPlaying;
    const refusedEvent = nextEvent(sim.events, 'refused', 15_000);
    const third = await grab(sim.url('stream1'));
    assert.notEqual(third.code, 0);
    assert.match(third.stderr, /453 Not Enough Bandwidth/);
    assert.deepEqual(await refusedEvent, { status: 453 });
    assert.equal(sim.stats().sessions, 2);
  } finally {
    const stopped = nextEvent(sim.events, 'session', 15_000, (e: { sessions: number }) => e.sessions === 0);
    a.kill('SIGKILL');
    b.kill('SIGKILL');
    await stopped;
  }
  assert.equal(sim.stats().encoders, 0);
  // The slots are free again.
  const again = await grab(sim.url('stream2'));
  assert.equal(again.code, 0, again.stderr);
});

test('Basic auth mode works for clients that only speak Basic', async () => {
  const basic = await startSimRtspServer({ name: 'Basic cam', ...account, auth: 'basic' });
  try {
    const ok = await grab(basic.url('stream2'));
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await grab(basic.url('stream2', { username: account.username, password: 'nope' }));
    assert.match(bad.stderr, /401/);
  } finally {
    await basic.close();
  }
});

/** Waits (bounded) until the server's counters satisfy `cond`. */
async function until(server: SimRtspServer, cond: (s: ReturnType<SimRtspServer['stats']>) => boolean, what: string) {
  const end = Date.now() + 15_000;
  while (!cond(server.stats())) {
    if (Date.now() > end) {
      assert.fail(`${what} within 15 s: ${JSON.stringify(server.stats())}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('fault switches: a frozen stream keeps its session but sends nothing; an offline camera drops and refuses connections', async () => {
  const viewer = spawn('ffmpeg', [...QUIET, ...rtspTcpInput(sim.url('stream2')), '-t', '60', '-f', 'null', '-'], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => viewer.once('exit', resolve));
  try {
    await until(sim, (s) => s.playing === 1 && s.packetsSent > 0, 'a session plays');
    sim.setFaults({ freeze: true });
    const { packetsSent: sent, packetsSkipped: skipped } = sim.stats();
    await until(sim, (s) => s.packetsSkipped > skipped + 30, 'pictures withheld');
    assert.equal(sim.stats().packetsSent, sent, 'nothing sent while frozen');
    assert.equal(sim.stats().playing, 1, 'the session stays open');
    sim.setFaults({ freeze: false });
    await until(sim, (s) => s.packetsSent > sent, 'pictures again once the freeze lifts');

    sim.setFaults({ offline: true });
    await deadline(exited, 15_000, 'the viewer is cut off');
    const refused = await grab(sim.url('stream2'));
    assert.notEqual(refused.code, 0, 'no new connection while offline');
    sim.setFaults({ offline: false });
    const ok = await grab(sim.url('stream2'));
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    sim.setFaults({ freeze: false, offline: false });
    viewer.kill('SIGKILL');
    await exited;
  }
});
