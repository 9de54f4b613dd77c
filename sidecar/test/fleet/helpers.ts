/** Fleet test helpers: simulated cameras as CameraConfigs, a fleet on a temp store, waiting on polls. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CameraConfig } from '../../src/config/types.ts';
import { simulatedCameraConfig, simulatedHubConfig } from '../../src/demo/configs.ts';
import { Fleet, type FleetOptions, type PollTrace } from '../../src/fleet/fleet.ts';
import type { MotionEvent, PollResult } from '../../src/model.ts';
import { startSimulatedFleet, type SimulatedFleet, type SimulatedFleetOptions } from '../../src/simulator/fleet.ts';
import type { SimulatedHub } from '../../src/simulator/hub/hub.ts';
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
  return sim.describe().map((d, i) =>
    simulatedCameraConfig(d, {
      id: `cam-${i}`,
      pollIntervalMs: 150,
      source: 'test',
      ...(typeof over === 'function' ? over(i) : over),
    })
  );
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

/**
 * Resolves once `pred` holds, re-checked after every poll/event; rejects after a deadline. The
 * deadline only catches a real hang: a loaded CI machine (2 cores, other suites running) may be
 * many times slower than a developer's, so it is generous.
 */
export function until(fleet: Fleet, pred: () => boolean, what: string, deadlineMs = 60_000): Promise<void> {
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

/**
 * A TCP relay in front of a camera whose answers the test can hold back: while held, every byte
 * the camera sends is kept until `release()`. A camera that is "slow" exactly as long as the test
 * needs, so isolation is asserted by ordering instead of by how fast the machine is.
 */
export interface AnswerGate {
  port: number;
  hold(): void;
  release(): void;
}

export async function answerGate(t: { after: After }, target: { host: string; port: number }): Promise<AnswerGate> {
  let held = false;
  const pending: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (b) => upstream.write(b));
    client.on('end', () => upstream.end());
    const toClient = (b: Buffer) => () => {
      if (!client.destroyed) {
        client.write(b);
      }
    };
    upstream.on('data', (b: Buffer) => (held ? pending.push(toClient(b)) : toClient(b)()));
    upstream.on('end', () => (held ? pending.push(() => client.end()) : client.end()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) {
      s.destroy();
    }
    server.close();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const send of pending.splice(0)) {
        send();
      }
    },
  };
}

/** A hub entry (kind 'hub') for a simulated hub, polled fast. */
export function hubConfig(hub: SimulatedHub, over: Partial<CameraConfig> = {}): CameraConfig {
  return simulatedHubConfig(hub, { id: 'hub1', name: 'Hub', pollIntervalMs: 150, source: 'test', ...over });
}
