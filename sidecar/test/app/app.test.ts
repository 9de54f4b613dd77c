/**
 * The composition root: cameras from a YAML file reach the fleet, answer through the datasource's
 * handlers, and a battery camera's frames channel says in words why there is no picture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { cameraEntry, cameraList, startStandaloneApp, streamUntil, waitFor } from '../helpers/standalone-app.ts';

test('YAML cameras are polled and answered; a battery camera has no RTSP and the channel says so', async (t) => {
  const wired = await SimulatedCamera.start({ model: 'C210', host: '127.0.0.1', name: 'Porch' });
  const battery = await SimulatedCamera.start({ model: 'C420', host: '127.0.0.1', name: 'Shed' });
  t.after(async () => {
    await wired.close();
    await battery.close();
  });
  const account = (c: SimulatedCamera) => [
    `    camera_account: ${c.cameraAccount.username}`,
    `    camera_password: ${c.cameraAccount.password}`,
  ];
  // The password from the environment: cameras.yaml substitutes ${NAME}.
  process.env.CLOUD_PASSWORD = wired.cloudPassword;
  const { app, stop } = await startStandaloneApp([
    cameraEntry('porch', wired, account(wired), { passwordEnv: 'CLOUD_PASSWORD' }),
    cameraEntry('shed', battery, account(battery), { passwordEnv: 'CLOUD_PASSWORD' }),
  ]);
  t.after(stop);

  // Wait until both cameras have been polled (the fleet emits polls; the resource reflects them).
  const list = await waitFor(async () => {
    const l = await cameraList(app);
    return l.length === 2 && l.every((c) => c.status === 'online') && l;
  }, 'both cameras polled');
  assert.deepEqual(
    list.map((c) => [c.id, c.status, c.model]),
    [
      ['porch', 'online', 'C210'],
      ['shed', 'online', 'C420'],
    ]
  );

  const { rows } = await streamUntil(app, 'camera/shed/frames/2/320', (r) => r.length > 0);
  assert.equal(rows[0]!.error, 'Shed is a battery camera: it has no RTSP stream, so no live picture');
  assert.equal(rows[0]!.jpeg, '');
});
test('a camera id that leaves the settings and comes back as another camera never shows the old picture', async (t) => {
  const { startSimRtspServer } = await import('../../src/simulator/rtsp.ts');
  const rtsp = await startSimRtspServer({
    name: 'Old',
    username: 'viewer',
    password: 'pw',
    streams: { stream1: { fps: 10 } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'tapo-app-'));
  const opts = parseOptions(['--standalone', '--no-demo', '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, createLogger('silent'));
  t.after(async () => {
    await app.stop();
    await rtsp.close();
  });
  await app.start();
  let updated = 1;
  const ctx = (cameras: object[]) => ({
    orgId: 1,
    pluginId: 'camwatch-tapo-datasource',
    user: null,
    dataSourceInstanceSettings: {
      id: 1,
      uid: 'ds1',
      name: 'Tapo',
      url: '',
      jsonData: Buffer.from(JSON.stringify({ cameras })),
      decryptedSecureJsonData: { 'password.cam': 'cloud', 'cameraPassword.cam': 'pw' },
      lastUpdatedMS: updated++,
    },
  });
  // Polling fails (nothing listens on port 9); pictures come from the override URL, on the
  // camera's own host, so the sidecar adds the camera account (jsonData URLs carry no credentials).
  const bare = (url: string) => url.replace(/\/\/[^@/]*@/, '//');
  const cam = {
    id: 'cam',
    name: 'Cam',
    host: '127.0.0.1:9',
    cameraAccount: 'viewer',
    rtspUrlOverride: bare(rtsp.url('stream1')),
  };
  const withCam = ctx([cam]);
  const abort = new AbortController();
  let got: () => void = () => undefined;
  const picture = new Promise<void>((resolve) => (got = resolve));
  const running = app.handlers.runStream(
    { pluginContext: withCam as never, path: 'camera/cam/frames/2/160', data: Buffer.alloc(0), headers: {} },
    {
      signal: abort.signal,
      send(data) {
        const f = JSON.parse(data.toString());
        if (f.data.values[5]?.[0]) {
          got();
        }
        return true;
      },
    }
  );
  await picture;
  abort.abort();
  await running;
  const before = await app.handlers.subscribeStream({
    pluginContext: withCam as never,
    path: 'camera/cam/frames/2/160',
    data: Buffer.alloc(0),
    headers: {},
  });
  assert.ok(before.data?.length, 'the picture is the initial data while the camera is configured');

  // The camera leaves the settings; later the id names another camera (another address).
  await app.handlers.queryData({ pluginContext: ctx([]) as never, queries: [], headers: {} });
  const other = ctx([{ ...cam, rtspUrlOverride: bare(rtsp.url('stream2')) }]);
  const after = await app.handlers.subscribeStream({
    pluginContext: other as never,
    path: 'camera/cam/frames/2/160',
    data: Buffer.alloc(0),
    headers: {},
  });
  assert.equal(after.status, 'OK');
  assert.equal(after.data, undefined, 'no picture of the camera that used to have this id');
});
