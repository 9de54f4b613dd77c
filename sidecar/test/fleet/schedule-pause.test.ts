// When a camera is polled next after a poll that met the failed-login budget's pause: not before
// the pause ends (the client would refuse anyway), and plain wrong passwords keep their backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextDue } from '../../src/fleet/schedule.ts';
import { errorToResult } from '../../src/fleet/map.ts';
import { pausedError } from '../../src/tapo/login-budget.ts';
import { TapoError } from '../../src/tapo/errors.ts';

const MIN = 60_000;

test('a paused camera is polled again only once the pause ends', () => {
  const now = Date.now();
  const result = errorToResult('cam', pausedError({ until: now + 23 * MIN, failures: 3 }, now), now);
  const due = nextDue({ failures: 0 }, 30_000, now, result, { jitter: 0 });
  assert.ok(due >= now + 23 * MIN, `${due - now} ms`);
  assert.ok(due < now + 24 * MIN, `${due - now} ms`);
});

test('a wrong password without a pause keeps the usual backoff', () => {
  const now = Date.now();
  const result = errorToResult('cam', new TapoError('auth_failed', 'camera refused the login'), now);
  const due = nextDue({ failures: 0 }, 30_000, now, result, { jitter: 0 });
  assert.ok(due - now < MIN, `${due - now} ms`);
});
