// Every vector of the fact sheet's tpap-vectors.json (v1, v2, the extra_crypt and default-passcode
// values) and its §14.0 RFC 9383 and §14.4 glibc crypt(3) values, against our TPAP modules.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { tpapVectors } from './shared.ts';
import {
  deriveW0W1,
  contextHash,
  transcript,
  w0Encoding,
  confirmations,
  channelKeys,
} from '../../src/tapo/tpap/key-schedule.ts';
import {
  proverShare,
  verifierShare,
  proverFinish,
  verifierFinish,
  verifierL,
  scalarBytes,
  decodePoint,
  N,
} from '../../src/tapo/tpap/spake2plus.ts';
import { seal, open, seqNonce, plaintextRefusal } from '../../src/tapo/tpap/ccm-channel.ts';
import { passcodeOf, tpapUsername, applyExtraCrypt, defaultPasscode } from '../../src/tapo/tpap/passcodes.ts';
import { sha256Crypt, md5Crypt } from '../../src/tapo/tpap/unix-crypt.ts';
import { registerRequest } from '../../src/tapo/tpap/tpap-login.ts';
import { TapoError } from '../../src/tapo/errors.ts';

const V = tpapVectors();
const hex = (k: string): Buffer => Buffer.from(String(V[k]), 'hex');
const str = (k: string): string => String(V[k]);
const big = (k: string): bigint => BigInt('0x' + str(k));
const h = (b: Uint8Array): string => Buffer.from(b).toString('hex');

for (const v of ['v1', 'v2'] as const) {
  describe(`TPAP vector ${v}`, () => {
    const k = (name: string) => `${v}.${name}`;
    const cred = passcodeOf(str(k('password')), 'md5');
    const { w0, w1 } = deriveW0W1(cred, hex(k('dev_salt')), Number(V[k('iterations')]));
    const x = big(k('x'));
    const y = big(k('y'));
    const X = proverShare(x, w0);
    const Y = verifierShare(y, w0);
    const ctx = contextHash(hex(k('user_random')), hex(k('dev_random')));

    test('passcodes, username, w0/w1, L', () => {
      assert.equal(cred, str(k('credential_md5hex')));
      assert.equal(passcodeOf(str(k('password')), 'sha256'), str(k('credential_sha256upper')));
      assert.equal(tpapUsername(0), str(k('username_md5_admin')));
      assert.equal(h(scalarBytes(w0)), str(k('w0')));
      assert.equal(h(scalarBytes(w1)), str(k('w1')));
      assert.equal(w0.toString(2).length, Number(V[k('w0_bitlen')]));
      assert.equal(h(verifierL(w1)), str(k('L')));
    });

    test('shares, context, Z and V on both sides', () => {
      assert.equal(h(X), str(k('X_user_share')));
      assert.equal(h(Y), str(k('Y_dev_share')));
      assert.equal(h(ctx), str(k('context_sha256')));
      const p = proverFinish(x, w0, w1, Y);
      const d = verifierFinish(y, w0, verifierL(w1), X);
      assert.equal(h(p.Z), str(k('Z')));
      assert.equal(h(p.V), str(k('V')));
      assert.deepEqual([h(d.Z), h(d.V)], [h(p.Z), h(p.V)]);
    });

    test('transcript (both w0 encodings), confirmations, session key and nonce', () => {
      const { Z, V: Vp } = proverFinish(x, w0, w1, Y);
      assert.equal(h(w0Encoding(w0)), str(k('w0_enc_fixed')));
      assert.equal(h(w0Encoding(w0, 'kasa')), str(k('w0_enc_kasa')));
      const tt = transcript(ctx, X, Y, Z, Vp, w0Encoding(w0));
      assert.equal(h(tt), str(k('TT')));
      assert.equal(tt.length, 534);
      const c = confirmations(tt, X, Y);
      assert.equal(h(c.kMain), str(k('K_main')));
      assert.equal(h(c.kcA), str(k('KcA_confirmP_key')));
      assert.equal(h(c.kcB), str(k('KcB_confirmV_key')));
      assert.equal(h(c.userConfirm), str(k('user_confirm')));
      assert.equal(h(c.devConfirm), str(k('dev_confirm')));
      assert.equal(h(c.kShared), str(k('K_shared')));
      const keys = channelKeys(c.kShared);
      assert.equal(h(keys.key), str(k('aes_key')));
      assert.equal(h(keys.baseNonce), str(k('base_nonce')));
      assert.equal(str(k('hkdf_key_full32')).slice(0, 32), h(keys.key));
      assert.equal(str(k('hkdf_iv_full32')).slice(0, 24), h(keys.baseNonce));
      if (v === 'v2') {
        const ttK = transcript(ctx, X, Y, Z, Vp, w0Encoding(w0, 'kasa'));
        assert.equal(h(ttK), str('v2.kasa_encoding.TT'));
        const ck = confirmations(ttK, X, Y);
        assert.equal(h(ck.userConfirm), str('v2.kasa_encoding.user_confirm'));
        assert.equal(h(ck.devConfirm), str('v2.kasa_encoding.dev_confirm'));
        assert.equal(h(ck.kShared), str('v2.kasa_encoding.K_shared'));
      }
    });

    test('wire messages: register request and result, share params and result', () => {
      const req = registerRequest(tpapUsername(0), hex(k('user_random')));
      const expected = structuredClone(V[k('register_request_json')]) as { params: Record<string, unknown> };
      delete expected.params.stok; // python-kasa's null field; the app leaves it out
      assert.deepEqual(req, expected);
      const reg = V[k('pake_register_result_json')] as Record<string, string>;
      assert.equal(h(Buffer.from(reg.dev_share!, 'base64')), h(Y));
      assert.equal(h(Buffer.from(reg.dev_salt!, 'base64')), str(k('dev_salt')));
      assert.equal(h(Buffer.from(reg.dev_random!, 'base64')), str(k('dev_random')));
      const { Z, V: Vp } = proverFinish(x, w0, w1, Y);
      const enc = v === 'v2' ? 'kasa' : 'fixed'; // the stored share params are python-kasa's
      const c = confirmations(transcript(ctx, X, Y, Z, Vp, w0Encoding(w0, enc)), X, Y);
      assert.deepEqual(V[k('pake_share_params_json')], {
        sub_method: 'pake_share',
        user_share: X.toString('base64'),
        user_confirm: c.userConfirm.toString('base64'),
      });
      if (v === 'v1') {
        const res = V['v1.pake_share_result_json'] as Record<string, unknown>;
        assert.equal(res.dev_confirm, c.devConfirm.toString('base64'));
        assert.equal(res.stok, str('v1.stok'));
        assert.equal(res.start_seq, Number(V['v1.start_seq']));
      }
    });

    test('one sealed request, its reply, and the next request', () => {
      const { Z, V: Vp } = proverFinish(x, w0, w1, Y);
      const keys = channelKeys(confirmations(transcript(ctx, X, Y, Z, Vp, w0Encoding(w0)), X, Y).kShared);
      const seq = Number(V[k('start_seq')]);
      const plain = Buffer.from(str(k('request_plaintext')), 'utf8');
      assert.equal(h(seqNonce(keys.baseNonce, seq)), str(k('request_nonce')));
      const body = seal(keys, seq, plain);
      assert.equal(h(body), str(k('request_body')));
      assert.equal(h(body.subarray(body.length - 16)), str(k('request_tag')));
      assert.equal(h(seqNonce(keys.baseNonce, Number(V[k('request2_seq')]))), str(k('request2_nonce')));
      assert.equal(h(seal(keys, Number(V[k('request2_seq')]), plain)), str(k('request2_body')));
      const reply = open(keys, hex(k('response_body')));
      assert.ok(reply);
      assert.equal(reply.seq, seq);
      assert.equal(reply.plaintext.toString('utf8'), str(k('response_plaintext')));
      assert.equal(h(seal(keys, seq, Buffer.from(str(k('response_plaintext'))))), str(k('response_body')));
      // One flipped bit anywhere and the frame does not open.
      const bad = Buffer.from(hex(k('response_body')));
      bad[20] ^= 1;
      assert.equal(open(keys, bad), null);
      assert.equal(plaintextRefusal(hex(k('response_body'))), null);
    });
  });
}

test('RFC 9383 Appendix C (P256-SHA256-HKDF-HMAC) through the same code, with the RFC context and identities', () => {
  const w0 = 0xbb8e1bbcf3c48f62c08db243652ae55d3e5586053fca77102994f23ad95491b3n;
  const w1 = 0x7e945f34d78785b8a3ef44d0df5a1a97d6b3b460409a345ca7830387a74b1dban;
  const x = 0xd1232c8e8693d02368976c174e2088851b8365d0d79a9eee709c6a05a2fad539n;
  const y = 0x717a72348a182085109c8d3917d6c43d59b224dc6a7fc4f0483232fa6516d8b3n;
  const X = proverShare(x, w0);
  const Y = verifierShare(y, w0);
  const { Z, V: Vp } = proverFinish(x, w0, w1, Y);
  const tt = transcript(
    Buffer.from('SPAKE2+-P256-SHA256-HKDF-SHA256-HMAC-SHA256 Test Vectors'),
    X,
    Y,
    Z,
    Vp,
    w0Encoding(w0),
    { prover: Buffer.from('client'), verifier: Buffer.from('server') }
  );
  const c = confirmations(tt, X, Y);
  assert.equal(h(c.kMain), '4c59e1ccf2cfb961aa31bd9434478a1089b56cd11542f53d3576fb6c2a438a29');
  assert.equal(h(c.kcA), '871ae3f7b78445e34438fb284504240239031c39d80ac23eb5ab9be5ad6db58a');
  assert.equal(h(c.kcB), 'ccd53c7c1fa37b64a462b40db8be101cedcf838950162902054e644b400f1680');
  assert.equal(h(c.userConfirm), '926cc713504b9b4d76c9162ded04b5493e89109f6d89462cd33adc46fda27527');
  assert.equal(h(c.devConfirm), '9747bcc4f8fe9f63defee53ac9b07876d907d55047e6ff2def2e7529089d3e68');
  assert.equal(h(c.kShared), '0c5f8ccd1413423a54f6c1fb26ff01534a87f893779c6e68666d772bfd91f3e7');
});

describe('extra_crypt transforms (§14.4, password "CloudPass123") and crypt(3)', () => {
  const sha = str('x.sha256upper(pw)');
  const md5 = passcodeOf('CloudPass123', 'md5');
  const shadow = (id: number, prefix?: string) => ({
    type: 'password_shadow',
    params: { passwd_id: id, ...(prefix ? { passwd_prefix: prefix } : {}) },
  });

  test('glibc reference outputs of crypt(3)', () => {
    assert.equal(
      sha256Crypt('Hello world!', '$5$saltstring'),
      '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'
    );
    assert.equal(
      sha256Crypt('Hello world!', '$5$rounds=10000$saltstringsaltstring'),
      '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'
    );
    // Rounds below the minimum are clamped to 1000 (and said so in the output).
    assert.match(sha256Crypt('x', '$5$rounds=10$salt$'), /^\$5\$rounds=1000\$salt\$[./0-9A-Za-z]{43}$/);
    assert.equal(md5Crypt(md5, '$1$abcdefgh$'), '$1$abcdefgh$X2SQ9xTcKUaAf5agP6gG./');
  });

  test('password_shadow 5 (glibc 5000 rounds, not passlib 535000), 1, 2, 3', () => {
    assert.equal(sha, passcodeOf('CloudPass123', 'sha256'));
    const five = applyExtraCrypt(sha, shadow(5, '$5$abcdefghijklmnop$'));
    assert.equal(five, '$5$abcdefghijklmnop$E/qLStVu5DqHsLFNSv2b4fZ1A6B8.RAy9IqdsWtbma6');
    assert.notEqual(five, str('x.shadow5($5$abcdefghijklmnop$, sha256upper)'));
    assert.equal(
      applyExtraCrypt(sha, shadow(5, '$5$rounds=10000$abcdefghijklmnopqrst$')),
      str('x.shadow5(rounds=10000)')
    );
    assert.equal(applyExtraCrypt(md5, shadow(1, '$1$abcdefgh$')), str('x.shadow1($1$abcdefgh$, md5hex)'));
    assert.equal(applyExtraCrypt(md5, shadow(2)), str('x.shadow2(md5hex)'));
    assert.equal(applyExtraCrypt(md5, shadow(3)), md5);
  });

  test('password_sha_with_salt, password_authkey, none, unknown', () => {
    assert.equal(
      applyExtraCrypt(md5, {
        type: 'password_sha_with_salt',
        params: { sha_name: 0, sha_salt: Buffer.from('saltsalt').toString('base64') },
      }),
      str("x.sha_with_salt(sha_name=0,salt=b64('saltsalt'))")
    );
    assert.equal(
      applyExtraCrypt(md5, {
        type: 'password_authkey',
        params: { authkey_tmpkey: 'abc', authkey_dictionary: '0123456789' },
      }),
      str('x.authkey(tmpkey=abc,dict=0123456789)')
    );
    assert.equal(applyExtraCrypt(md5, undefined), md5);
    assert.equal(applyExtraCrypt(md5, {}), md5);
    assert.throws(() => applyExtraCrypt(md5, { type: 'password_future', params: {} }), /password_future/);
    assert.throws(() => applyExtraCrypt(md5, shadow(9)), /passwd_id 9/);
  });

  test('default passcode (pake 0) and the SHA-256 username', () => {
    assert.equal(defaultPasscode('AA:BB:CC:DD:EE:FF'), str('x.default_passcode(mac AA:BB:CC:DD:EE:FF)'));
    assert.equal(tpapUsername(1), createHash('sha256').update('admin').digest('hex').toUpperCase());
  });
});

test('points that are not on the curve, or make T infinity, are refused', () => {
  const Y = hex('v1.Y_dev_share');
  const off = Buffer.from(Y);
  off[64] ^= 1;
  assert.throws(() => decodePoint(off, 'dev_share'), TapoError);
  assert.throws(() => proverFinish(1n, 1n, 1n, off), /not a valid P-256 point/);
  assert.throws(() => proverFinish(1n, 1n, 1n, Buffer.alloc(65)), /not a valid P-256 point/);
  // A hostile camera sending Y = w0·N makes T = Y − w0·N the point at infinity.
  const w0 = 12345n;
  assert.doesNotThrow(() => proverFinish(3n, w0, 7n, verifierShare(1n, w0)));
  assert.throws(() => proverFinish(3n, w0, 7n, N.multiply(w0).toBytes(false)), /infinity/);
});
