/**
 * Values from what the device says (issue 24), against simulated devices whose profiles are
 * written from six real devices' recorded answers (src/simulator/profiles/, sources named there):
 * the production client polls them over TLS, the fleet maps and keeps what they report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CameraConfig } from '../../src/config/types.ts';
import { seedCamera, seedSummary } from '../../src/http/seed-shapes.ts';
import type { CameraSnapshot, PollResult } from '../../src/model.ts';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { REAL_PROFILES, REAL_PROFILE_IDS, type RealProfileId } from '../../src/simulator/profiles/index.ts';
import { TapoClient } from '../../src/tapo/client.ts';
import { pollsOf, startFleet, tempStore, until } from './helpers.ts';
import { fakeCameraConfig } from '../helpers/fake-camera.ts';

type After = (fn: () => unknown) => void;

async function startReal(t: { after: After }): Promise<Map<RealProfileId, SimulatedCamera>> {
  const cams = new Map<RealProfileId, SimulatedCamera>();
  for (const id of REAL_PROFILE_IDS) {
    const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: `App ${id}`, profile: REAL_PROFILES[id] });
    t.after(() => cam.close());
    cams.set(id, cam);
  }
  return cams;
}

function configOf(id: RealProfileId, cam: SimulatedCamera, over: Partial<CameraConfig> = {}): CameraConfig {
  return fakeCameraConfig(id.replace('.', '_'), {
    name: `cfg ${id}`,
    host: cam.host,
    port: cam.port,
    password: cam.cloudPassword,
    pollIntervalMs: 150,
    ...over,
  });
}

test('every real profile polls online; each value is what that device reported', async (t) => {
  const cams = await startReal(t);
  const { store } = await tempStore(t);
  const configs = REAL_PROFILE_IDS.map((id) =>
    // TC40 has no name in the settings: the name from the Tapo app is shown.
    configOf(id, cams.get(id)!, id === 'TC40' ? { name: 'TC40', unnamed: true } : {})
  );
  const { fleet, rec } = await startFleet(t, store, configs);
  const idOf = (id: RealProfileId) => id.replace('.', '_');
  await until(
    fleet,
    () => REAL_PROFILE_IDS.every((id) => pollsOf(rec, idOf(id)).some((p) => p.status === 'online')),
    'an online poll of every real profile'
  );
  const last = (id: RealProfileId): PollResult =>
    [...pollsOf(rec, idOf(id))].reverse().find((p) => p.status === 'online')!;
  const snap = (id: RealProfileId): CameraSnapshot => fleet.camera(idOf(id))!;

  // TC40: PTZ and patrol from its components (no model list has it); no Wi-Fi reading; no card.
  const tc40 = last('TC40');
  assert.equal(tc40.model, 'TC40');
  assert.equal(snap('TC40').ptz, true, 'ptz component');
  assert.equal(snap('TC40').capabilities?.patrol, true, 'patrol component');
  assert.equal(tc40.rssiDbm, null, 'rssiValue 0 with rssi -1 is no reading, not 0 dBm');
  assert.equal(tc40.signalLevel, null);
  assert.equal(tc40.ssid, null, 'an empty ssid is none');
  assert.equal(tc40.linkType, 'wifi');
  assert.equal(tc40.recordingMode, 'no_card', 'a record plan without a card is "no card"');
  assert.equal(tc40.storageTotalBytes, null);
  assert.equal(tc40.loopRecording, null, 'no card, no loop recording');
  assert.equal(snap('TC40').name, 'App TC40', 'no name in the settings: the Tapo app name');
  assert.equal(tc40.alias, 'App TC40');

  // C100: no card; its never-alarmed "" is no alarm, not an error; no PTZ.
  const c100 = last('C100');
  assert.equal(c100.recordingMode, 'no_card');
  assert.equal(snap('C100').ptz, false);
  assert.equal(snap('C100').capabilities?.privacy, true);
  assert.equal(typeof c100.rssiDbm, 'number');
  assert.equal(snap('C100').name, 'cfg C100', "the user's own name wins");
  assert.equal(snap('C100').lastMotion, null);

  // D130 doorbell: LED "auto", a full card in loop recording (normal), no PTZ.
  const d130 = last('D130');
  assert.equal(d130.led, 'auto');
  assert.equal(d130.loopRecording, true);
  assert.equal(d130.storageTotalBytes, 127878135808);
  assert.equal(d130.storageUsedBytes, 127878135808, '0 B free');
  assert.equal(d130.recordingMode, 'scheduled');
  assert.equal(snap('D130').ptz, false);

  // TC65: its last firmware upgrade failed; no card.
  const tc65 = last('TC65');
  assert.equal(tc65.firmwareUpgradeFailed, true);
  assert.equal(tc65.firmwareUpdateState, 'normal');
  assert.equal(tc65.recordingMode, 'no_card');
  assert.equal(last('C720').firmwareUpgradeFailed, false);

  // C720: a card that is not in loop recording, with its real figures.
  const c720 = last('C720');
  assert.equal(c720.loopRecording, false);
  assert.equal(c720.storageTotalBytes, 127878135808);
  assert.equal(c720.storageUsedBytes, 127878135808 - 6945154936);
  assert.equal(snap('C720').ptz, false);

  // C210 hardware 1.0: PTZ without patrol, LED off, a full card in loop recording.
  const c210 = last('C210-1.0');
  assert.equal(snap('C210-1.0').ptz, true);
  assert.equal(snap('C210-1.0').capabilities?.patrol, false);
  assert.equal(c210.led, 'off');
  assert.equal(c210.loopRecording, true);
  assert.equal(c210.mac, cams.get('C210-1.0')!.device.mac);
  for (const id of REAL_PROFILE_IDS) {
    assert.equal(last(id).error, null, `${id}: ${last(id).error}`);
    assert.equal(last(id).model, REAL_PROFILES[id].model);
  }
});

test('motion now and motion detection enabled are separate; the seed JSON keeps its names', async (t) => {
  const cams = await startReal(t);
  const { store } = await tempStore(t);
  const ids: RealProfileId[] = ['C720', 'TC65'];
  const { fleet, rec } = await startFleet(
    t,
    store,
    ids.map((id) => configOf(id, cams.get(id)!, { pollIntervalMs: 60_000 }))
  );
  // A minute between polls: the test's own pollNow calls are the polls.
  await fleet.pollNow(ids);
  assert.ok(ids.every((id) => pollsOf(rec, id).length >= 1));
  const view = {
    cameras: () => fleet.cameras(),
    camera: (id: string) => fleet.camera(id),
    on: fleet.on.bind(fleet),
    model: () => null,
    counters: () => undefined,
    points: async () => [],
  };
  // Both have detection on and no motion: "motion active" is false however long ago they last saw some.
  for (const id of ids) {
    const s = fleet.camera(id)!;
    assert.equal(s.last!.motionDetectionEnabled, true);
    assert.equal(s.motionNow, false);
    const seed = seedCamera(view, s);
    assert.equal(seed.motion_detected, true, "the seed's field: motion detection on");
    assert.equal(seed.motion_detection_enabled, true);
    assert.equal(seed.motion_now, false);
  }
  // Motion on the C720: the next poll's last alarm is an event, and that camera alone has motion now.
  cams.get('C720')!.triggerMotion();
  await fleet.pollNow(['C720']);
  await until(fleet, () => fleet.camera('C720')!.motionNow === true, 'motion now on the C720');
  assert.equal(fleet.camera('TC65')!.motionNow, false);
  const summary = seedSummary(view);
  assert.equal(summary.summary.motion_now_count, 1);
  assert.equal(summary.summary.motion_active_count, 2, "the seed's count: cameras with detection on");
  assert.equal(summary.cameras.C720!.motion_now, true);
});

test('the client reads each real profile whole: no part fails on a real shape', async (t) => {
  const cams = await startReal(t);
  for (const id of REAL_PROFILE_IDS) {
    const cam = cams.get(id)!;
    const client = new TapoClient({ host: cam.host, port: cam.port, password: cam.cloudPassword, timeoutMs: 3000 });
    t.after(() => client.close());
    const poll = await client.poll();
    for (const [part, status] of Object.entries(poll.parts)) {
      if (status === 'ok') {
        continue;
      }
      assert.fail(`${id} ${part}: ${JSON.stringify(status)}`);
    }
    assert.ok(poll.components && Object.keys(poll.components).length > 20, `${id} components`);
  }
});
