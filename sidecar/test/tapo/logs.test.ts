import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const sidecar = fileURLToPath(new URL('../..', import.meta.url));

test('debug logs and error messages never contain passwords, hashes or tokens', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/tapo/fixtures/log-scenario.ts'], {
    cwd: sidecar,
    env: { ...process.env, TAPO_LOG_LEVEL: 'debug' },
    encoding: 'utf8',
    timeout: 25_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const secrets = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
  assert.ok(secrets.length >= 8, 'the scenario saw passwords, hashes and session tokens');
  // The scenario really logged and really failed in the ways we check.
  assert.match(r.stderr, /pinned camera certificate/);
  assert.match(r.stderr, /session rejected; logging in again/);
  assert.match(r.stderr, /ERROR .*different TLS certificate/);
  assert.match(r.stderr, /ERROR .*wrong password|ERROR .*refused/);
  assert.match(r.stderr, /failed-login budget spent/);
  assert.match(r.stderr, /ERROR logins paused for 30 min so your camera does not lock you out/);
  for (const s of secrets) {
    assert.ok(!r.stderr.includes(s), `stderr contains a secret (${s.length} chars)`);
  }
});
