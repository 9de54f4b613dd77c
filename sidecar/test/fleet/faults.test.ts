/** Every simulator fault through the fleet: the status and words it yields, and status changes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configsFor, pollsOf, simFleet, startFleet, tempStore, until } from './helpers.ts';

test('faults map to statuses in words; status changes are recorded; other cameras are untouched', async (t) => {
  const sim = await simFleet(t, { count: 6, profiles: ['C210', 'C110', 'C310'], loginFlows: ['secure'] });
  const cfgs = configsFor(sim, (i) => ({
    pollIntervalMs: 120,
    ...(i === 1 ? { password: 'WrongPassword!' } : {}),
    ...(i === 2 ? { tlsFingerprint: 'AB'.repeat(32) } : {}),
  }));
  const { store } = await tempStore(t);
  sim.cameras[3]!.setFault({ offline: true });
  sim.cameras[4]!.setFault({ dropConnections: true });
  // No fault here is a silent camera, so the timeout only fires on a real hang: a short one made a
  // busy machine's slow first login an 'offline' poll (and status change) of its own.
  const { fleet, rec } = await startFleet(t, store, cfgs, { requestTimeoutMs: 30_000, maxBackoffMs: 400 });
  const last = (id: string) => pollsOf(rec, id).at(-1);
  await until(
    fleet,
    () =>
      ['cam-1', 'cam-2', 'cam-3', 'cam-4'].every((id) => pollsOf(rec, id).length >= 2) &&
      pollsOf(rec, 'cam-0').length >= 3,
    'two polls of each faulty camera'
  );

  assert.equal(last('cam-1')!.status, 'auth_failed');
  assert.match(last('cam-1')!.error!, /refused|password|credential/i);
  assert.doesNotMatch(JSON.stringify(rec.polls), /WrongPassword|CloudPass123/, 'no password in any poll');
  // Secure firmware: the device confirmation did not match, so no digest was ever sent; and after
  // the refusal the client asks the camera nothing more until the password changes.
  assert.equal(sim.cameras[1]!.stats.credentialAttempts, 0);
  const probes = sim.cameras[1]!.stats.loginRequests;
  const n1 = pollsOf(rec, 'cam-1').length;
  await until(fleet, () => pollsOf(rec, 'cam-1').length >= n1 + 2, 'two more polls of cam-1');
  assert.equal(sim.cameras[1]!.stats.loginRequests, probes, 'no further login requests after auth_failed');

  assert.equal(last('cam-2')!.status, 'error');
  assert.match(last('cam-2')!.error!, /certificate/i);

  assert.equal(last('cam-3')!.status, 'offline');
  assert.equal(last('cam-4')!.status, 'offline');
  assert.ok(last('cam-0')!.status === 'online' && last('cam-5')!.status === 'online');

  // Expired tokens: the client logs in again and the camera stays online.
  const logins = sim.cameras[0]!.stats.successfulLogins;
  const mark = rec.polls.length;
  sim.cameras[0]!.setFault({ expireTokens: true });
  await until(
    fleet,
    () => rec.polls.slice(mark).filter((p) => p.cameraId === 'cam-0').length >= 2,
    'polls after token expiry'
  );
  assert.ok(
    rec.polls
      .slice(mark)
      .filter((p) => p.cameraId === 'cam-0')
      .every((p) => p.status === 'online')
  );
  assert.equal(sim.cameras[0]!.stats.successfulLogins, logins + 1, 'one new login after the tokens expired');

  // The offline camera comes back: online again, and both transitions are on record.
  sim.cameras[3]!.clearFaults();
  await until(fleet, () => last('cam-3')!.status === 'online', 'cam-3 back online');
  const changes = await fleet.statusChanges(['cam-3', 'cam-1', 'cam-0'], 0, Date.now());
  const c3 = changes.filter((c) => c.cameraId === 'cam-3').map((c) => `${c.from}>${c.to}`);
  assert.deepEqual(c3, ['unknown>offline', 'offline>online']);
  assert.deepEqual(
    changes.filter((c) => c.cameraId === 'cam-1').map((c) => c.to),
    ['auth_failed']
  );
  assert.equal(changes.filter((c) => c.cameraId === 'cam-0').length, 0, 'a healthy camera has no status changes');
  assert.equal(fleet.camera('cam-3')!.lastSeen, last('cam-3')!.time);
  // What is on record is exactly the transitions of the polls each camera emitted, in order.
  for (const id of ['cam-0', 'cam-1', 'cam-3']) {
    assert.deepEqual(
      changes.filter((c) => c.cameraId === id).map((c) => `${c.from}>${c.to}@${c.time}`),
      transitions(pollsOf(rec, id)),
      `${id}: stored status changes follow its polls`
    );
  }
});

/** Status changes a run of polls implies (the first online poll of a new camera is not a change). */
function transitions(polls: Array<{ status: string; time: number }>): string[] {
  const out: string[] = [];
  let prev = 'unknown';
  for (const p of polls) {
    if (p.status !== prev && !(prev === 'unknown' && p.status === 'online')) {
      out.push(`${prev}>${p.status}@${p.time}`);
    }
    prev = p.status;
  }
  return out;
}

test('a locked-out camera (legacy firmware, locked by someone else) is reported as locked_out and not asked again until the suspension ends', async (t) => {
  const sim = await simFleet(t, {
    count: 2,
    profiles: ['C210'],
    loginFlows: ['legacy'],
    cameraOptions: () => ({ maxFailedLogins: 1, lockoutSeconds: 600 }),
  });
  // Lock camera 0 with a wrong password from elsewhere first.
  const { TapoClient } = await import('../../src/tapo/client.ts');
  const intruder = new TapoClient({
    host: sim.cameras[0]!.host,
    port: sim.cameras[0]!.port,
    password: 'nope',
    timeoutMs: 2000,
  });
  await intruder.poll().catch(() => undefined);
  await intruder.close();
  const { store } = await tempStore(t);
  const { fleet, rec } = await startFleet(t, store, configsFor(sim, { pollIntervalMs: 100 }));
  await until(fleet, () => pollsOf(rec, 'cam-0').length >= 1 && pollsOf(rec, 'cam-1').length >= 4, 'polls');
  const p = pollsOf(rec, 'cam-0')[0]!;
  assert.equal(p.status, 'locked_out');
  assert.match(p.error!, /suspend/i);
  const asked = sim.cameras[0]!.stats.loginRequests;
  await until(fleet, () => pollsOf(rec, 'cam-1').length >= 10, 'more polls of the healthy camera');
  assert.equal(
    pollsOf(rec, 'cam-0').length,
    1,
    'no second attempt while the camera is suspended (backoff to the end of the suspension)'
  );
  assert.equal(sim.cameras[0]!.stats.loginRequests, asked);
});
