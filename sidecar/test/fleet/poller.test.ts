/**
 * The poller against simulated cameras over real TLS with the real client: what a poll yields,
 * session reuse, and isolation — a slow, dead or garbage-answering camera among many changes no
 * other camera's polling. Isolation is asserted by ordering (how many polls the others finish
 * while the bad camera's poll is in flight), not by wall-clock thresholds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { configsFor, pollsOf, simFleet, startFleet, tempStore, until, type Recorder } from './helpers.ts';
import type { CameraConfig } from '../../src/config/types.ts';

/** Polls each other camera finished strictly between the bad camera's first poll start and its end. */
function pollsDuringFirstBadPoll(rec: Recorder, bad: string, others: string[]): Map<string, number> {
  const start = rec.traces.find((t) => t.cameraId === bad && t.phase === 'start')!;
  const end = rec.traces.find((t) => t.cameraId === bad && t.phase === 'end' && t.seq > start.seq)!;
  const counts = new Map(others.map((id) => [id, 0]));
  for (const t of rec.traces) {
    if (t.phase === 'end' && t.seq > start.seq && t.seq < end.seq && counts.has(t.cameraId)) {
      counts.set(t.cameraId, counts.get(t.cameraId)! + 1);
    }
  }
  return counts;
}

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
  sim.cameras[0]!.setFault({ slowMs: 1500 });
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, configsFor(sim), { requestTimeoutMs: 5000, concurrency: 4 });
  await until(fleet, () => pollsOf(rec, 'cam-0').length >= 1, "the slow camera's first poll");
  const during = pollsDuringFirstBadPoll(rec, 'cam-0', ['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-5']);
  for (const [id, n] of during) {
    assert.ok(n >= 3, `${id} finished ${n} polls while the slow camera was being polled`);
  }
  assert.equal(pollsOf(rec, 'cam-0')[0]!.status, 'online', 'slow but within the timeout');
});

test('a dead camera (accepts, never answers) times out alone, then backs off exponentially', async (t) => {
  const sim = await simFleet(t, { count: 3, profiles: ['C210', 'C110'] });
  const sockets = new Set<net.Socket>();
  const blackHole = net.createServer((s) => sockets.add(s.on('error', () => {})));
  blackHole.listen(0, '127.0.0.1');
  await once(blackHole, 'listening');
  t.after(() => {
    for (const s of sockets) {
      s.destroy();
    }
    blackHole.close();
  });
  const dead: CameraConfig = {
    ...configsFor(sim)[0]!,
    id: 'dead',
    name: 'Dead',
    port: (blackHole.address() as net.AddressInfo).port,
    pollIntervalMs: 100,
  };
  const { fleet, rec } = await startFleet(t, store(await tempStore(t)), [dead, ...configsFor(sim)], {
    requestTimeoutMs: 600,
    maxBackoffMs: 60_000,
  });
  await until(fleet, () => pollsOf(rec, 'dead').length >= 3, 'three attempts at the dead camera', 20_000);

  const during = pollsDuringFirstBadPoll(rec, 'dead', ['cam-0', 'cam-1', 'cam-2']);
  for (const [id, n] of during) {
    assert.ok(n >= 2, `${id} finished ${n} polls while the dead camera hung`);
  }
  const attempts = pollsOf(rec, 'dead');
  assert.equal(attempts[0]!.status, 'offline');
  assert.match(attempts[0]!.error!, /no answer|timed? ?out/i);
  // Backoff: the wait before attempt k+1 is at least interval * 2^(k-1) after attempt k ended.
  const ends = rec.traces.filter((x) => x.cameraId === 'dead' && x.phase === 'end');
  const starts = rec.traces.filter((x) => x.cameraId === 'dead' && x.phase === 'start');
  for (let k = 1; k < Math.min(starts.length, 3); k++) {
    const wait = starts[k]!.due - ends[k - 1]!.at;
    assert.ok(wait >= 100 * 2 ** (k - 1), `wait before attempt ${k + 1}: ${wait} ms`);
  }
  for (const id of ['cam-0', 'cam-1', 'cam-2']) {
    assert.ok(pollsOf(rec, id).every((p) => p.status === 'online'));
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
