// A camera on 2026 firmware in the fleet, the datasource and the status page: polled like any
// other, and its status and health say which login it uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fleet } from '../../src/fleet/fleet.ts';
import { MemoryStateStore } from '../../src/tapo/state.ts';
import { healthOf } from '../../src/datasource/health.ts';
import { statusQuery } from '../../src/datasource/query/status.ts';
import { renderStatusPage } from '../../src/http/status-page.ts';
import { simFleet, configsFor, tempStore } from '../fleet/helpers.ts';

test('TPAP cameras are online with all their figures; status, health and status page name the login', async (t) => {
  const sim = await simFleet(t, {
    count: 3,
    profiles: ['C200-1.4.6', 'C210', 'C110'],
    loginFlows: ['tpap', 'secure', 'legacy'],
  });
  const { store } = await tempStore(t);
  // As the app runs it: what each camera answered is remembered across clients (and restarts).
  const fleet = new Fleet({ store, startSpreadMs: 0, requestTimeoutMs: 3000, clientState: new MemoryStateStore() });
  t.after(() => fleet.stop());
  await fleet.start();
  await fleet.applyCameras(configsFor(sim, { pollIntervalMs: 60_000 }), { source: 'test' });

  const ids = ['cam-0', 'cam-1', 'cam-2'];
  const results = await fleet.pollNow(ids);
  assert.deepEqual(
    results.map((r) => [r.status, r.login]),
    [
      ['online', 'tpap'],
      ['online', 'secure'],
      ['online', 'legacy'],
    ]
  );
  const tp = results[0]!;
  assert.equal(tp.model, 'C200');
  assert.equal(tp.hardwareVersion, '5.0');
  assert.ok(tp.storageTotalBytes !== null && tp.rssiDbm !== null && tp.motionDetectionEnabled === true);

  const health = results.map((r, i) => healthOf(ids[i]!, `n${i}`, r));
  assert.equal(health[0]!.login, 'tpap');
  assert.match(health[0]!.message, /^reachable in \d+ ms, C200, firmware 1\.4\.6 Build 260709, login v4 \(TPAP\)$/);
  assert.match(health[1]!.message, /secure login$/);
  assert.match(health[2]!.message, /legacy login$/);

  const [frame] = await statusQuery(
    { fleet, uid: 'u', from: 0, to: Date.now(), maxDataPoints: 100, intervalMS: 1000, fromAlert: false },
    { refId: 'A', queryType: 'status' }
  );
  const login = frame!.fields.find((f) => f.name === 'login');
  assert.deepEqual(login?.values, ['tpap', 'secure', 'legacy']);
  assert.match(renderStatusPage(fleet), /login tpap/);

  // A camera whose password is wrong keeps saying which login it uses, beside the reason.
  sim.cameras[0]!.resetStats();
  await fleet.applyCameras(
    configsFor(sim, (i) => ({ pollIntervalMs: 60_000, ...(i === 0 ? { password: 'wrong' } : {}) })),
    { source: 'test' }
  );
  const [bad] = await fleet.pollNow(['cam-0']);
  assert.equal(bad!.status, 'auth_failed');
  // Its passcode form is known from the first poll: the wrong password is sent in that form only.
  assert.equal(sim.cameras[0]!.stats.credentialAttempts, 1);
  assert.equal(sim.cameras[0]!.stats.failedCredentialAttempts, 1);
  assert.match(healthOf('cam-0', 'n0', bad!).message, /^wrong password.*login v4 \(TPAP\)$/);
});
