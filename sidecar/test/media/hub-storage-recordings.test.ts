/**
 * Hub storage (recordings sheet §0, §6, §13): a Wi-Fi camera paired to a hub is recorded on the
 * hub's disk. The hub lists it in getGeneralDeviceList (issue #144's shape), answers its searches
 * only with the camera named inline, and serves its clips on port 8800 to the `type=download`
 * request in both forms (an H200's `camera_mac=`, the H500's `deviceId=` with Content-Length 0),
 * never to the child form (`type=sdvod`) and never as a live view.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeHubStorageCameras,
  listHubStorageCameras,
  normalMac,
  onHubStorage,
} from '../../src/tapo/hub/hub-storage.ts';
import * as m from '../../src/tapo/methods.ts';
import { RecordingsSearch, type RecordingsApi } from '../../src/tapo/recordings.ts';
import { RecordingSession, type RecordingSessionOptions } from '../../src/media/hubstream/recording-session.ts';
import type { MediaError } from '../../src/media/types.ts';
import { dayWindow } from '../../src/util/zoned-day.ts';
import { startHubWithClient } from '../helpers/sim-hub.ts';

const { hub, client, close } = await startHubWithClient();
after(close);
const SHED = { deviceId: 'AB'.repeat(20), mac: '8C-90-2D-40-A6-AE', model: 'C425', alias: 'Shed' };
const card = hub.pairForStorage(SHED);
card.clear();
const w = dayWindow('Europe/Berlin', '20260704');
card.record({ start: w.start + 3600, end: w.start + 3602, videoType: 2, events: [2, 9] });

test('the general device list as issue #144 shows it; odd entries are skipped, MACs normalised', () => {
  const cams = decodeHubStorageCameras({
    general_camera_manage: {
      cur_24h_record_dev: 0,
      paired_general_device_list: [
        {
          alias: 'C425',
          category: 'camera',
          device_id: 'cd'.repeat(20),
          device_model: 'C425',
          hub_storage_enabled: true,
          mac: '8C902D40A6AE',
        },
        { alias: 'no id', mac: '8C902D40A6AF', hub_storage_enabled: true },
        { alias: 'bad mac', device_id: 'EF'.repeat(20), mac: 'xyz' },
        'garbage',
        { alias: 'off', device_id: '01'.repeat(20), mac: '00:11:22:33:44:55', hub_storage_enabled: 0 },
      ],
    },
  });
  assert.deepEqual(cams, [
    { deviceId: 'CD'.repeat(20), mac: '8C902D40A6AE', model: 'C425', alias: 'C425', storageEnabled: true },
    { deviceId: '01'.repeat(20), mac: '001122334455', model: '', alias: 'off', storageEnabled: false },
  ]);
  assert.throws(() => decodeHubStorageCameras({ general_camera_manage: {} }), /paired_general_device_list/);
  assert.equal(normalMac('40-ae-30-01-02-03'), '40AE30010203');
  assert.equal(normalMac('40-ae-30'), '');
});

test('the hub lists the paired camera, and answers its searches only when the camera is named', async () => {
  const call = (requests: Parameters<RecordingsApi['multipleRequest']>[0]) => client.client.multipleRequest(requests);
  const listed = await listHubStorageCameras(call);
  assert.deepEqual(listed, [
    { deviceId: SHED.deviceId, mac: '8C902D40A6AE', model: 'C425', alias: 'Shed', storageEnabled: true },
  ]);

  const unnamed = await call([
    {
      method: 'searchDateWithVideo',
      params: { playback: { search_year_utility: { channel: [0], start_date: '20260701', end_date: '20260731' } } },
    },
  ]);
  assert.equal(unnamed[0]!.errorCode, -71105, "without the camera named, the hub's own (absent) card answers");

  const api: RecordingsApi = {
    multipleRequest: (requests) => call(requests.map((r) => onHubStorage(r, listed[0]!))),
    getSdCard: async () => m.decodeSdCard((await call([m.req.sdCard()]))[0]!.result),
    getTimezone: async () => ({ zoneId: 'Europe/Berlin', timezone: 'UTC+01:00', timingMode: 'ntp' }),
  };
  assert.equal((await api.getSdCard())?.present, true, "the hub's disk is there");
  const search = new RecordingsSearch(api, '0123456789ABCDEF0123456789ABCDEF');
  assert.deepEqual(await search.days('20260701', '20260731'), ['20260704']);
  assert.deepEqual(await search.clipsOfDay('20260704', 'Europe/Berlin'), [
    { start: w.start + 3600, end: w.start + 3602, videoType: 2, events: [9, 2] },
  ]);
});

function download(extra: Partial<RecordingSessionOptions>): Promise<{ outcome: MediaError | null; aus: number }> {
  let aus = 0;
  return new Promise((resolve) => {
    const session = new RecordingSession({
      cameraId: 'shed',
      host: hub.host,
      port: hub.streamServer!.port,
      password: hub.cloudPassword,
      mode: 'playback',
      start: w.start + 3600,
      end: w.start + 3602,
      playerId: '0123456789ABCDEF0123456789ABCDEF',
      timeoutMs: 5000,
      onInfo: () => undefined,
      onAccessUnit: () => void aus++,
      onDone: () => resolve({ outcome: null, aus }),
      onEnd: (e) => resolve({ outcome: e, aus }),
      ...extra,
    });
    session.start().then(undefined, (e: MediaError) => resolve({ outcome: e, aus }));
  });
}

for (const form of ['camera_mac', 'deviceId'] as const) {
  test(`a hub-storage clip with the ${form} request form: the whole clip, as a download`, async () => {
    const before = hub.streamServer!.stats().sessions;
    const { outcome, aus } = await download({ hubStorage: { deviceId: SHED.deviceId, mac: '8C902D40A6AE', form } });
    assert.equal(outcome, null, `the whole clip came: ${outcome?.message}`);
    assert.ok(aus >= 44 && aus <= 45, `3 s at 15 fps: ${aus} pictures`);
    assert.equal(hub.streamServer!.stats().sessions, before, 'no live-view session was opened');
  });
}

test('the child form (type=sdvod) does not reach a hub-storage camera', async () => {
  const { outcome, aus } = await download({ deviceId: SHED.deviceId });
  assert.ok(outcome, 'refused');
  assert.equal(aus, 0);
});
