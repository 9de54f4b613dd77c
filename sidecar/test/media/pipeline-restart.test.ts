/** The frame pipeline against the simulator's real RTSP stream: restarts after ffmpeg or the stream dies, and plan changes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { jpegSize } from '../../src/media/jpeg.ts';
import { MediaError, type JpegPicture } from '../../src/media/types.ts';
import { nextEvent, until } from './helpers.ts';
import { pipelineSimulator } from './pipeline-sim.ts';

const garden = pipelineSimulator();

test('when ffmpeg is killed the subscribers are told and it restarts with backoff', async () => {
  const p = new FramePipeline({ backoffInitialMs: 100, idleMs: 200 });
  const src = garden.source('kill');
  const errors: MediaError[] = [];
  const frames: JpegPicture[] = [];
  try {
    const un = p.subscribe(src, { fps: 5, width: 320, onError: (e) => errors.push(e) }, (f) => void frames.push(f));
    const first = await nextEvent<{ pid: number }>(p.events, 'ffmpeg-start', 15_000);
    await until(() => frames.length > 0, 15_000, 'a first frame');
    const restarted = nextEvent<{ pid: number }>(p.events, 'ffmpeg-start', 15_000);
    process.kill(first.pid, 'SIGKILL');
    const second = await restarted;
    assert.notEqual(second.pid, first.pid);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof MediaError);
    assert.equal(errors[0].kind, 'ffmpeg_failed');
    assert.match(errors[0].message, /killed/);
    assert.ok(!errors[0].message.includes('V1ew:er@pass') && !errors[0].message.includes('V1ew%3Aer%40pass'));
    const before = frames.length;
    await until(() => frames.length > before + 2, 15_000, 'frames after the restart');
    assert.equal(p.cameraStats('kill')[0].restarts, 1);
    assert.equal(p.cameraStats('kill')[0].lastError, null, 'a working stream clears the error');
    un();
  } finally {
    await p.close();
  }
});

test('a stream the camera drops is reopened', async () => {
  const p = new FramePipeline({ backoffInitialMs: 100 });
  const src = garden.source('drop', 'stream2');
  const errors: MediaError[] = [];
  let n = 0;
  try {
    const un = p.subscribe(src, { fps: 5, width: 160, onError: (e) => errors.push(e) }, () => void n++);
    await until(() => n > 0, 15_000, 'a first frame');
    const restarted = nextEvent(p.events, 'ffmpeg-start', 15_000);
    garden.sim.dropClients();
    await restarted;
    const before = n;
    await until(() => n > before + 2, 15_000, 'frames after the camera dropped us');
    assert.ok(errors.length >= 1);
    assert.ok(['stream_ended', 'ffmpeg_failed', 'unreachable'].includes(errors[0].kind), errors[0].kind);
    un();
  } finally {
    await p.close();
  }
});

test('a wider subscriber restarts ffmpeg at once and the camera never sees two of our sessions', async () => {
  const p = new FramePipeline({ idleMs: 200, downgradeMs: 60_000 });
  const src = garden.source('upgrade');
  garden.maxSessions = garden.sim.stats().sessions;
  const small: JpegPicture[] = [];
  const big: JpegPicture[] = [];
  try {
    const u1 = p.subscribe(src, { fps: 2, width: 160 }, (f) => void small.push(f));
    await until(() => small.length > 0, 15_000, 'a small frame');
    const restarted = nextEvent<{ outputs: Array<{ width: number; fps: number }> }>(p.events, 'ffmpeg-start', 15_000);
    const u2 = p.subscribe(src, { fps: 5, width: 1000 }, (f) => void big.push(f));
    const s = await restarted;
    assert.deepEqual(s.outputs, [
      { width: 1000, fps: 5 },
      { width: 160, fps: 2 },
    ]);
    await until(() => big.length > 0, 15_000, 'a big frame');
    assert.deepEqual(jpegSize(big[0].jpeg), { width: 1000, height: 562 });
    assert.equal(garden.maxSessions, 1, 'the old session ended before the new one began');
    u2();
    // Needs shrank: no restart before downgradeMs, frames keep coming.
    const n = small.length;
    await until(() => small.length > n + 1, 15_000, 'small frames after the big subscriber left');
    assert.equal(p.cameraStats('upgrade')[0].outputs.length, 2);
    u1();
  } finally {
    await p.close();
  }
});

test('a camera whose source changes drops the old pictures and restarts; a forgotten camera stops', async () => {
  const p = new FramePipeline({ idleMs: 200 });
  const first = garden.source('moved', 'stream1');
  const frames: JpegPicture[] = [];
  try {
    const started = nextEvent<{ pid: number }>(p.events, 'ffmpeg-start', 15_000);
    const un = p.subscribe(first, { fps: 5, width: 160 }, (f) => void frames.push(f));
    const a = await started;
    await until(() => frames.length > 0, 15_000, 'a first frame');
    assert.ok(p.latest('moved'));

    // Same id, another stream (another camera, or a new account): the old picture is not its picture.
    const restarted = nextEvent<{ pid: number }>(p.events, 'ffmpeg-start', 15_000);
    const updated = p.updateSource(garden.source('moved', 'stream2'));
    assert.equal(p.latest('moved'), undefined, 'the old source’s picture is gone at once');
    await updated;
    assert.notEqual((await restarted).pid, a.pid);
    const n = frames.length;
    await until(() => frames.length > n, 15_000, 'frames from the new source');

    const exited = nextEvent<{ pid: number }>(p.events, 'ffmpeg-exit', 15_000);
    await p.forget('moved');
    await exited;
    assert.equal(p.latest('moved'), undefined);
    assert.deepEqual(p.cameraStats('moved'), []);
    un(); // a late unsubscribe of a forgotten camera is harmless
  } finally {
    await p.close();
  }
});
