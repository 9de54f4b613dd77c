/**
 * Fuzz/property tests of everything that reads camera answers: random bytes, truncated JSON,
 * wrong types, mutated valid answers, huge payloads. Properties: nothing but TapoError is ever
 * thrown, and no error message contains a secret (password, its hashes, tokens, nonces, keys).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Prng } from '../../src/simulator/prng.ts';
import { certificate } from '../../src/simulator/certs.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import { TapoClient, buildPoll } from '../../src/tapo/client.ts';
import { parseJson, decodeMultiple, secondsLeftOf, parseSize } from '../../src/tapo/decode.ts';
import * as m from '../../src/tapo/methods.ts';
import { login } from '../../src/tapo/login.ts';
import { SecureSession } from '../../src/tapo/secure-session.ts';
import { LegacySession } from '../../src/tapo/legacy-session.ts';
import { deriveKeys, encrypt, deviceConfirm, md5Upper, sha256Upper } from '../../src/tapo/crypto.ts';
import type { Transport, HttpReply } from '../../src/tapo/transport.ts';
import type { SubResponse } from '../../src/tapo/types.ts';

const PASSWORD = 'S3cret-Pa55word!';
const STOK = 'STOKSECRET0123456789abcdef';
const NONCE = 'ABCDEF0123456789';
const SECRETS = [PASSWORD, md5Upper(PASSWORD), sha256Upper(PASSWORD), STOK, NONCE, 'KEYSECRET', 'TOKENSECRET'];
const KEYS = [
  'error_code',
  'result',
  'responses',
  'method',
  'device_info',
  'basic_info',
  'device_model',
  'stok',
  'nonce',
  'device_confirm',
  'encrypt_type',
  'data',
  'sec_left',
  'code',
  'enabled',
  'response',
  'start_seq',
  'user_group',
  'hd_info',
  'hd_info_1',
  'total_space',
  'free_space',
  'status',
  'rssiValue',
  'link_type',
  'key',
  'password',
  'token',
];
const ITER = Number(process.env.FUZZ_ITERATIONS ?? 400);

function assertSafe(e: unknown, where: string): void {
  assert.ok(
    e instanceof TapoError,
    `${where}: threw ${e instanceof Error ? e.constructor.name + ': ' + e.message.slice(0, 100) : typeof e}`
  );
  const text = `${e.message} ${JSON.stringify(e)}`;
  for (const s of SECRETS) {
    assert.ok(!text.includes(s), `${where}: message leaks a secret: ${e.message.slice(0, 200)}`);
  }
  assert.ok(e.message.length < 500, `${where}: message is bounded`);
}

function randString(r: Prng): string {
  switch (r.int(0, 5)) {
    case 0:
      return r.pick(SECRETS);
    case 1:
      return `${r.pick(['on', 'off', '1.5GB', '0B', '-61', '3', 'ZZ'])}`;
    case 2:
      return r.bytes(r.int(0, 40)).toString('latin1');
    case 3:
      return r.bytes(r.int(0, 30)).toString('base64');
    default:
      return `x${r.pick(SECRETS)}y`;
  }
}

function randValue(r: Prng, depth = 0): unknown {
  const k = r.int(0, depth > 4 ? 4 : 7);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick([0, -1, -40401, -40413, -40404, -40210, 1e308, -0.5, 2 ** 53 + 1, r.int(-100000, 100000)]);
    case 3:
    case 4:
      return randString(r);
    case 5:
      return Array.from({ length: r.int(0, 4) }, () => randValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(0, 5); i > 0; i--) {
        o[r.pick(KEYS)] = randValue(r, depth + 1);
      }
      return o;
    }
  }
}

/** Replace, delete or retype one random node of a copy of `v`. */
function mutate(r: Prng, v: unknown): unknown {
  if (typeof v !== 'object' || v === null || r.next() < 0.15) {
    return randValue(r);
  }
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) {
    return randValue(r);
  }
  const key = r.pick(keys);
  const c = copy as Record<string, unknown>;
  const roll = r.next();
  if (roll < 0.2) {
    delete c[key];
  } else if (roll < 0.5) {
    c[key] = randValue(r);
  } else {
    c[key] = mutate(r, c[key]);
  }
  return copy;
}

const VALID: Record<string, unknown> = {
  getDeviceInfo: {
    device_info: {
      basic_info: {
        device_model: 'C210',
        device_alias: 'a',
        sw_version: '1',
        hw_version: '2',
        mac: 'm',
        dev_id: 'd',
        device_type: 'SMART.IPCAMERA',
        battery_percent: 50,
      },
    },
  },
  getConnectionType: { link_type: 'wifi', rssi: '3', rssiValue: -61, ssid: 'c3NpZA==' },
  getDetectionConfig: { motion_detection: { motion_det: { enabled: 'on' } } },
  getPersonDetectionConfig: { people_detection: { detection: { enabled: 'off' } } },
  getLensMaskConfig: { lens_mask: { lens_mask_info: { enabled: 'on' } } },
  getLedStatus: { led: { config: { enabled: 'on' } } },
  getSdCardStatus: {
    harddisk_manage: { hd_info: [{ hd_info_1: { status: 'normal', total_space: '29.7GB', free_space: '1.5GB' } }] },
  },
  getLastAlarmInfo: { system: { last_alarm_info: { last_alarm_time: '1733422805', last_alarm_type: 'motion' } } },
  getRecordPlan: { record_plan: { chn1_channel: { enabled: 'on' } } },
  getClockStatus: { system: { clock_status: { seconds_from_1970: 1734262120, local_time: '2024-12-15 11:28:40' } } },
  getTimezone: { system: { basic: { timezone: 'UTC', zone_id: 'Europe/London', timing_mode: 'ntp' } } },
  getPresetConfig: { preset: { preset: { id: ['1'], name: ['Door'] } } },
  getAppComponentList: { app_component: { app_component_list: [{ name: 'ptz', version: 1 }] } },
  getFirmwareUpdateStatus: { cloud_config: { upgrade_status: { state: 'normal', lastUpgradingSuccess: true } } },
};
const DECODERS: Record<string, (r: unknown) => unknown> = {
  getDeviceInfo: m.decodeDeviceInfo,
  getConnectionType: m.decodeConnection,
  getDetectionConfig: m.decodeMotionDetection,
  getPersonDetectionConfig: m.decodePersonDetection,
  getLensMaskConfig: m.decodePrivacyMode,
  getLedStatus: m.decodeLed,
  getSdCardStatus: m.decodeSdCard,
  getLastAlarmInfo: m.decodeLastAlarm,
  getRecordPlan: m.decodeRecordingMode,
  getClockStatus: m.decodeClock,
  getTimezone: m.decodeTimezone,
  getPresetConfig: m.decodePresets,
  getAppComponentList: m.decodeComponents,
  getFirmwareUpdateStatus: m.decodeFirmwareUpdate,
};
const POLL_METHODS = [
  'getDeviceInfo',
  'getConnectionType',
  'getDetectionConfig',
  'getPersonDetectionConfig',
  'getLensMaskConfig',
  'getLedStatus',
  'getSdCardStatus',
  'getLastAlarmInfo',
  'getRecordPlan',
  'getAppComponentList',
  'getFirmwareUpdateStatus',
];

/** Run fn; a throw must be a safe TapoError. Returns whether it threw (to check both paths ran). */
function attempt(fn: () => unknown, where: string): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    assertSafe(e, where);
    return true;
  }
}

test('valid answers decode (the fuzz baseline is meaningful)', () => {
  for (const [method, decode] of Object.entries(DECODERS)) {
    assert.doesNotThrow(() => decode(VALID[method]), method);
  }
  const poll = buildPoll(
    POLL_METHODS.map((method) => ({ method, errorCode: 0, result: VALID[method] })),
    1
  );
  assert.ok(Object.values(poll.parts).every((p) => p === 'ok'));
  assert.equal(poll.sdCard?.freeBytes, Math.round(1.5 * 1024 ** 3));
  assert.equal(parseSize('29.7GB'), Math.round(29.7 * 1024 ** 3));
});

test('random bytes and truncated JSON never throw anything but a safe TapoError', () => {
  const r = new Prng(1234);
  const validTexts = Object.values(VALID).map((v) =>
    JSON.stringify({ result: { responses: [{ method: 'x', result: v, error_code: 0 }] }, error_code: 0, stok: STOK })
  );
  for (let i = 0; i < ITER; i++) {
    const input = r.next() < 0.5 ? r.bytes(r.int(0, 200)) : Buffer.from(r.pick(validTexts).slice(0, r.int(0, 200)));
    attempt(() => {
      const v = parseJson(input, 'fuzz');
      decodeMultiple(v, ['getDeviceInfo']);
    }, `bytes #${i}`);
  }
});

test('wrong types and mutated answers: decoders, multipleRequest and poll assembly', () => {
  const r = new Prng(99);
  const methods = Object.keys(DECODERS);
  let threw = 0;
  for (let i = 0; i < ITER; i++) {
    const method = r.pick(methods);
    const input = r.next() < 0.3 ? randValue(r) : mutate(r, VALID[method]);
    if (attempt(() => DECODERS[method]!(input), `${method} #${i}`)) {
      threw++;
    }
    attempt(
      () =>
        decodeMultiple(mutate(r, { result: { responses: [{ method, result: VALID[method], error_code: 0 }] } }), [
          method,
        ]),
      `multiple #${i}`
    );
    attempt(() => secondsLeftOf(randValue(r)), `secLeft #${i}`);
    const subs: SubResponse[] = POLL_METHODS.map((mm) => ({
      method: mm,
      errorCode: r.next() < 0.2 ? r.pick([-40210, -40106, -64324, -1]) : 0,
      result: r.next() < 0.3 ? mutate(r, VALID[mm]) : VALID[mm],
    }));
    attempt(() => buildPoll(subs, 1), `poll #${i}`);
  }
  // Both outcomes occurred: the inputs were neither all valid nor all rejected.
  assert.ok(threw > ITER / 10 && threw < ITER, `decoder rejections: ${threw}/${ITER}`);
});

test('huge payloads are rejected or decoded without crashing', () => {
  const bigString = 'A'.repeat(5_000_000) + PASSWORD;
  attempt(() => m.decodeDeviceInfo({ device_info: { basic_info: { device_model: bigString } } }), 'huge string');
  const bigArray = {
    result: {
      responses: Array.from({ length: 100_000 }, () => ({ method: 'getDeviceInfo', result: {}, error_code: 0 })),
    },
  };
  attempt(() => decodeMultiple(bigArray, ['getDeviceInfo']), 'huge array');
  let deep: unknown = STOK;
  for (let i = 0; i < 100_000; i++) {
    deep = [deep];
  }
  attempt(() => decodeMultiple({ result: { responses: deep } }, ['getDeviceInfo']), 'deep array');
  const deepText = '['.repeat(200_000) + ']'.repeat(200_000);
  attempt(() => parseJson(deepText, 'deep'), 'deep json');
  attempt(
    () => m.decodePresets({ preset: { preset: { id: Array(5000).fill('1'), name: Array(5000).fill('n') } } }),
    'many presets'
  );
});

/** A fake transport that answers each post() from a script. */
function fakeTransport(answer: (path: string, body: string) => HttpReply): Transport {
  return { post: async (path: string, body: string) => answer(path, body) } as unknown as Transport;
}
const reply = (r: Prng, body: unknown): HttpReply => ({
  status: r.next() < 0.85 ? 200 : r.pick([401, 500, 404, 0]),
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  fingerprint: 'FP',
});

test('login against fuzzed answers: only safe TapoErrors, and never a digest the camera did not confirm', async () => {
  const r = new Prng(7);
  const kinds = new Set<string>();
  let sessions = 0;
  for (let i = 0; i < ITER; i++) {
    let digestSent = false;
    let confirmed = false;
    const t = fakeTransport((_path, body) => {
      const req = JSON.parse(body) as { params: Record<string, unknown> };
      if (req.params.digest_passwd !== undefined) {
        digestSent = true;
      }
      if (r.next() < 0.1) {
        return reply(
          r,
          mutate(r, {
            error_code: -40404,
            result: { data: { code: -40404, sec_left: r.int(0, 4000), time: 0, max_time: 5 } },
          })
        );
      }
      if (req.params.cnonce && req.params.digest_passwd === undefined) {
        const cnonce = String(req.params.cnonce);
        const good = r.next() < 0.3;
        confirmed = good;
        const challenge = {
          error_code: -40413,
          result: {
            data: {
              code: -40413,
              encrypt_type: ['3'],
              nonce: NONCE,
              device_confirm: deviceConfirm(cnonce, good ? sha256Upper(PASSWORD) : sha256Upper('other'), NONCE),
            },
          },
        };
        return reply(r, r.next() < 0.5 ? mutate(r, challenge) : challenge);
      }
      const ok = { error_code: 0, result: { stok: STOK, user_group: 'root', start_seq: 5 } };
      return reply(
        r,
        r.next() < 0.7 ? mutate(r, ok) : r.next() < 0.5 ? randValue(r) : r.bytes(r.int(0, 50)).toString('latin1')
      );
    });
    try {
      await login(t, 'admin', PASSWORD);
      sessions++;
    } catch (e) {
      assertSafe(e, `login #${i}`);
      kinds.add((e as TapoError).kind);
    }
    if (digestSent) {
      assert.ok(confirmed, `login #${i}: digest sent without a valid confirmation`);
    }
  }
  assert.ok(sessions > 0, 'some logins succeeded');
  for (const k of ['auth_failed', 'protocol', 'locked_out']) {
    assert.ok(kinds.has(k), `fuzz reached ${k}`);
  }
});

test('sessions against fuzzed answers (encrypted and plain): only safe TapoErrors', async () => {
  const r = new Prng(42);
  const keys = deriveKeys('0011223344556677', NONCE, sha256Upper(PASSWORD));
  for (let i = 0; i < ITER; i++) {
    const inner =
      r.next() < 0.5
        ? JSON.stringify(mutate(r, { result: { responses: [] }, error_code: 0 })).slice(0, r.int(0, 80))
        : r.bytes(r.int(0, 64)).toString('latin1');
    const wrapped = r.next() < 0.6 ? encrypt(keys, Buffer.from(inner)).toString('base64') : randString(r);
    const outer = r.next() < 0.7 ? { result: { response: wrapped }, error_code: 0 } : randValue(r);
    const t = fakeTransport(() => reply(r, outer));
    const s =
      r.next() < 0.5
        ? new SecureSession(t, { stok: STOK, keys, tagPrefix: 'P', startSeq: 1 })
        : new LegacySession(t, STOK);
    try {
      await s.call({ method: 'multipleRequest', params: { requests: [] } });
    } catch (e) {
      assertSafe(e, `session #${i}`);
    }
  }
});

test('an oversized HTTP answer is cut off with a protocol error', async () => {
  const { key, cert } = certificate('device-0');
  const server = https.createServer({ key, cert }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    let n = 0;
    const write = () => {
      while (n < 8 && res.write(chunk)) {
        n++;
      }
      if (n < 8) {
        res.once('drain', () => ((n += 1), write()));
      } else {
        res.end();
      }
    };
    write();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const client = new TapoClient({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      password: PASSWORD,
      timeoutMs: 5000,
    });
    const e = await client.login().then(
      () => assert.fail('should fail'),
      (err: unknown) => err
    );
    assertSafe(e, 'oversized');
    assert.equal((e as TapoError).kind, 'protocol');
    assert.match((e as TapoError).message, /larger than/);
    await client.close();
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
