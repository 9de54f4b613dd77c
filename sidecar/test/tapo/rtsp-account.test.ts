import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtspOverrideUrl } from '../../src/config/restream.ts';
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
