/**
 * A restream's credentials live in secureJsonData: a URL with credentials typed into jsonData is
 * refused in words (and Save & test says so), the secure user/password reach only the URL ffmpeg
 * opens, and no response, log line or file on disk ever carries them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createApp } from '../../src/app.ts';
import { camerasFromDatasource } from '../../src/config/datasource.ts';
import { rtspOverrideUrl } from '../../src/tapo/rtsp-camera.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { dsContext, resource, tempDir } from './helpers.ts';

const RESTREAM_PASSWORD = 'rs-Pa55word!';

test('a restream URL with credentials in jsonData is refused, naming the secure fields, never the value', () => {
  for (const url of [
    `rtsp://viewer:${RESTREAM_PASSWORD}@go2rtc:8554/front`,
    'rtsp://viewer@go2rtc:8554/front',
    `rtsp://nvr:8554/front?user=v&password=${RESTREAM_PASSWORD}`,
  ]) {
    const loaded = camerasFromDatasource(
      { cameras: [{ id: 'front', name: 'Front', host: '192.0.2.5', rtspUrlOverride: url }] },
      { 'password.front': 'cloud' },
      'datasource:x'
    );
    assert.deepEqual(loaded.cameras, [], url);
    const issue = loaded.issues.find((i) => i.field === 'jsonData.cameras[0].rtspUrlOverride');
    assert.equal(issue?.severity, 'error');
    assert.match(issue!.message, /stored unencrypted .* restreamUser\.front \/ restreamPassword\.front/);
    assert.ok(!JSON.stringify(loaded.issues).includes(RESTREAM_PASSWORD));
  }
});

test('secure restream credentials go into the restream URL only; the camera account never leaves for it', () => {
  const loaded = camerasFromDatasource(
    {
      cameras: [
        {
          id: 'front',
          name: 'Front',
          host: '192.0.2.5',
          cameraAccount: 'cam',
          rtspUrlOverride: 'rtsp://go2rtc:8554/front',
        },
      ],
    },
    {
      'password.front': 'cloud',
      'cameraPassword.front': 'cam-pw',
      'restreamUser.front': 'viewer',
      'restreamPassword.front': RESTREAM_PASSWORD,
    },
    'datasource:x'
  );
  const cfg = loaded.cameras[0]!;
  assert.equal(rtspOverrideUrl(cfg), `rtsp://viewer:${encodeURIComponent(RESTREAM_PASSWORD)}@go2rtc:8554/front`);
  const noRestreamAccount = { ...cfg, restreamUser: null, restreamPassword: null };
  assert.equal(rtspOverrideUrl(noRestreamAccount), 'rtsp://go2rtc:8554/front', 'no camera account to a third party');
});

test('a restream credential never appears in a response, a log line or the persisted list', async (t) => {
  process.env.TAPO_SECRET_KEY = 'restream-test-key';
  t.after(() => delete process.env.TAPO_SECRET_KEY);
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Front' });
  t.after(() => cam.close());
  const dir = tempDir(t);
  const logs: string[] = [];
  const out = new PassThrough();
  out.on('data', (b: Buffer) => logs.push(b.toString()));
  const opts = parseOptions(['--standalone', '--no-demo', '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('debug', out));
  t.after(() => app.stop());
  await app.start();

  const camera = {
    id: 'front',
    name: 'Front',
    host: `127.0.0.1:${cam.port}`,
    pollIntervalSeconds: 3600,
    rtspUrlOverride: 'rtsp://127.0.0.2:9/front',
  };
  const secure = {
    'password.front': cam.cloudPassword,
    'restreamUser.front': 'viewer',
    'restreamPassword.front': RESTREAM_PASSWORD,
  };
  const ctx = dsContext({ uid: 'rs', cameras: [camera], secure, updated: 1 });
  const answers: string[] = [];
  const h = await app.handlers.checkHealth(ctx);
  assert.equal(h.status, 'OK', h.message);
  answers.push(h.message, JSON.stringify(h.details));
  for (const path of ['cameras', 'info', 'cameras/front/snapshot']) {
    answers.push((await app.handlers.callResource(resource(ctx, path))).body.toString());
  }
  const q = await app.handlers.queryData({
    pluginContext: ctx,
    headers: {},
    queries: [
      {
        refId: 'A',
        queryType: 'status',
        json: Buffer.from(JSON.stringify({ queryType: 'status' })),
        maxDataPoints: 10,
        intervalMS: 1000,
        timeRange: { fromEpochMS: Date.now() - 60_000, toEpochMS: Date.now() },
      },
    ],
  });
  answers.push(Buffer.from(JSON.stringify(q)).toString());

  // The same URL with the credentials typed into jsonData: refused, and Save & test says so.
  const typed = dsContext({
    uid: 'rs',
    cameras: [{ ...camera, rtspUrlOverride: `rtsp://viewer:${RESTREAM_PASSWORD}@127.0.0.2:9/front` }],
    secure: { 'password.front': cam.cloudPassword },
    updated: 2,
  });
  const refused = await app.handlers.checkHealth(typed);
  assert.equal(refused.status, 'ERROR');
  assert.match(refused.message.split('\n')[0]!, /settings were refused .*rtspUrlOverride: carries a user and password/);
  answers.push(refused.message, JSON.stringify(refused.details));

  const files = readdirSync(dir).filter((f) => !f.includes('.sqlite'));
  const disk = files.map((f) => readFileSync(join(dir, f)).toString('latin1')).join('\n');
  for (const [where, text] of [
    ['responses', answers.join('\n')],
    ['logs', logs.join('')],
    [`files (${files.join(', ')})`, disk],
  ]) {
    for (const form of [
      RESTREAM_PASSWORD,
      encodeURIComponent(RESTREAM_PASSWORD),
      Buffer.from(RESTREAM_PASSWORD).toString('base64'),
    ]) {
      assert.ok(!text!.includes(form), `no restream password in ${where}`);
    }
  }
});
