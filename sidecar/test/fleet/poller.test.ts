/**
 * The poller against simulated cameras over real TLS with the real client: what a poll yields,
 * session reuse, and isolation — a slow, dead or garbage-answering camera among many changes no
 * other camera's polling. Isolation is asserted by ordering (how many polls the others finish
 * while the bad camera's poll is in flight, the bad camera held as long as the test needs), not by
 * wall-clock windows; timeouts are generous unless the timeout itself is under test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { answerGate, configsFor, pollsOf, simFleet, startFleet, tempStore, until, type Recorder } from './helpers.ts';
import type { CameraConfig } from '../../src/config/types.ts';

/** The seq of the start of `id`'s poll in flight now; null when none is. */
function inFlight(rec: Recorder, id: string): number | null {
  for (let i = rec.traces.length - 1; i >= 0; i--) {
    const x = rec.traces[i]!;
    if (x.cameraId === id) {
      return x.phase === 'start' ? x.seq : null;
    }
  }
  return null;
}

/** Polls each of `ids` finished after trace `seq`. */
function endsAfter(rec: Recorder, ids: string[], seq: number): Map<string, number> {
  const counts = new Map(ids.map((id) => [id, 0]));
  for (const x of rec.traces) {
    if (x.phase === 'end' && x.seq > seq && counts.has(x.cameraId)) {
      counts.set(x.cameraId, counts.get(x.cameraId)! + 1);
    }
  }
  return counts;
}

const tracesOfPhase = (rec: Recorder, id: string, phase: 'start' | 'end') =>
  rec.traces.filter((x) => x.cameraId === id && x.phase === phase);

test('polls simulated cameras over TLS, maps what they report, and reuses one session per camera', async (t) => {
  const sim = await simFleet(t, {
    count: 4,
    profiles: ['C210', 'C110', 'C420', 'C310'],
    loginFlows: ['secure', 'legacy', 'secure', 'secure'],
  });
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, configsFor(sim));
  await until(
    fleet,
    () => [0, 1, 2, 3].every((i) => pollsOf(rec, `cam-${i}`).length >= 3),
    'three polls of every camera'
  );

  const [c210, c110, c420, c310] = [0, 1, 2, 3].map((i) => pollsOf(rec, `cam-${i}`).at(-1)!);
  for (const p of [c210, c110, c420, c310]) {
    assert.equal(p!.status, 'online', `${p!.cameraId}: ${p!.error}`);
    assert.equal(p!.error, null);
    assert.ok(p!.latencyMs! > 0);
  }
  assert.equal(c210!.model, 'C210');
  assert.equal(c210!.firmware, '1.4.3 Build 241010 Rel.33858n');
  assert.equal(typeof c210!.rssiDbm, 'number');
  assert.equal(c210!.temperatureC, null, 'a wired camera reports no temperature');
  assert.equal(c210!.uptimeSeconds, null, 'a wired camera reports no uptime');
  assert.ok(c210!.storageTotalBytes! > c210!.storageUsedBytes! && c210!.storageUsedBytes! > 0);
  assert.equal(c310!.model, 'C310');
  assert.equal(c420!.model, 'C420');
  assert.equal(c420!.storageTotalBytes, null, 'a battery camera without a card has no storage figures');
  assert.equal(c110!.model, 'C110');

  // One session per camera, reused across polls.
  for (const cam of sim.cameras) {
    assert.equal(cam.stats.successfulLogins, 1, `${cam.name} logged in once`);
  }
  // Snapshots and history.
  const snap = fleet.camera('cam-0')!;
  assert.equal(snap.last!.cameraId, 'cam-0');
  assert.equal(snap.ptz, true, 'C210 pans and tilts');
  assert.equal(fleet.camera('cam-3')!.ptz, false);
  assert.equal(snap.lastSeen, snap.last!.time);
  const pts = await store.points('cam-1', 0, Date.now());
  assert.ok(pts.length >= 3);
});

test("a slow camera among many changes no other camera's polling", async (t) => {
  const sim = await simFleet(t, { count: 6, profiles: ['C210', 'C110', 'C310'] });
  // cam-0 answers through a gate: slow for exactly as long as the test holds it, however busy the machine.
  const gate = await answerGate(t, sim.cameras[0]!);
  const cfgs = configsFor(sim).map((c, i) => (i === 0 ? { ...c, port: gate.port } : c));
  const others = ['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-5'];
  const { store } = await tempStore(t);
  // The timeout only fires on a real hang; the slowness under test is the gate's.
  const { fleet, rec } = await startFleet(t, store, cfgs, { requestTimeoutMs: 60_000, concurrency: 4 });
  await until(
    fleet,
    () => [0, 1, 2, 3, 4, 5].every((i) => pollsOf(rec, `cam-${i}`).length >= 1),
    'a first poll of each'
  );

  // Counted from whichever is later: the hold, or the start of cam-0's poll in flight (held since).
  const mark = rec.traces.length - 1;
  const heldFrom = pollsOf(rec, 'cam-0').length;
  gate.hold();
  const slow = () => {
    const s = inFlight(rec, 'cam-0');
    return s === null ? null : Math.max(s, mark);
  };
  await until(
    fleet,
    () => {
      const s = slow();
      return s !== null && [...endsAfter(rec, others, s).values()].every((n) => n >= 3);
    },
    'three polls of every other camera while one poll of the slow camera is in flight'
  );
  const start = slow()!;
  for (const [id, n] of endsAfter(rec, others, start)) {
    assert.ok(n >= 3, `${id} finished ${n} polls while the slow camera was being polled`);
  }
  // The same held poll throughout: none of cam-0's polls gave up meanwhile (a timeout would put
  // cam-0 in the failing lane, out of the others' way, and prove nothing).
  assert.deepEqual(
    pollsOf(rec, 'cam-0')
      .slice(heldFrom)
      .filter((p) => p.status !== 'online'),
    [],
    'no poll of the slow camera failed while held'
  );
  const before = pollsOf(rec, 'cam-0').length;
  gate.release();
  await until(fleet, () => pollsOf(rec, 'cam-0').length > before, 'the slow poll finishing once answered');
  assert.equal(pollsOf(rec, 'cam-0')[before]!.status, 'online', 'slow but within the timeout');
  for (const id of others) {
    assert.ok(
      pollsOf(rec, id).every((p) => p.status === 'online'),
      `${id} stayed online`
    );
  }
});

test('a dead camera (accepts, never answers) times out alone, then backs off exponentially', async (t) => {
  const sim = await simFleet(t, { count: 3, profiles: ['C210', 'C110'] });
  const sockets = new Set<net.Socket>();
  const blackHole = net.createServer((s) => sockets.add(s.on('error', () => {})));
  blackHole.listen(0, '127.0.0.1');
  await once(blackHole, 'listening');
  const hangUp = () => {
    for (const s of sockets) {
      s.destroy();
    }
    sockets.clear();
  };
  t.after(() => {
    hangUp();
    blackHole.close();
  });
  const dead: CameraConfig = {
    ...configsFor(sim)[0]!,
    id: 'dead',
    name: 'Dead',
    port: (blackHole.address() as net.AddressInfo).port,
    pollIntervalMs: 100,
  };
  const others = ['cam-0', 'cam-1', 'cam-2'];

  // Isolation, by ordering: with a timeout that only fires on a real hang, the dead camera's
  // first poll stays in flight while every other camera finishes polls of its own.
  const first = await startFleet(t, store(await tempStore(t)), [dead, ...configsFor(sim)], {
    requestTimeoutMs: 60_000,
  });
  await until(
    first.fleet,
    () => {
      const s = inFlight(first.rec, 'dead');
      return s !== null && [...endsAfter(first.rec, others, s).values()].every((n) => n >= 2);
    },
    'two polls of every other camera while the dead camera hangs'
  );
  const hung = inFlight(first.rec, 'dead')!;
  assert.equal(tracesOfPhase(first.rec, 'dead', 'end').length, 0, 'the dead camera never answered');
  for (const [id, n] of endsAfter(first.rec, others, hung)) {
    assert.ok(n >= 2, `${id} finished ${n} polls while the dead camera hung`);
  }
  hangUp();
  await first.fleet.stop();
  for (const id of others) {
    assert.ok(
      pollsOf(first.rec, id).every((p) => p.status === 'online'),
      `${id} stayed online`
    );
  }

  // The timeout itself and the backoff after it: the dead camera alone, on a short timeout.
  const { fleet, rec } = await startFleet(t, store(await tempStore(t)), [dead], {
    requestTimeoutMs: 600,
    maxBackoffMs: 60_000,
  });
  await until(fleet, () => pollsOf(rec, 'dead').length >= 3, 'three attempts at the dead camera');
  const attempts = pollsOf(rec, 'dead');
  for (const a of attempts) {
    assert.equal(a.status, 'offline');
    assert.match(a.error!, /no answer|timed? ?out/i);
  }
  // Backoff: the wait before attempt k+1 is at least interval * 2^(k-1) after attempt k ended.
  const ends = tracesOfPhase(rec, 'dead', 'end');
  const starts = tracesOfPhase(rec, 'dead', 'start');
  for (let k = 1; k < Math.min(starts.length, 3); k++) {
    const wait = starts[k]!.due - ends[k - 1]!.at;
    assert.ok(wait >= 100 * 2 ** (k - 1), `wait before attempt ${k + 1}: ${wait} ms`);
  }
});

test('a camera answering garbage is an error in words; the others poll on', async (t) => {
  const sim = await simFleet(t, { count: 4, profiles: ['C210', 'C110'] });
  const { fleet, rec } = await startFleet(t, store(await tempStore(t)), configsFor(sim));
  await until(fleet, () => pollsOf(rec, 'cam-0').length >= 1, 'first poll (login) of cam-0');
  sim.cameras[0]!.setFault({ garbageJson: true });
  const mark = rec.polls.length;
  await until(
    fleet,
    () => rec.polls.slice(mark).filter((p) => p.cameraId === 'cam-0' && p.status === 'error').length >= 2,
    'two garbage answers'
  );
  const bad = rec.polls.slice(mark).filter((p) => p.cameraId === 'cam-0' && p.status === 'error');
  assert.match(bad[0]!.error!, /[a-z]{4,}/, 'an error in words');
  assert.doesNotMatch(bad[0]!.error!, /CloudPass|stok=/i, 'no secret in the error');
  for (const id of ['cam-1', 'cam-2', 'cam-3']) {
    assert.ok(
      rec.polls.slice(mark).filter((p) => p.cameraId === id && p.status === 'online').length >= 2,
      `${id} kept polling`
    );
  }
  sim.cameras[0]!.clearFaults();
  const mark2 = rec.polls.length;
  await until(
    fleet,
    () => rec.polls.slice(mark2).some((p) => p.cameraId === 'cam-0' && p.status === 'online'),
    'recovery after the fault clears'
  );
});

function store(s: { store: import('../../src/store/sqlite.ts').SqliteStore }) {
  return s.store;
}
