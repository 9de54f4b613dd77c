import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cameraRtspSource, rtspOverrideUrl } from '../../src/tapo/rtsp-camera.ts';
import type { CameraConfig } from '../../src/config/types.ts';

const base: CameraConfig = {
  id: 'c',
  name: 'C',
  host: '192.0.2.10',
  port: 443,
  username: 'admin',
  password: 'cloud',
  cameraAccount: 'viewer',
  cameraPassword: 'p@ss:word',
  pollIntervalMs: 30_000,
  stream: 'stream2',
  rtspUrlOverride: null,
  onvifPort: null,
  tlsFingerprint: null,
  disabled: false,
  source: 'yaml',
};

test('an override on the camera host gets the camera account, URL-encoded', () => {
  const url = rtspOverrideUrl({ ...base, rtspUrlOverride: 'rtsp://192.0.2.10:8554/stream2' });
  assert.equal(url, 'rtsp://viewer:p%40ss%3Aword@192.0.2.10:8554/stream2');
});

test('a restream on another host keeps exactly the given URL: no credentials leave for a third party', () => {
  assert.equal(rtspOverrideUrl({ ...base, rtspUrlOverride: 'rtsp://go2rtc:8554/front' }), 'rtsp://go2rtc:8554/front');
  assert.equal(
    rtspOverrideUrl({ ...base, rtspUrlOverride: 'rtsp://u:x@192.0.2.10:8554/s' }),
    'rtsp://u:x@192.0.2.10:8554/s',
    'given credentials win'
  );
  assert.equal(rtspOverrideUrl(base), null);
});

test('a battery camera has no RTSP source, a camera without an account is told where to make one', () => {
  assert.throws(() => cameraRtspSource(base, { batteryPowered: true }), /C is a battery camera/);
  assert.throws(
    () => cameraRtspSource({ ...base, cameraAccount: null }, { batteryPowered: false }),
    /C has no camera account for RTSP/
  );
  // A restream needs neither.
  const restream = cameraRtspSource(
    { ...base, cameraAccount: null, rtspUrlOverride: 'rtsp://go2rtc:8554/c' },
    { batteryPowered: true }
  );
  assert.equal(restream.url, 'rtsp://go2rtc:8554/c');
});

test('the viewer picks main or sub; without a choice the configured stream plays', () => {
  assert.equal(cameraRtspSource(base, { batteryPowered: false }).stream, 'sub');
  const main = cameraRtspSource(base, { batteryPowered: false, stream: 'main' });
  assert.equal(main.stream, 'main');
  assert.match(main.url, /\/stream1$/);
  assert.doesNotMatch(main.maskedUrl, /p%40ss/);
});
