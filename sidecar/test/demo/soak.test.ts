/**
 * A minute of the demo fleet with ONVIF pulls answered at once (thousands of them over kept-alive
 * connections) and polls every second: the sockets' 'close' listeners and the process's handles
 * must not grow from one sample to the next, and Node must not warn of a listener leak.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import type { MediaExtras } from '../../src/simulator/media-extras.ts';
import { until } from '../fleet/helpers.ts';
import { startDemo } from '../helpers/demo-fleet.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

/** Sampling: a window of this many samples this far apart, at the start and at the end. */
const SAMPLES = 15;
const SAMPLE_EVERY_MS = 200;
/** The soak between the two windows. */
const SOAK_MS = 45_000;

interface Sample {
  handles: number;
  sockets: number;
  closeListeners: number;
}

/** Everything this process holds open (the simulated cameras and the sidecar's clients alike). */
function sample(): Sample {
  const active = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const sockets = active.filter((h): h is Socket => h instanceof Socket);
  return {
    handles: process.getActiveResourcesInfo().length,
    sockets: sockets.length,
    closeListeners: sockets.reduce((n, s) => n + s.listenerCount('close'), 0),
  };
}

/** A window of samples: the least and the most of each count (requests in flight come and go). */
async function window(): Promise<{ min: Sample; max: Sample }> {
  const all: Sample[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    all.push(sample());
    await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS)); // sampling pace, not synchronisation
  }
  const pick = (f: (...v: number[]) => number) => ({
    handles: f(...all.map((s) => s.handles)),
    sockets: f(...all.map((s) => s.sockets)),
    closeListeners: f(...all.map((s) => s.closeListeners)),
  });
  return { min: pick(Math.min), max: pick(Math.max) };
}

test(
  "a minute of the demo fleet's polls and ONVIF pulls leaves no listener or handle behind",
  { skip: hasFfmpeg ? false : 'ffmpeg is not installed (the demo cameras need it for RTSP and ONVIF)' },
  async (t) => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));

    const { fleet, demo } = await startDemo(t, { pollIntervalMs: 1000, motionMeanMs: 2000, onvifMaxPullWaitMs: 20 });
    const onvif = demo.simulated.extras.map((e) => (e as MediaExtras | null)?.onvif ?? null).filter((o) => o !== null);
    assert.ok(onvif.length >= 3, `cameras with ONVIF: ${onvif.length}`);
    let pulls = 0;
    for (const o of onvif) {
      o.events.on('pull', () => pulls++);
    }
    // Every camera polled and every ONVIF camera pulling: the steady state begins.
    await until(
      fleet,
      () => fleet.cameras().every((c) => c.last !== null) && onvif.every((o) => o.subscriptionCount() > 0),
      'every camera polled and subscribed'
    );
    const first = await window();
    const pullsBefore = pulls;
    await new Promise((r) => setTimeout(r, SOAK_MS)); // the soak's length, not synchronisation
    const last = await window();
    const soaked = pulls - pullsBefore;

    t.diagnostic(`${soaked} ONVIF pulls in the soak; first ${JSON.stringify(first)}, last ${JSON.stringify(last)}`);
    assert.ok(soaked >= onvif.length * 200, `pulls in the soak: ${soaked}`);
    // A leak per pull or per poll would add hundreds between the windows; requests in flight only
    // move a count within a window, so the last window's least must not pass the first's most.
    for (const k of ['handles', 'sockets', 'closeListeners'] as const) {
      assert.ok(
        last.min[k] <= first.max[k],
        `${k} grew: ${first.min[k]}..${first.max[k]} -> ${last.min[k]}..${last.max[k]}`
      );
    }
    assert.deepEqual(
      warnings.filter((w) => /MaxListenersExceeded/.test(w)),
      [],
      'no listener leak warning'
    );
  }
);
