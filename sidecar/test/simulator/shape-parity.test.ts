/**
 * Shape parity: the simulator answers every method the product calls with the key paths and
 * value types a real C210 (firmware 1.4.3) sends, asked through the production client over the
 * real protocol; every path our decoders read exists in the real answers; and the decoders read
 * real answers with fields added or optional ones removed, failing in words when a needed one is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as m from '../../src/tapo/methods.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import type { SubRequest } from '../../src/tapo/types.ts';
import { MODEL_IDS } from '../../src/simulator/profiles.ts';
import { clientFor, startCam } from '../tapo/helpers.ts';
import { emptyArrays, hasPath, referenceAnswers, schemaPaths, shapeDiff, shapeOf } from '../helpers/shapes.ts';

const real = referenceAnswers();

/** Every read method the product calls, with its request and decoder (setters answer {}). */
const CALLED: Record<string, { req: SubRequest; decode: (r: unknown) => unknown }> = {
  getDeviceInfo: { req: m.req.deviceInfo(), decode: m.decodeDeviceInfo },
  getConnectionType: { req: m.req.connection(), decode: m.decodeConnection },
  getDetectionConfig: { req: m.req.motionDetection(), decode: m.decodeMotionDetection },
  getPersonDetectionConfig: { req: m.req.personDetection(), decode: m.decodePersonDetection },
  getLensMaskConfig: { req: m.req.privacyMode(), decode: m.decodePrivacyMode },
  getLedStatus: { req: m.req.led(), decode: m.decodeLed },
  getSdCardStatus: { req: m.req.sdCard(), decode: m.decodeSdCard },
  getLastAlarmInfo: { req: m.req.lastAlarm(), decode: m.decodeLastAlarm },
  getRecordPlan: { req: m.req.recordPlan(), decode: m.decodeRecordingMode },
  getClockStatus: { req: m.req.clock(), decode: m.decodeClock },
  getTimezone: { req: m.req.timezone(), decode: m.decodeTimezone },
  getPresetConfig: { req: m.req.presets(), decode: m.decodePresets },
  getAppComponentList: { req: m.req.components(), decode: m.decodeComponents },
  getFirmwareUpdateStatus: { req: m.req.firmwareUpdate(), decode: m.decodeFirmwareUpdate },
};
const METHODS = Object.keys(CALLED);

/** Fields only battery models send: absent from a wired C210's answer by nature. */
const BATTERY_ONLY = new Set([
  'device_info.basic_info.battery_percent',
  'device_info.basic_info.battery_temperature',
  'device_info.basic_info.up_time',
  'device_info.basic_info.uptime',
]);

function realAnswer(method: string): unknown {
  const a = real[method];
  assert.ok(a !== undefined, `the reference data has no ${method}`);
  return a;
}

async function askSimulated(model: (typeof MODEL_IDS)[number], methods: string[]) {
  const cam = await startCam({ name: `parity ${model}`, model });
  const client = clientFor(cam);
  const subs = await client.multipleRequest(methods.map((x) => CALLED[x]!.req));
  return { cam, subs: new Map(subs.map((s) => [s.method, s])) };
}

test('every method we call is in the real answers and in the decoders table', () => {
  for (const method of METHODS) {
    realAnswer(method);
    assert.ok(m.DECODED_SHAPES[method], `${method} has no decoded shape`);
  }
  assert.deepEqual(Object.keys(m.DECODED_SHAPES).sort(), [...METHODS].sort());
});

test('a simulated C210 answers every method with the real key paths and value types', async () => {
  const { cam, subs } = await askSimulated('C210', METHODS);
  // State that fills optional parts: an alarm happened, presets exist (the real camera had none).
  cam.triggerMotion('person');
  const again = new Map(
    (await clientFor(cam).multipleRequest(METHODS.map((x) => CALLED[x]!.req))).map((s) => [s.method, s])
  );
  for (const round of [subs, again]) {
    for (const method of METHODS) {
      const sub = round.get(method)!;
      assert.equal(sub.errorCode, 0, `${method} answered ${sub.errorCode}`);
      const ref = shapeOf(realAnswer(method));
      const diff = shapeDiff(ref, shapeOf(sub.result), { allowExtraUnder: emptyArrays(ref) });
      assert.deepEqual(diff, [], `${method} differs from the real C210`);
    }
  }
});

test('every simulated model answers what it supports with at least the real C210 paths', async () => {
  for (const model of MODEL_IDS) {
    const { cam, subs } = await askSimulated(model, METHODS);
    for (const method of METHODS) {
      const sub = subs.get(method)!;
      if (cam.profile.unsupported.includes(method)) {
        assert.equal(sub.errorCode, -40210, `${model} ${method} should be unsupported`);
        continue;
      }
      assert.equal(sub.errorCode, 0, `${model} ${method} answered ${sub.errorCode}`);
      const ref = shapeOf(realAnswer(method));
      // Battery models add their readings; a wired link has no Wi-Fi figures.
      const wifiOnly = /^missing (rssi|rssiValue|ssid) /;
      const missing = shapeDiff(ref, shapeOf(sub.result), { allowExtraUnder: emptyArrays(ref) }).filter(
        (d) =>
          !(d.startsWith('extra device_info.basic_info.') && cam.profile.battery) &&
          !(wifiOnly.test(d) && cam.profile.linkType === 'ethernet')
      );
      assert.deepEqual(missing, [], `${model} ${method}`);
      // Whatever the model, the production decoder reads its answer.
      CALLED[method]!.decode(sub.result);
    }
  }
});

test('the simulated SD card reports exact and rounded sizes that agree with each other', async () => {
  const { subs } = await askSimulated('C210', ['getSdCardStatus']);
  const info = (subs.get('getSdCardStatus')!.result as any).harddisk_manage.hd_info[0].hd_info_1;
  for (const k of Object.keys(info).filter((key) => key.endsWith('_space'))) {
    assert.equal(typeof info[k], 'string', k);
    const exact = Number(/^(\d+)B$/.exec(info[`${k}_accurate`])![1]);
    const rounded = Number(/^([\d.]+)/.exec(info[k])![1]);
    const unit = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 }[/[A-Z]+$/.exec(info[k])![0]]!;
    assert.ok(Math.abs(rounded * unit - exact) <= 0.05 * unit + 1, `${k}: ${info[k]} vs ${info[`${k}_accurate`]}`);
  }
  const card = m.decodeSdCard(subs.get('getSdCardStatus')!.result)!;
  assert.equal(card.status, 'normal');
  assert.equal(card.totalBytes, Number(/^(\d+)B$/.exec(info.total_space_accurate)![1]), 'the exact figure wins');
  assert.equal(card.usedBytes + card.freeBytes, card.totalBytes);
  assert.equal(String(Math.round((card.usedBytes / card.totalBytes) * 100)), info.percent);
});

test('every path a decoder reads exists in the real answers (battery readings aside)', () => {
  for (const method of METHODS) {
    const ref = shapeOf(realAnswer(method));
    for (const { path } of schemaPaths(m.DECODED_SHAPES[method]!)) {
      if (BATTERY_ONLY.has(path)) {
        continue;
      }
      // Elements of a list the real camera left empty (no presets) cannot be checked here.
      const inEmptyList = emptyArrays(ref).some((a) => path.startsWith(`${a}[]`));
      assert.ok(
        inEmptyList || hasPath(ref, path),
        `${method}: the decoder reads ${path}, which real firmware does not send`
      );
    }
  }
});

/** A deep copy with an unknown field added to every object. */
function withExtras(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(withExtras);
  }
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = { future_field: { nested: ['x', 1] }, zz_flag: 'on' };
    for (const [k, child] of Object.entries(v)) {
      o[k] = withExtras(child);
    }
    return o;
  }
  return v;
}

/** A deep copy without the keys at `pattern` (`*` any key, `[]` each element). */
function without(v: unknown, pattern: string): unknown {
  const copy = structuredClone(v);
  const parts = pattern.replace(/\[\]/g, '.[]').split('.');
  const visit = (node: unknown, i: number) => {
    if (node === null || typeof node !== 'object') {
      return;
    }
    const part = parts[i]!;
    const last = i === parts.length - 1;
    if (part === '[]') {
      (node as unknown[]).forEach((el) => visit(el, i + 1));
      return;
    }
    const keys = part === '*' ? Object.keys(node) : [part];
    for (const k of keys) {
      if (last) {
        delete (node as Record<string, unknown>)[k];
      } else {
        visit((node as Record<string, unknown>)[k], i + 1);
      }
    }
  };
  visit(copy, 0);
  return copy;
}

test('decoders read the real answers, unmoved by extra fields or missing optional ones', () => {
  for (const method of METHODS) {
    const { decode } = CALLED[method]!;
    const answer = realAnswer(method);
    const plain = decode(answer);
    assert.deepEqual(decode(withExtras(answer)), plain, `${method} changed with extra fields`);
    for (const { path, optional } of schemaPaths(m.DECODED_SHAPES[method]!)) {
      if (optional) {
        assert.doesNotThrow(() => decode(without(answer, path)), `${method} without optional ${path}`);
      }
    }
  }
});

test('a missing or malformed required field is a typed protocol error naming the method and path', () => {
  let checked = 0;
  for (const method of METHODS) {
    const { decode } = CALLED[method]!;
    const answer = realAnswer(method);
    for (const { path, optional } of schemaPaths(m.DECODED_SHAPES[method]!)) {
      // Losing a list element or a disk entry is "none", not an error.
      if (optional || path.endsWith('[]') || path.endsWith('.*')) {
        continue;
      }
      const broken = without(answer, path);
      // An empty list (presets, disks) has no elements to lose: nothing to break there.
      if (JSON.stringify(broken) === JSON.stringify(answer)) {
        continue;
      }
      assert.throws(
        () => decode(broken),
        (e: unknown) =>
          e instanceof TapoError &&
          e.kind === 'protocol' &&
          e.message.startsWith(`${method}: unexpected shape at `) &&
          e.method === method,
        `${method} without ${path}`
      );
      checked++;
    }
  }
  assert.ok(checked >= 12, `only ${checked} required paths were checked`);
  // Malformed, not missing: an "enabled" that is neither on nor off, a size that is no size.
  assert.throws(
    () => m.decodeLed({ led: { config: { enabled: 'maybe' } } }),
    (e: unknown) => e instanceof TapoError && /getLedStatus: unexpected shape at led\.config\.enabled/.test(e.message)
  );
  const sd = structuredClone(realAnswer('getSdCardStatus')) as any;
  sd.harddisk_manage.hd_info[0].hd_info_1.total_space = 'lots';
  sd.harddisk_manage.hd_info[0].hd_info_1.total_space_accurate = 'lots';
  assert.throws(() => m.decodeSdCard(sd), /getSdCardStatus: unreadable size/);
  // An unreadable exact figure falls back to the rounded one.
  sd.harddisk_manage.hd_info[0].hd_info_1.total_space = '1GB';
  assert.equal(m.decodeSdCard(sd)!.totalBytes, 1024 ** 3);
});
