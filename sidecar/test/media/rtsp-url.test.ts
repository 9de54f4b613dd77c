import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildRtspUrl,
  maskUrl,
  rtspSource,
  scrubSecrets,
  checkOverrideUrl,
  RtspUrlError,
} from '../../src/tapo/rtsp.ts';

test('builds the camera URL with the camera account, URL-encoded', () => {
  const url = buildRtspUrl({ host: '192.168.1.20', username: 'cam user', password: 'p@ss:w/rd#1%', stream: 'stream2' });
  assert.equal(url, 'rtsp://cam%20user:p%40ss%3Aw%2Frd%231%25@192.168.1.20:554/stream2');
  const u = new URL(url);
  assert.equal(decodeURIComponent(u.password), 'p@ss:w/rd#1%');
  assert.equal(decodeURIComponent(u.username), 'cam user');
  assert.equal(u.pathname, '/stream2');
});

test('defaults to stream1 and port 554; custom ports and IPv6 hosts work', () => {
  assert.equal(buildRtspUrl({ host: 'cam.local', username: 'u', password: 'p' }), 'rtsp://u:p@cam.local:554/stream1');
  assert.equal(
    buildRtspUrl({ host: '::1', port: 8554, username: 'u', password: 'p' }),
    'rtsp://u:p@[::1]:8554/stream1'
  );
});

test('rejects bad input with a typed error that carries no password', () => {
  for (const bad of [
    { host: '', username: 'u', password: 'Secret123' },
    { host: 'a/b', username: 'u', password: 'Secret123' },
    { host: 'h', port: 70000, username: 'u', password: 'Secret123' },
    { host: 'h', username: '', password: 'Secret123' },
    { host: 'h', username: 'u', password: 'Secret123', stream: 'stream3' as 'stream1' },
  ]) {
    assert.throws(
      () => buildRtspUrl(bad),
      (e: unknown) => e instanceof RtspUrlError && e.code === 'invalid_rtsp_url' && !e.message.includes('Secret123')
    );
  }
});

test('an override URL replaces the camera URL; non-RTSP overrides are refused', () => {
  const src = rtspSource('cam1', {
    host: '10.0.0.5',
    username: 'u',
    password: 'Secret123',
    override: 'rtsp://go2rtc:8554/front',
  });
  assert.deepEqual(src, { cameraId: 'cam1', url: 'rtsp://go2rtc:8554/front', maskedUrl: 'rtsp://go2rtc:8554/front' });
  const own = rtspSource('cam1', { host: '10.0.0.5', username: 'u', password: 'Secret123', override: '  ' });
  assert.equal(own.url, 'rtsp://u:Secret123@10.0.0.5:554/stream1');
  assert.equal(own.maskedUrl, 'rtsp://u:***@10.0.0.5:554/stream1');
  assert.throws(() => checkOverrideUrl('http://x/y'), RtspUrlError);
  assert.throws(() => checkOverrideUrl('not a url'), RtspUrlError);
  assert.equal(checkOverrideUrl('rtsps://frigate:8554/cam'), 'rtsps://frigate:8554/cam');
});

test('maskUrl hides the password of any URL and keeps the rest', () => {
  assert.equal(maskUrl('rtsp://admin:hunter2@10.0.0.1:554/stream1'), 'rtsp://admin:***@10.0.0.1:554/stream1');
  assert.equal(maskUrl('rtsp://admin:p%40ss@h/x'), 'rtsp://admin:***@h/x');
  assert.equal(maskUrl('rtsp://justuser@h/x'), 'rtsp://justuser@h/x');
  assert.equal(maskUrl('rtsp://h:554/x'), 'rtsp://h:554/x');
  // Restreams that take credentials as query parameters.
  assert.equal(
    maskUrl('rtsp://nvr:8554/front?user=admin&password=hunter2&channel=1'),
    'rtsp://nvr:8554/front?user=admin&password=***&channel=1'
  );
  assert.equal(maskUrl('rtsp://go2rtc:8554/cam?api_token=abc123'), 'rtsp://go2rtc:8554/cam?api_token=***');
  assert.equal(maskUrl('rtsp://h/x?pwd=a%26b&fps=5'), 'rtsp://h/x?pwd=***&fps=5');
  // The override's own credentials are masked too.
  assert.equal(
    rtspSource('c', { host: 'h', username: 'u', password: 'p', override: 'rtsp://a:Restream9@g/x' }).maskedUrl,
    'rtsp://a:***@g/x'
  );
});

test('scrubSecrets removes credential query parameters of a restream from free text', () => {
  const url = 'rtsp://nvr:8554/front?password=s3cr%3Dt&channel=1';
  const out = scrubSecrets(`ffmpeg: ${url}: 401; tried s3cr=t and s3cr%3Dt`, url);
  assert.ok(!out.includes('s3cr=t') && !out.includes('s3cr%3Dt'), out);
  assert.ok(out.includes('rtsp://nvr:8554/front?password=***&channel=1'), out);
});

test('scrubSecrets removes the URL and the password, raw or encoded, from free text', () => {
  const url = buildRtspUrl({ host: 'h', username: 'u', password: 'p@ss word' });
  const text = `[rtsp] ${url}: Server returned 401 Unauthorized; user u pass p@ss word; enc p%40ss%20word`;
  const out = scrubSecrets(text, url);
  assert.ok(!out.includes('p@ss word') && !out.includes('p%40ss%20word'), out);
  assert.ok(out.includes('rtsp://u:***@h:554/stream1'), out);
  assert.ok(out.includes('401 Unauthorized'));
});
