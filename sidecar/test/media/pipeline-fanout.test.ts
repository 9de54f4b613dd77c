/** The frame pipeline against the simulator's real RTSP stream: fan-out, widths, idle stop, slow consumers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePipeline, type TimedPicture } from '../../src/media/pipeline.ts';
import { jpegSize } from '../../src/media/jpeg.ts';
import type { JpegPicture } from '../../src/media/types.ts';
import { nextEvent, until, alive } from './helpers.ts';
import { pipelineSimulator } from './pipeline-sim.ts';

const garden = pipelineSimulator();

test('several subscribers share ONE ffmpeg; each gets its own width and rate', async () => {
  const p = new FramePipeline({ idleMs: 200 });
  const starts: unknown[] = [];
  p.events.on('ffmpeg-start', (e) => starts.push(e));
  const got: Record<string, JpegPicture[]> = { a: [], b: [], c: [] };
  const src = garden.source('fan');
  try {
    const ua = p.subscribe(src, { fps: 10, width: 320 }, (f) => void got.a.push(f));
    const ub = p.subscribe(src, { fps: 2, width: 320 }, (f) => void got.b.push(f));
    const uc = p.subscribe(src, { fps: 2, width: 160 }, (f) => void got.c.push(f));
    await until(() => got.a.length >= 20 && got.c.length >= 2, 20_000, 'frames for every subscriber');
    assert.equal(starts.length, 1, 'one ffmpeg for the camera');
    assert.equal(p.stats().ffmpegRunning, 1);
    assert.equal(garden.sim.stats().sessions, 1, 'one RTSP session on the camera');
    for (const f of [...got.a, ...got.b]) {
      assert.deepEqual(jpegSize(f.jpeg), { width: 320, height: 180 });
    }
    for (const f of got.c) {
      assert.deepEqual(jpegSize(f.jpeg), { width: 160, height: 90 });
    }
    for (const f of got.a) {
      assert.deepEqual([f.width, f.height, f.cameraId], [320, 180, 'fan']);
    }
    // Same output, different rates: the 2 fps subscriber sees a fraction of the 10 fps one's frames.
    assert.ok(
      got.b.length >= 1 && got.b.length <= Math.ceil(got.a.length / 2),
      `b ${got.b.length} vs a ${got.a.length}`
    );
    // Its frames are a subset of a's (fan-out of the same pictures, not separate decodes).
    for (const f of got.b) {
      assert.ok(got.a.includes(f));
    }
    const st = p.stats();
    assert.equal(st.subscribers, 3);
    assert.ok(st.framesIn >= 20 && st.framesOut >= got.a.length + got.b.length + got.c.length);
    ua();
    ub();
    uc();
  } finally {
    await p.close();
  }
});

test('ffmpeg stops a short while after the last subscriber leaves; the latest frame stays available', async () => {
  const p = new FramePipeline({ idleMs: 300 });
  const src = garden.source('idle');
  try {
    const first = new Promise<JpegPicture>((resolve) => {
      const un = p.subscribe(src, { fps: 5, width: 320 }, (f) => {
        un();
        resolve(f);
      });
    });
    const start = await nextEvent<{ pid: number }>(p.events, 'ffmpeg-start', 15_000);
    const f = await first;
    const exit = await nextEvent<{ pid: number; intentional: boolean }>(p.events, 'ffmpeg-exit', 5000);
    assert.equal(exit.pid, start.pid);
    assert.equal(exit.intentional, true);
    assert.equal(alive(start.pid), false);
    assert.equal(p.stats().ffmpegRunning, 0);
    assert.equal(p.cameraStats('idle')[0].state, 'idle');
    const last = p.latest('idle');
    assert.ok(last && last.time >= f.time && last.width === 320, 'the last picture is kept after ffmpeg stopped');
    assert.equal(p.latest('idle', 320), last);
    assert.equal(p.latest('idle', 640), undefined);
    await until(() => garden.sim.stats().sessions === 0, 5000, 'the camera session to end');
    // A new subscriber brings it back.
    const again = new Promise<JpegPicture>((resolve) => {
      const un = p.subscribe(src, { fps: 5, width: 320 }, (fr) => {
        un();
        resolve(fr);
      });
    });
    assert.ok((await again).time > f.time);
  } finally {
    await p.close();
  }
});

test('a subscriber that comes back before the idle delay keeps the same ffmpeg', async () => {
  const p = new FramePipeline({ idleMs: 5000 });
  const src = garden.source('keep');
  try {
    let n = 0;
    const un = p.subscribe(src, { fps: 5, width: 160 }, () => void n++);
    const start = await nextEvent<{ pid: number }>(p.events, 'ffmpeg-start', 15_000);
    await until(() => n > 0, 15_000, 'a frame');
    un();
    let m = 0;
    const un2 = p.subscribe(src, { fps: 5, width: 160 }, () => void m++);
    await until(() => m > 2, 15_000, 'frames after resubscribing');
    assert.equal(p.cameraStats('keep')[0].pid, start.pid);
    un2();
  } finally {
    await p.close();
  }
});

test('a slow consumer gets only the newest frame and the rest are dropped, without slowing others', async () => {
  const p = new FramePipeline({ idleMs: 200 });
  const src = garden.source('slow');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slowGot: TimedPicture[] = [];
  const fastGot: JpegPicture[] = [];
  try {
    const us = p.subscribe(src, { fps: 10, width: 160 }, async (f) => {
      slowGot.push(f as TimedPicture);
      if (slowGot.length === 1) {
        await gate;
      } // busy with the first frame
    });
    const uf = p.subscribe(src, { fps: 10, width: 160 }, (f) => void fastGot.push(f));
    await until(() => fastGot.length >= 15, 20_000, 'frames for the fast consumer');
    assert.equal(slowGot.length, 1, 'nothing more while busy');
    const dropped = p.stats().framesDropped;
    assert.ok(dropped >= fastGot.length - 3, `dropped ${dropped} of ${fastGot.length}`);
    const newest = fastGot[fastGot.length - 1];
    release();
    await until(() => slowGot.length >= 2, 5000, 'the pending frame after the consumer freed up');
    // The one kept for it is the newest at release time (or a later one), never an old one.
    assert.ok(slowGot[1].time >= newest.time, 'the slow consumer skipped to the newest frame');
    us();
    uf();
  } finally {
    await p.close();
  }
});
