/**
 * Event shipping: how fast the shipper drains a backlog from the store to a Loki push endpoint,
 * beside its floor, a bare HTTP push loop sending the same bodies (pre-encoded, no store, no
 * cursor) to the same loopback sink in the same run. Also the drain time of a backlog at the
 * default rate bound, and the event loop's delay while the shipper drains (what polling would feel).
 * `npm run bench -- ship`; TAPO_BENCH_SHIP_LINES sets the backlog (default 20,000 lines).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger } from '../src/log.ts';
import { encodeLokiPush } from '../src/ship/loki-push.ts';
import { DEFAULT_MAX_LINES_PER_SECOND } from '../src/ship/options.ts';
import { httpPush } from '../src/ship/push-http.ts';
import { DEFAULT_BATCH_LINES, EventShipper } from '../src/ship/shipper.ts';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite.ts';
import { fmt } from './_stats.ts';

const LINES = Number(process.env.TAPO_BENCH_SHIP_LINES ?? 20_000);
const T = 1_700_000_000_000;

async function sink() {
  let lines = 0;
  const server = createServer((req, res) => {
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => {
      lines += size > 0 ? 1 : 0;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/loki/api/v1/push`,
    pushes: () => lines,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function backlog(dir: string, lines: number): Promise<SqliteStore> {
  const store = await openSqliteStore({ dataDir: dir });
  for (let i = 0; i < lines; i++) {
    await store.writeEvent({
      cameraId: `cam${i % 50}`,
      start: T + i * 997,
      end: T + i * 997 + 5000,
      kind: 'motion',
      source: 'onvif',
    });
  }
  return store;
}

/** Runs a shipper until the store has nothing more after its cursor; returns seconds and loop delay. */
async function drain(store: SqliteStore, url: string, maxLinesPerSecond: number, name: string) {
  const shipper = new EventShipper(
    { site: 'bench', name, maxLinesPerSecond, idleMs: 10 },
    { store, push: httpPush({ url, auth: null }), log: createLogger('error') }
  );
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const caughtUp = new Promise<void>((resolve) =>
    shipper.on('step', (r) => {
      if (r.outcome === 'idle') {
        resolve();
      }
    })
  );
  delay.enable();
  const t0 = performance.now();
  shipper.start();
  await caughtUp;
  const seconds = (performance.now() - t0) / 1000;
  delay.disable();
  await shipper.stop();
  return {
    seconds,
    shipped: shipper.status().shipped,
    loopP99Ms: delay.percentile(99) / 1e6,
    loopMaxMs: delay.max / 1e6,
  };
}

/** The floor: the same bodies, pre-encoded, POSTed one after another with fetch. */
async function floor(store: SqliteStore, url: string) {
  const bodies: string[] = [];
  let cursor = { events: 0, statusChanges: 0 };
  for (;;) {
    const b = await store.shipLogAfter(cursor, DEFAULT_BATCH_LINES);
    if (b.events.length === 0) {
      break;
    }
    bodies.push(encodeLokiPush('bench', b).body);
    cursor = { events: b.events.at(-1)!.seq, statusChanges: 0 };
  }
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const t0 = performance.now();
  for (const body of bodies) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
  }
  const seconds = (performance.now() - t0) / 1000;
  delay.disable();
  return { seconds, loopP99Ms: delay.percentile(99) / 1e6, loopMaxMs: delay.max / 1e6 };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-bench-ship-'));
  const s = await sink();
  try {
    const store = await backlog(dir, LINES);
    const bare = await floor(store, s.url);
    const floorS = bare.seconds;
    const fast = await drain(store, s.url, 1e9, 'unbounded');
    console.log(
      `throughput, rate bound off: ${LINES} lines in ${fmt(fast.seconds)} s = ${fmt(LINES / fast.seconds, 0)} lines/s ` +
        `(floor, a bare push loop of the same bodies: ${fmt(floorS)} s = ${fmt(LINES / floorS, 0)} lines/s; ` +
        `shipper/floor ${fmt(fast.seconds / floorS)}x); event loop delay p99 ${fmt(fast.loopP99Ms)} ms, max ${fmt(fast.loopMaxMs)} ms ` +
        `(floor's: p99 ${fmt(bare.loopP99Ms)} ms, max ${fmt(bare.loopMaxMs)} ms)`
    );
    // A backlog such as a long outage leaves: drained at the default bound, not as fast as possible.
    const backlogLines = Math.min(LINES, 5 * DEFAULT_MAX_LINES_PER_SECOND);
    const dir2 = mkdtempSync(join(tmpdir(), 'tapo-bench-ship-'));
    const store2 = await backlog(dir2, backlogLines);
    const bounded = await drain(store2, s.url, DEFAULT_MAX_LINES_PER_SECOND, 'bounded');
    console.log(
      `backlog drain at the default bound (${DEFAULT_MAX_LINES_PER_SECOND} lines/s): ${backlogLines} lines in ${fmt(bounded.seconds)} s ` +
        `(floor: ${fmt(backlogLines / DEFAULT_MAX_LINES_PER_SECOND)} s at the bound, ${fmt((floorS * backlogLines) / LINES)} s unbounded); ` +
        `event loop delay p99 ${fmt(bounded.loopP99Ms)} ms, max ${fmt(bounded.loopMaxMs)} ms`
    );
    await store2.close();
    rmSync(dir2, { recursive: true, force: true });
    await store.close();
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
