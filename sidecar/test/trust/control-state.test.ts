/** Which controls a camera takes, by its real state, and the words of each refusal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlRefusal } from '../../src/datasource/control-state.ts';
import { errorToResult } from '../../src/fleet/map.ts';
import type { CameraSnapshot, PollResult } from '../../src/model.ts';
import { TapoError } from '../../src/tapo/errors.ts';
import { poll } from '../helpers/memory-fleet.ts';

const now = 1_700_000_000_000;
const cam = (last: PollResult | null, over: Partial<CameraSnapshot> = {}): CameraSnapshot => ({
  id: 'c',
  name: 'Porch',
  host: '192.0.2.1',
  ptz: false,
  lastSeen: null,
  last,
  motionEventsLastMinute: 0,
  lastMotion: null,
  ...over,
});

test('controls: online and never-polled cameras go ahead; others are refused with their state', () => {
  assert.equal(controlRefusal(cam(poll('c', now)), 'ptz', now), null);
  assert.equal(controlRefusal(cam(null), 'ptz', now), null, 'the client logs in lazily and says what happened');

  const locked = errorToResult('c', new TapoError('locked_out', 'suspended', { secondsLeft: 601 }), now);
  assert.deepEqual(controlRefusal(cam(locked), 'reboot', now), {
    code: 409,
    error: 'Porch is not logged in: locked for 11 min after failed logins',
    reason: 'locked',
  });
  const wrong = errorToResult('c', new TapoError('auth_failed', 'refused'), now);
  assert.equal(controlRefusal(cam(wrong), 'privacy', now)?.code, 409);
  const tpap = errorToResult('c', new TapoError('unsupported_login', 'tpap'), now);
  assert.match(controlRefusal(cam(tpap), 'presets', now)!.error, /needs a newer login/);

  const offline = errorToResult('c', new TapoError('timeout', 'no answer'), now);
  assert.equal(controlRefusal(cam(offline), 'ptz', now)?.code, 502);
  assert.match(controlRefusal(cam(offline), 'snapshot', now)!.error, /^Porch is offline: unreachable/);
  assert.equal(controlRefusal(cam(offline, { restream: true }), 'snapshot', now), null, 'a restream has the picture');
  assert.equal(controlRefusal(cam(wrong), 'snapshot', now), null, 'RTSP uses the camera account');
  assert.equal(controlRefusal(cam(poll('c', now), { disabled: true }), 'ptz', now)?.code, 409);
});
