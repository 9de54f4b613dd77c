import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import { parseShipOptions, readShipAuth } from '../../src/ship/options.ts';

test('shipping is off without a URL, and takes its options from flags or TAPO_* variables', () => {
  assert.equal((parseOptions(['--standalone'], {}) as SidecarOptions).ship, null);
  const fromEnv = (
    parseOptions([], { TAPO_LOKI_URL: 'http://vl:9428/insert/loki/api/v1/push', TAPO_SITE: 'north' }) as SidecarOptions
  ).ship;
  assert.equal(fromEnv?.url, 'http://vl:9428/insert/loki/api/v1/push');
  assert.equal(fromEnv?.site, 'north');
  assert.equal(fromEnv?.maxLinesPerSecond, 1000);
  const fromFlags = (
    parseOptions(['--loki-url', 'https://logs.example/loki/api/v1/push', '--site', 'south', '--loki-rate', '50'], {
      TAPO_SITE: 'north',
    }) as SidecarOptions
  ).ship;
  assert.deepEqual([fromFlags?.site, fromFlags?.maxLinesPerSecond], ['south', 50]);
  assert.match((parseShipOptions({ 'loki-url': 'http://x/' }, {}) ?? { site: '' }).site, /^[A-Za-z0-9]/);
});

test('bad shipping options are refused with a clear message that never echoes a secret', () => {
  assert.throws(
    () => parseShipOptions({ 'loki-url': 'https://user:hunter2secret@logs.example/push' }, {}),
    (err: Error) => /must not carry credentials/.test(err.message) && !err.message.includes('hunter2secret')
  );
  assert.throws(() => parseShipOptions({ 'loki-url': 'ftp://x/' }, {}), /http or https/);
  assert.throws(() => parseShipOptions({ 'loki-url': 'not a url' }, {}), /not a URL/);
  assert.throws(() => parseShipOptions({ 'loki-url': 'http://x/', site: 'a b' }, {}), /site must be/);
  assert.throws(() => parseShipOptions({ 'loki-url': 'http://x/', 'loki-rate': '0' }, {}), /--loki-rate/);
  assert.throws(() => parseShipOptions({ 'loki-url': 'http://x/', 'loki-user': 'u' }, {}), /both --loki-user/);
  assert.throws(
    () =>
      parseShipOptions(
        { 'loki-url': 'http://x/', 'loki-token-file': '/t', 'loki-user': 'u', 'loki-password-file': '/p' },
        {}
      ),
    /either a token file or a user/
  );
});

test('auth comes from files: bearer or basic; an unreadable or bad file is named, its content never shown', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-ship-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const token = join(dir, 'token');
  const password = join(dir, 'password');
  const twoLines = join(dir, 'two-lines');
  writeFileSync(token, 'glc_token-secret-1\n');
  writeFileSync(password, 'pass-secret-2\n');
  writeFileSync(twoLines, 'first-secret-3\nsecond\n');
  const base = parseShipOptions({ 'loki-url': 'http://x/' }, {})!;
  assert.equal(readShipAuth(base), null);
  assert.deepEqual(readShipAuth({ ...base, tokenFile: token }), { header: 'Bearer glc_token-secret-1' });
  assert.deepEqual(readShipAuth({ ...base, user: '12345', passwordFile: password }), {
    header: `Basic ${Buffer.from('12345:pass-secret-2').toString('base64')}`,
  });
  assert.throws(
    () => readShipAuth({ ...base, tokenFile: join(dir, 'missing') }),
    /cannot read the Loki token file .*missing: ENOENT/
  );
  assert.throws(
    () => readShipAuth({ ...base, tokenFile: twoLines }),
    (err: Error) => /must hold one non-empty line/.test(err.message) && !err.message.includes('first-secret-3')
  );
});
