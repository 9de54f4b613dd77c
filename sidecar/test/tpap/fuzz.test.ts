// Fuzz of the TPAP client: a device (the simulator's TpapDevice, in-process) whose answers are
// randomly mutated, truncated or replaced. Properties: only TapoErrors, no secret in a message,
// and a session only when the camera's confirmation verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/simulator/prng.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import { tpapLogin, PasscodeMemory } from '../../src/tapo/tpap/tpap-login.ts';
import { TpapSession } from '../../src/tapo/tpap/tpap-session.ts';
import { seal } from '../../src/tapo/tpap/ccm-channel.ts';
import { passcodeOf } from '../../src/tapo/tpap/passcodes.ts';
import { TpapDevice } from '../../src/simulator/tpap/tpap-device.ts';
import type { Transport, HttpReply } from '../../src/tapo/transport.ts';

const PASSWORD = 'S3cret-Pa55word!';
const SECRETS = [PASSWORD, passcodeOf(PASSWORD, 'md5'), passcodeOf(PASSWORD, 'sha256'), 'STOKSECRET'];
const ITER = Number(process.env.FUZZ_ITERATIONS ?? 60);

function assertSafe(e: unknown, where: string): void {
  assert.ok(
    e instanceof TapoError,
    `${where}: threw ${e instanceof Error ? e.constructor.name + ': ' + e.message : typeof e}`
  );
  const text = `${e.message} ${JSON.stringify(e)}`;
  for (const s of SECRETS) {
    assert.ok(!text.includes(s), `${where}: message leaks a secret`);
  }
}

function mutate(r: Prng, v: unknown): unknown {
  if (typeof v !== 'object' || v === null) {
    return r.pick([null, 0, -1, '', 'x', [], {}, 2 ** 40, 'AAAA', v]);
  }
  const o = structuredClone(v) as Record<string, unknown>;
  const keys = Object.keys(o);
  const k = keys[r.int(0, keys.length - 1)]!;
  if (typeof o[k] === 'object' && o[k] !== null && r.next() < 0.6) {
    o[k] = mutate(r, o[k]);
  } else if (typeof o[k] === 'string' && r.next() < 0.5) {
    // Flip one base64 character: a share off the curve, a confirmation that does not verify.
    const s = o[k] as string;
    const i = r.int(0, Math.max(0, s.length - 3));
    o[k] = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  } else {
    o[k] = mutate(r, null);
  }
  return o;
}

test('TPAP login against mutated device answers: only safe TapoErrors, sessions only after a verified confirmation', async () => {
  const r = new Prng(11);
  let sessions = 0;
  const kinds = new Set<string>();
  for (let i = 0; i < ITER; i++) {
    let confirmIntact = false;
    const device = new TpapDevice(
      PASSWORD,
      {
        mac: () => 'AA-BB-CC-DD-EE-FF',
        credentialAttempt: () => undefined,
        failed: () => null,
        succeeded: () => ({ stok: 'STOKSECRET', expiresSeconds: 3600 }),
        dispatch: () => ({ error_code: 0 }),
      },
      { iterations: 100, passcode: r.next() < 0.5 ? 'md5' : 'sha256' }
    );
    const t = {
      post: async (_path: string, body: string): Promise<HttpReply> => {
        const req = JSON.parse(body) as { params: Record<string, unknown> };
        const original: unknown = device.login(req.params);
        let answer = original;
        const roll = r.next();
        if (roll < 0.25) {
          answer = mutate(r, answer);
        } else if (roll < 0.3) {
          answer = r.bytes(r.int(0, 40)).toString('latin1');
        }
        if (req.params.sub_method === 'pake_share') {
          const confirmOf = (a: unknown) => (a as { result?: { dev_confirm?: unknown } })?.result?.dev_confirm;
          confirmIntact = confirmOf(original) !== undefined && confirmOf(answer) === confirmOf(original);
        }
        const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
        return { status: 200, body: Buffer.from(text, 'latin1'), fingerprint: 'FP' };
      },
    } as unknown as Transport;
    try {
      const res = await tpapLogin(t, 'admin', PASSWORD, { memory: new PasscodeMemory(), origin: 'https://x' });
      sessions++;
      assert.ok(res.session instanceof TpapSession);
      assert.ok(confirmIntact, `login #${i}: a session from a share answer whose dev_confirm was not the camera's`);
    } catch (e) {
      assertSafe(e, `login #${i}`);
      kinds.add((e as TapoError).kind);
    }
  }
  assert.ok(sessions > 0, 'some logins succeeded');
  for (const k of ['auth_failed', 'protocol']) {
    assert.ok(kinds.has(k), `fuzz reached ${k} (${[...kinds].join(', ')})`);
  }
});

test('TPAP session against random and mutated frames: only safe TapoErrors', async () => {
  const r = new Prng(5);
  const keys = { key: Buffer.alloc(16, 7), baseNonce: Buffer.alloc(12, 9) };
  for (let i = 0; i < ITER * 5; i++) {
    const plain =
      r.next() < 0.5 ? JSON.stringify({ result: { responses: [] }, error_code: 0 }).slice(0, r.int(0, 60)) : 'x';
    let body = r.next() < 0.5 ? seal(keys, 100, Buffer.from(plain)) : r.bytes(r.int(0, 80));
    if (r.next() < 0.3 && body.length > 0) {
      body = Buffer.from(body);
      body[r.int(0, body.length - 1)]! ^= 1 << r.int(0, 7);
    }
    if (r.next() < 0.1) {
      body = Buffer.from(JSON.stringify({ error_code: r.pick([-40401, -40421, -40209, -1, 0]) }));
    }
    const t = {
      post: async (): Promise<HttpReply> => ({ status: r.next() < 0.9 ? 200 : 500, body, fingerprint: 'FP' }),
    } as unknown as Transport;
    const s = new TpapSession(t, {
      stok: 'STOKSECRET',
      keys,
      startSeq: 100,
      expiresAt: Date.now() + 3600_000,
      headers: {},
    });
    try {
      await s.call({ method: 'multipleRequest', params: { requests: [] } });
    } catch (e) {
      assertSafe(e, `session #${i}`);
    }
  }
});
