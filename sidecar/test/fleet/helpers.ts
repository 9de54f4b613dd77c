/** Fleet test helpers: simulated cameras as CameraConfigs, a fleet on a temp store, waiting on polls. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CameraConfig } from '../../src/config/types.ts';
import { Fleet, type FleetOptions, type PollTrace } from '../../src/fleet/fleet.ts';
import type { MotionEvent, PollResult } from '../../src/model.ts';
import { startSimulatedFleet, type SimulatedFleet, type SimulatedFleetOptions } from '../../src/simulator/fleet.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';

type After = (fn: () => unknown) => void;

export async function simFleet(t: { after: After }, opts: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const sim = await startSimulatedFleet({ host: '127.0.0.1', ...opts });
  t.after(() => sim.close());
  return sim;
}

export function configsFor(
  sim: SimulatedFleet,
  over: Partial<CameraConfig> | ((i: number) => Partial<CameraConfig>) = {}
): CameraConfig[] {
  return sim.describe().map((d, i) => ({
    id: `cam-${i}`,
    name: d.name,
    host: d.host,
    port: d.port,
    username: 'admin',
    password: d.cloudPassword,
    cameraAccount: d.cameraAccount.username,
    cameraPassword: d.cameraAccount.password,
    pollIntervalMs: 150,
    stream: 'stream2',
    rtspUrlOverride: null,
    onvifPort: d.onvifPort,
    tlsFingerprint: null,
    disabled: false,
    source: 'test',
    ...(typeof over === 'function' ? over(i) : over),
  }));
}

export async function tempStore(t: { after: After }, file?: string): Promise<{ store: SqliteStore; file: string }> {
  let f = file;
  if (!f) {
    const dir = mkdtempSync(join(tmpdir(), 'tapo-fleet-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    f = join(dir, 'h.sqlite');
  }
  const store = await openSqliteStore({ file: f });
  t.after(() => store.close());
  return { store, file: f };
}

export interface Recorder {
  polls: PollResult[];
  events: MotionEvent[];
  traces: PollTrace[];
}

/** A started fleet that records everything it emits; stopped after the test. */
export async function startFleet(
  t: { after: After },
  store: SqliteStore,
  cameras: CameraConfig[],
  opts: Partial<FleetOptions> = {}
): Promise<{ fleet: Fleet; rec: Recorder }> {
  const rec: Recorder = { polls: [], events: [], traces: [] };
  const fleet = new Fleet({
    store,
    requestTimeoutMs: 2000,
    startSpreadMs: 0,
    motionSourceFactory: null,
    ...opts,
    onTrace: (tr) => {
      rec.traces.push(tr);
      opts.onTrace?.(tr);
    },
  });
  fleet.on('poll', (p) => rec.polls.push(p));
  fleet.on('event', (e) => rec.events.push(e));
  t.after(() => fleet.stop());
  await fleet.applyCameras(cameras, { source: 'test' });
  await fleet.start();
  return { fleet, rec };
}

/** Resolves once `pred` holds, re-checked after every poll/event; rejects after a deadline. */
export function until(fleet: Fleet, pred: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  if (pred()) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pred()) {
        return;
      }
      done();
      resolve();
    };
    const offPoll = fleet.on('poll', check);
    const offEvent = fleet.on('event', check);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for: ${what}`));
    }, deadlineMs);
    const done = () => {
      offPoll();
      offEvent();
      clearTimeout(timer);
    };
  });
}

export const pollsOf = (rec: Recorder, id: string) => rec.polls.filter((p) => p.cameraId === id);
