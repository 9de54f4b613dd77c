/**
 * A battery child's status follows its own stream (issue 24): the hub's child list is read once a
 * minute, but when the sidecar sees a child's stream start (it woke: opening the live view wakes
 * it) or end by itself (it fell asleep), the list is read early and the child polled, so its
 * metrics channel says online, then sleeping, within seconds rather than the list's minute. The
 * composition root against the simulated H200 and its port-8800 stream, watched on the child's
 * Live metrics channel as the panel does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGardenHub } from '../helpers/sim-hub.ts';
import { childCameraId, CHILD_LIST_INTERVAL_MS, EARLY_LIST_INTERVAL_MS } from '../../src/fleet/hub-probe.ts';
import { cameraListed, hubEntry, runStream, startStandaloneApp, streamChannel } from '../helpers/standalone-app.ts';

/**
 * How soon the status must follow: an early read may wait for the hub's spacing of early reads,
 * and gets a second such spell for a loaded machine; both well inside the list's minute.
 */
const BOUND_MS = 2 * EARLY_LIST_INTERVAL_MS;
assert.ok(BOUND_MS + EARLY_LIST_INTERVAL_MS < CHILD_LIST_INTERVAL_MS);

test("a hub child's status follows its stream: online when it plays, sleeping when it stops, in seconds", async (t) => {
  const hub = await startGardenHub();
  process.env.HUB_PASSWORD = hub.cloudPassword;
  const { app, stop } = await startStandaloneApp([hubEntry('hub', hub, { passwordEnv: 'HUB_PASSWORD' })]);
  t.after(async () => {
    await stop();
    await hub.close();
  });
  const garden = hub.child('Garden');
  const id = childCameraId('hub', garden.deviceId);

  // The child, found on the hub's list (asked until then, bounded), asleep. Its metrics channel is what the panel's tile reads.
  await cameraListed(app, id);
  const metrics = streamChannel();
  t.after(() => metrics.close());
  const ended: Array<Promise<void>> = [runStream(app, `camera/${id}/metrics`, metrics.sink)];
  await metrics.next((r) => r.status === 'sleeping', 'status sleeping', 70_000, 0);
  const listsBefore = hub.listCalls;

  // Its live view is opened: the request wakes it, it plays, and its status says online.
  const video = streamChannel();
  t.after(() => video.close());
  const openedAt = Date.now();
  ended.push(runStream(app, `camera/${id}/video/sub`, video.sink));
  await video.next((r) => r.kind === 'fragment', 'a fragment', 30_000, 0);
  const online = await metrics.next((r) => r.status === 'online', 'status online', BOUND_MS);
  const tookOnline = Date.now() - openedAt;
  console.log(`# online ${tookOnline} ms after its live view was opened (the list is read once a minute)`);
  assert.equal(online.camera_id, id);
  assert.ok(hub.listCalls - listsBefore <= 2, `${hub.listCalls - listsBefore} list reads: one early, not a minute's`);

  // It falls asleep (and stays so): its stream ends, and its status says sleeping.
  const sleptAt = Date.now();
  garden.faults.wontWake = true;
  hub.streamServer!.setAsleep(garden.deviceId, true);
  garden.sleep();
  hub.streamServer!.dropStreams();
  await metrics.next((r) => r.status === 'sleeping', 'status sleeping again', EARLY_LIST_INTERVAL_MS + BOUND_MS);
  console.log(`# sleeping ${Date.now() - sleptAt} ms after it fell asleep`);
  assert.equal(garden.wakeups, 0, 'no poll woke it (its live view did)');
  metrics.close();
  video.close();
  await Promise.all(ended);
});
