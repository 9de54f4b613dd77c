/**
 * The bounds the config editor shows (src/shared/query.ts LIMITS) are the bounds the sidecar
 * enforces: each schema accepts its limit and refuses just past it, and the Live channel clamp is
 * the shared one. A bound changed on one side only fails here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clampLiveFps, clampLiveWidth, LIMITS } from '../../../src/shared/query.ts';
import { cameraEntrySchema, intervalSchema, retentionSchema } from '../../src/config/schema.ts';
import { clampFps, clampWidth, parseChannel } from '../../src/datasource/channels.ts';

function edges(name: string, accepts: (v: number) => boolean, min: number, max: number, step: number): void {
  assert.ok(accepts(min), `${name}: the minimum ${min} is accepted`);
  assert.ok(accepts(max), `${name}: the maximum ${max} is accepted`);
  assert.ok(!accepts(min - step), `${name}: below ${min} is refused`);
  assert.ok(!accepts(max + step), `${name}: above ${max} is refused`);
}

test('the sidecar validates the bounds the editor shows', () => {
  const { pollIntervalSeconds: poll, retentionHours: retention, port } = LIMITS;
  edges('defaultPollIntervalSeconds', (v) => intervalSchema.safeParse(v).success, poll.min, poll.max, 0.5);
  edges(
    'cameras[].pollIntervalSeconds',
    (v) => cameraEntrySchema.safeParse({ id: 'a', host: '10.0.0.1', pollIntervalSeconds: v }).success,
    poll.min,
    poll.max,
    0.5
  );
  edges('retentionHours', (v) => retentionSchema.safeParse(v).success, retention.min, retention.max, 0.5);
  edges(
    'cameras[].onvifPort',
    (v) => cameraEntrySchema.safeParse({ id: 'a', host: '10.0.0.1', onvifPort: v }).success,
    port.min,
    port.max,
    1
  );
});

test('Live channels clamp as the frontend does', () => {
  for (const v of [undefined, NaN, -3, 0, 0.2, 0.6, 1, 2.5, 7, 10, 11, 1e9]) {
    assert.equal(clampFps(v), clampLiveFps(v), `fps ${v}`);
  }
  for (const v of [undefined, NaN, 0, 10, 63, 159, 160, 161, 641, 1280, 1281, 1e9]) {
    assert.equal(clampWidth(v), clampLiveWidth(v), `width ${v}`);
  }
  assert.equal(clampFps(0.2), LIMITS.liveFps.min);
  assert.equal(clampWidth(64), LIMITS.liveWidth.min);
  assert.deepEqual(parseChannel('camera/front/frames/99/4000'), {
    kind: 'frames',
    cameraId: 'front',
    fps: LIMITS.liveFps.max,
    width: LIMITS.liveWidth.max,
  });
});
