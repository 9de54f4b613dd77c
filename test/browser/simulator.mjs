/*
 * The camera simulator (`sidecar/src/simulator/cli.ts --media`) as a child process for the browser
 * tests: N cameras on loopback, each with its real local API and an RTSP server replaying its
 * camera-sized H.264 clip, and the datasource settings (jsonData cameras, decrypted passwords) that
 * point the built sidecar at them, as the conformance fixture does. Runs in its own process group.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { ROOT } from './chromium.mjs';

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts `cameras` simulated cameras of `models` (cycled; models that serve RTSP) with --media;
 * resolves once every camera's JSON line arrived (the simulator encodes or loads its clips first).
 */
export async function startSimulator({ cameras = 4, models = 'C210,C200,C110,C310', timeoutMs = 120_000 } = {}) {
  const password = `Sim-${randomBytes(6).toString('hex')}`;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/simulator/cli.ts',
      '--cameras',
      String(cameras),
      '--host',
      '127.0.0.1',
      '--models',
      models,
      '--password',
      password,
      '--media',
    ],
    { cwd: join(ROOT, 'sidecar'), detached: true, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  const pid = child.pid;
  const onExit = () => killGroup(pid, 'SIGKILL');
  process.once('exit', onExit);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));

  async function stop() {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(pid, 'SIGTERM');
      let timer;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
    }
    killGroup(pid, 'SIGKILL');
    await exited;
  }

  const lines = [];
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`simulator gave ${lines.length} of ${cameras} cameras: ${stderr}`)),
        timeoutMs
      );
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`simulator exited (${code}): ${stderr}`));
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        let m;
        try {
          m = JSON.parse(line);
        } catch {
          return;
        }
        if (typeof m?.port !== 'number') {
          return;
        }
        lines.push(m);
        if (lines.length === cameras) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const ids = lines.map((_, i) => `sim-${i + 1}`);
  const jsonData = {
    cameras: lines.map((m, i) => ({
      id: ids[i],
      name: m.name ?? `Camera ${i + 1}`,
      host: `${m.host}:${m.port}`,
      username: m.user ?? m.username,
      cameraAccount: m.cameraAccount?.username,
      pollIntervalSeconds: 5,
      stream: 'stream2',
      ...(m.rtspPort ? { rtspUrlOverride: `rtsp://${m.host}:${m.rtspPort}/stream2` } : {}),
    })),
    liveFps: 2,
    liveWidth: 640,
  };
  const secure = {};
  lines.forEach((m, i) => {
    secure[`password.${ids[i]}`] = m.cloudPassword ?? m.password;
    if (m.cameraAccount?.password) {
      secure[`cameraPassword.${ids[i]}`] = m.cameraAccount.password;
    }
  });
  const secrets = [password, ...lines.map((m) => m.cameraAccount?.password).filter(Boolean)];
  return { pid, cameras: lines, ids, jsonData, secure, secrets, stop };
}
