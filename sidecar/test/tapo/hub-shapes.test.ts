/**
 * Peer test of the hub parsers: every key path they read is present in the real H200/D230
 * answer shapes (fixture written from the hub fact sheet), the parsers decode those shapes, and
 * the simulated hub answers with the same paths — so the simulator cannot drift from the real device.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHILD_INFO_PATHS,
  CHILD_LIST_PATHS,
  CHILD_PAGE_PATHS,
  decodeChildDeviceInfo,
  decodeChildEntry,
  decodeChildPage,
} from '../../src/tapo/hub/child-decode.ts';
import { HubClient } from '../../src/tapo/hub/index.ts';
import * as m from '../../src/tapo/methods.ts';
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { D230_DEVICE_INFO, D230_LAST_ALARM, H200_CHILD_LIST, H200_DEVICE_INFO } from './fixtures/hub-shapes.ts';

/** The hub's own getDeviceInfo: the camera decoder's paths. */
const HUB_INFO_PATHS = ['device_model', 'device_alias', 'sw_version', 'hw_version', 'mac', 'dev_id', 'device_type'].map(
  (k) => `device_info.basic_info.${k}`
);
const LAST_ALARM_PATHS = ['system.last_alarm_info.last_alarm_time', 'system.last_alarm_info.last_alarm_type'];

function has(obj: unknown, path: string): boolean {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || !(k in cur)) {
      return false;
    }
    cur = (cur as Record<string, unknown>)[k];
  }
  return true;
}

function missing(obj: unknown, paths: readonly string[]): string[] {
  return paths.filter((p) => !has(obj, p));
}

test('every path our hub parsers read is in the real H200/D230 answers, and they decode', () => {
  assert.deepEqual(missing(H200_CHILD_LIST, CHILD_PAGE_PATHS), []);
  assert.deepEqual(missing(H200_CHILD_LIST.child_device_list[0], CHILD_LIST_PATHS), []);
  assert.deepEqual(missing(D230_DEVICE_INFO, CHILD_INFO_PATHS), []);
  assert.deepEqual(missing(H200_DEVICE_INFO, HUB_INFO_PATHS), []);
  assert.deepEqual(missing(D230_LAST_ALARM, LAST_ALARM_PATHS), []);

  const page = decodeChildPage(H200_CHILD_LIST);
  assert.equal(page.sum, 1);
  const child = decodeChildEntry(page.entries[0]);
  assert.deepEqual(
    {
      model: child.model,
      online: child.online,
      sleeping: child.sleeping,
      power: child.powerSource,
      pct: child.batteryPercent,
      charging: child.charging,
      low: child.lowBattery,
      temp: child.batteryTemperatureC,
      mv: child.batteryVoltageMv,
      up: child.uptimeSeconds,
      camUp: child.camUptimeSeconds,
    },
    {
      model: 'D230',
      online: true,
      sleeping: false,
      power: 'BATTERY',
      pct: 90,
      charging: false,
      low: false,
      temp: 3,
      mv: 4022,
      up: 3061186,
      camUp: 5378,
    }
  );
  const info = decodeChildDeviceInfo(D230_DEVICE_INFO);
  assert.equal(info.model, 'D230');
  assert.equal(info.overheated, false);
  assert.equal(info.batteryPercent, 90);
  assert.equal(m.decodeDeviceInfo(H200_DEVICE_INFO).deviceType, 'SMART.TAPOHUB');
  assert.equal(m.decodeLastAlarm(D230_LAST_ALARM)?.type, 'motion');
});

test('the simulated hub answers with the same paths as the real one', async () => {
  const hub = await SimulatedHub.start({ host: '127.0.0.1', name: 'h-shapes' });
  const client = new HubClient({ host: hub.host, port: hub.port, password: hub.cloudPassword, timeoutMs: 3000 });
  after(async () => {
    await client.close();
    await hub.close();
  });
  const door = hub.child('D230');
  door.trigger('motion');
  const [info, list] = await client.client.multipleRequest([
    m.req.deviceInfo(),
    { method: 'getChildDeviceList', params: { childControl: { start_index: 0 } } },
  ]);
  assert.deepEqual(missing(info!.result, HUB_INFO_PATHS), []);
  assert.deepEqual(missing(list!.result, CHILD_PAGE_PATHS), []);
  for (const entry of (list!.result as typeof H200_CHILD_LIST).child_device_list) {
    assert.deepEqual(missing(entry, CHILD_LIST_PATHS), []);
  }
  // Beyond what we read: the simulator's entry carries every key of the real entry.
  const realKeys = Object.keys(H200_CHILD_LIST.child_device_list[0]!).sort();
  const simKeys = Object.keys((list!.result as typeof H200_CHILD_LIST).child_device_list[0]!);
  assert.deepEqual(
    realKeys.filter((k) => !simKeys.includes(k)),
    []
  );
  const [childInfo, alarm] = await client.callChild(door.deviceId, [m.req.deviceInfo(), m.req.lastAlarm()]);
  assert.deepEqual(missing(childInfo!.result, CHILD_INFO_PATHS), []);
  assert.deepEqual(missing(alarm!.result, LAST_ALARM_PATHS), []);
  const realInfoKeys = Object.keys(D230_DEVICE_INFO.device_info.basic_info);
  const simInfoKeys = Object.keys((childInfo!.result as typeof D230_DEVICE_INFO).device_info.basic_info);
  assert.deepEqual(
    realInfoKeys.filter((k) => !simInfoKeys.includes(k)),
    []
  );
  // And the real D230's info has no temperature/voltage/uptime; neither has the simulator's.
  for (const k of ['battery_temperature', 'battery_voltage', 'uptime']) {
    assert.ok(!simInfoKeys.includes(k), k);
  }
});
