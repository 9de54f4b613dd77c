import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as c from '../../src/tapo/crypto.ts';

// The test vector from the protocol notes (pytapo's maths and an independent implementation agree).
const PASSWORD = 'CloudPass123';
const C = '0123456789ABCDEF';
const N = 'FEDCBA9876543210';

test('test vector: device_confirm, digest_passwd, keys and Tapo_tag', () => {
  const H = c.sha256Upper(PASSWORD);
  assert.equal(
    c.deviceConfirm(C, H, N),
    '0B016D53DDBD50D38301353CE27BC75F9F634DFABA42B817D00229141AF087D6FEDCBA98765432100123456789ABCDEF'
  );
  assert.equal(
    c.digestPasswd(H, C, N),
    'E6A81AF1FE64F9DA779665EE1ACBC7DB956B58776924C41EB8AAFBA4D90524360123456789ABCDEFFEDCBA9876543210'
  );
  const keys = c.deriveKeys(C, N, H);
  assert.equal(keys.lsk.toString('hex'), '16d7885f68dabd6664bf37a43068dcd3');
  assert.equal(keys.ivb.toString('hex'), 'f639e709fd05dbcd428ec87e38d89562');
  const inner =
    '{"method":"multipleRequest","params":{"requests":[{"method":"getDeviceInfo","params":{"device_info":{"name":["basic_info"]}}}]}}';
  const body = JSON.stringify({
    method: 'securePassthrough',
    params: { request: c.encrypt(keys, Buffer.from(inner)).toString('base64') },
  });
  assert.equal(
    c.tapoTag(c.tagPrefix(H, C), body, 41),
    '0D5BF5E27BCEF94173F8AC6410AF9B270D1E0B44DE3964D8F09DCF998D935BE0'
  );
});

test('device_confirm identifies the hash algorithm, and rejects a wrong password', () => {
  for (const algo of ['sha256', 'md5'] as const) {
    const dc = c.deviceConfirm(C, c.passwordHash(PASSWORD, algo), N);
    const m = c.matchDeviceConfirm(PASSWORD, C, N, dc);
    assert.equal(m?.algo, algo);
    assert.equal(c.matchDeviceConfirm('wrong-password', C, N, dc), null);
  }
  assert.equal(c.matchDeviceConfirm(PASSWORD, C, N, 'garbage'), null);
});

test('AES round trip; corrupted ciphertext fails to decrypt', () => {
  const keys = c.deriveKeys(C, N, c.md5Upper(PASSWORD));
  const plain = Buffer.from('{"hello":"world"}');
  const enc = c.encrypt(keys, plain);
  assert.equal(enc.length % 16, 0);
  assert.deepEqual(c.decrypt(keys, enc), plain);
  const other = c.deriveKeys(C, N, c.sha256Upper('other'));
  assert.throws(() => c.decrypt(other, enc));
  assert.throws(() => c.decrypt(keys, enc.subarray(0, 7)));
});

test('nonces are 16 uppercase hex chars and differ', () => {
  const a = c.makeNonce();
  assert.match(a, /^[0-9A-F]{16}$/);
  assert.notEqual(a, c.makeNonce());
});
