/**
 * A full disk (a real tmpfs of a few hundred KiB, filled up): a login that succeeded stays a
 * success, the failure is logged once, and no temp file is left by the camera state, the camera
 * list or the credential key. Needs root to mount a tmpfs; skipped (with the reason) otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createApp } from '../../src/app.ts';
import { CameraListStore } from '../../src/config/persist.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';
import { SimulatedCamera } from '../../src/simulator/camera.ts';
import { TapoClient } from '../../src/tapo/client.ts';
import { FileStateStore } from '../../src/tapo/state.ts';
import { dsContext } from './helpers.ts';

type After = (fn: () => unknown) => void;

/** A fresh tmpfs of `size`, unmounted after the test; null when mounting is not permitted. */
function tinyDisk(t: { after: After }, size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  t.after(() => {
    // Lazy: a test that failed half-way may still hold files open.
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the file system holding `dir` until the next write fails with ENOSPC. */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) {
      writeSync(fd, chunk);
    }
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const out = new PassThrough();
  out.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n').filter(Boolean)) {
      lines.push(JSON.parse(l));
    }
  });
  return { log: createLogger('info', out), lines };
}

const tmpFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.tmp'));

test('camera state on a full disk: the login succeeds, one log line, no temp file', async (t) => {
  const dir = tinyDisk(t, '256k');
  if (!dir) {
    t.skip('mounting a tmpfs is not permitted here');
    return;
  }
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Full' });
  t.after(() => cam.close());
  mkdirSync(join(dir, 'state'));
  const { log, lines } = capture();
  const store = new FileStateStore(join(dir, 'state', 'camera-state.json'), { log });
  fill(dir);
  const client = new TapoClient({ host: cam.host, port: cam.port, password: cam.cloudPassword, stateStore: store });
  t.after(() => client.close());
  // The first login pins the certificate and records the login flow: both writes fail.
  assert.equal((await client.poll()).deviceInfo.model, 'C210');
  assert.equal((await client.poll()).deviceInfo.model, 'C210');
  assert.ok(client.fingerprint, 'pinned in memory');
  assert.deepEqual(tmpFiles(dir), []);
  const errors = lines.filter((l) => l['@level'] === 'error');
  assert.equal(errors.length, 1, 'logged once');
  assert.match(String(errors[0]?.['@message']), /could not be saved \(disk full\?\)/);
  assert.equal(errors[0]?.code, 'ENOSPC');

  // Space returns: the next change is saved.
  rmSync(join(dir, 'filler'));
  store.update(`${cam.host}:${cam.port}`, { lockedUntil: undefined });
  assert.equal(new FileStateStore(store.path).get(`${cam.host}:${cam.port}`)?.fingerprint, client.fingerprint);
});

test('the camera list on a full disk: the old file stays whole, no temp file', async (t) => {
  const dir = tinyDisk(t, '64k');
  if (!dir) {
    t.skip('mounting a tmpfs is not permitted here');
    return;
  }
  const lists = new CameraListStore({ dataDir: dir, secretKey: null });
  const camera = {
    id: 'a',
    name: 'A',
    host: '192.0.2.1',
    port: 443,
    username: 'admin',
    password: 'pw',
    cameraAccount: null,
    cameraPassword: null,
    pollIntervalMs: 30_000,
    stream: 'stream2' as const,
    rtspUrlOverride: null,
    onvifPort: null,
    tlsFingerprint: null,
    disabled: false,
    source: 'datasource:x',
  };
  await lists.save('datasource:x', [camera]);
  fill(dir);
  const many = Array.from({ length: 400 }, (_, i) => ({ ...camera, id: `c${i}`, name: 'x'.repeat(100) }));
  await assert.rejects(lists.save('datasource:x', many), { code: 'ENOSPC' });
  assert.deepEqual(tmpFiles(dir), []);
  assert.deepEqual(
    (await lists.load()).map((s) => s.cameras.map((c) => c.id)),
    [['a']]
  );
});

test('the app on a full disk: Save & test still logs in and is OK; one log line per store', async (t) => {
  const dir = tinyDisk(t, '2m');
  if (!dir) {
    t.skip('mounting a tmpfs is not permitted here');
    return;
  }
  const cam = await SimulatedCamera.start({ host: '127.0.0.1', name: 'Full app' });
  t.after(() => cam.close());
  const { log, lines } = capture();
  const opts = parseOptions(['--standalone', '--no-demo', '--data-dir', dir], {}) as SidecarOptions;
  const app = await createApp(opts, log);
  let stopped = false;
  const stop = async () => {
    // Space returns before the history store closes (closing checkpoints its journal).
    rmSync(join(dir, 'filler'), { force: true });
    if (!stopped) {
      stopped = true;
      await app.stop();
    }
  };
  t.after(stop);
  await app.start();
  fill(dir);
  const camera = { id: 'cam', name: 'Full app', host: `127.0.0.1:${cam.port}`, pollIntervalSeconds: 3600 };
  for (let updated = 1; updated <= 3; updated++) {
    const ctx = dsContext({ uid: 'full', cameras: [camera], secure: { 'password.cam': cam.cloudPassword }, updated });
    const h = await app.handlers.checkHealth(ctx);
    assert.equal(h.status, 'OK', h.message);
  }
  assert.equal(cam.stats.credentialAttempts, 1, 'one login, kept although its state could not be saved');
  assert.deepEqual(tmpFiles(dir), []);
  const listErrors = lines.filter((l) => /the camera list could not be saved/.test(String(l['@message'])));
  assert.equal(listErrors.length, 1, 'the camera list failure is logged once');
  await stop();
});
