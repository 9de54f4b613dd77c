/** A new rate for the same width retimes the running ffmpeg (its stdin clock) instead of restarting it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePipeline } from '../../src/media/pipeline.ts';
import { nextEvent, until } from './helpers.ts';
import { pipelineSimulator } from './pipeline-sim.ts';

const garden = pipelineSimulator();

test('a faster subscriber speeds the running ffmpeg up, and its leaving slows it down, with no restart', async () => {
  const p = new FramePipeline({ idleMs: 200 });
  const src = { ...garden.source('retime', 'stream2'), stream: 'sub' as const }; // 15 fps, a keyframe a second
  const exits: unknown[] = [];
  p.events.on('ffmpeg-exit', (e) => exits.push(e));
  try {
    const started = nextEvent<{ pid: number }>(p.events, 'ffmpeg-start', 30_000);
    let slow = 0;
    const unSlow = p.subscribe(src, { fps: 2, width: 160 }, () => void slow++);
    const { pid } = await started;
    await until(() => slow >= 2, 15_000, 'pictures at 2 fps');
    assert.deepEqual(p.cameraStats('retime')[0].outputs, [{ width: 160, fps: 2 }]);

    const fast: number[] = [];
    const unFast = p.subscribe(src, { fps: 6, width: 160 }, (f) => void fast.push(f.time));
    await until(() => p.cameraStats('retime')[0].outputs[0]?.fps === 6, 5_000, 'the output at 6 fps');
    // Twelve pictures from the same process: at 2 fps that would be six seconds of stream, at 6 two.
    await until(() => fast.length >= 12, 15_000, 'pictures at 6 fps');
    const spanMs = fast[11] - fast[0];
    assert.ok(spanMs < 11 * 333, `12 pictures over ${spanMs} ms: faster than 2 fps (would be ~5500 ms)`);
    assert.equal(p.cameraStats('retime')[0].pid, pid, 'the same ffmpeg');

    unFast();
    await until(() => p.cameraStats('retime')[0].outputs[0]?.fps === 2, 5_000, 'back to 2 fps');
    const before = slow;
    await until(() => slow >= before + 2, 15_000, 'pictures at 2 fps again');
    assert.equal(p.cameraStats('retime')[0].pid, pid, 'still the same ffmpeg');
    assert.equal(p.cameraStats('retime')[0].restarts, 0);
    assert.deepEqual(exits, [], 'no ffmpeg stopped meanwhile');
    unSlow();
  } finally {
    await p.close();
  }
});
