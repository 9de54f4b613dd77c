/*
 * The camera simulator (`sidecar/src/simulator/cli.ts --media`) as a child process for the browser
 * tests: N cameras on loopback, each with its real local API and an RTSP server replaying its
 * camera-sized H.264 clip, and the datasource settings (jsonData cameras, decrypted passwords) that
 * point the built sidecar at them, as the conformance fixture does; or one simulated hub (`--hub`)
 * with battery children and its port-8800 stream. Runs in its own process group.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
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
 * Runs the simulator CLI with `args` until it printed `count` JSON lines that `accept` takes (it
 * encodes or loads its clips first); rejects with its last stderr if it exits or misses the deadline.
 */
async function runSimulator(args, count, accept, timeoutMs) {
  const control = args.includes('--control');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/cli.ts', ...args], {
    cwd: join(ROOT, 'sidecar'),
    detached: true,
    stdio: [control ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  /** Answers to control lines, by line number. */
  const acks = new Map();
  let sent = 0;
  const pid = child.pid;
  const onExit = () => killGroup(pid, 'SIGKILL');
  process.once('exit', onExit);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  /** Resolves with the first match of `pattern` in what the simulator wrote on stderr, within `ms`. */
  const stderrMatch = (pattern, ms) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(stderr);
        if (m) {
          clearTimeout(timer);
          child.stderr.off('data', check);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        child.stderr.off('data', check);
        reject(new Error(`the simulator did not say ${pattern} within ${ms} ms: ${stderr}`));
      }, ms);
      child.stderr.on('data', check);
      check();
    });

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
        () => reject(new Error(`simulator gave ${lines.length} of ${count} lines: ${stderr}`)),
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
        if (typeof m?.control === 'number') {
          acks.get(m.control)?.(m);
          acks.delete(m.control);
          return;
        }
        if (!accept(m)) {
          return;
        }
        lines.push(m);
        if (lines.length === count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  /** Sends one fault switch (--control) and resolves with the simulator's answer (bounded). */
  function send(msg, ms = 10_000) {
    const n = ++sent;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`simulator did not answer control line ${n}`)), ms);
      acks.set(n, (m) => {
        clearTimeout(timer);
        return m.ok ? resolve(m) : reject(new Error(`simulator refused control line ${n}: ${m.error}`));
      });
      child.stdin.write(JSON.stringify(msg) + '\n');
    });
  }
  return { pid, lines, stop, send, stderrMatch };
}

/**
 * Starts `cameras` simulated cameras of `models` (cycled; models that serve RTSP) with --media;
 * resolves once every camera's JSON line arrived.
 */
export async function startSimulator({
  cameras = 4,
  models = 'C210,C200,C110,C310',
  timeoutMs = 120_000,
  sdCards = undefined,
  control = false,
} = {}) {
  const password = `Sim-${randomBytes(6).toString('hex')}`;
  const args = ['--cameras', String(cameras), '--host', '127.0.0.1', '--models', models, '--password', password];
  if (sdCards) {
    // Each camera's SD card, cycled: normal, none, broken, full, held (the Tapo app holds its media session).
    args.push('--sd-cards', sdCards);
  }
  const { pid, lines, stop, send } = await runSimulator(
    [...args, '--media', ...(control ? ['--control'] : [])],
    cameras,
    (m) => typeof m?.port === 'number',
    timeoutMs
  );

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
      // The SD card's port-8800 media server (recordings), moved off 8800 as simulated devices are.
      ...(m.playbackPort ? { streamPort: m.playbackPort } : {}),
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
  /**
   * Fault switches of camera `index` (needs `control: true`): camera faults, RTSP faults (freeze,
   * offline), and `motion: 'motion' | 'person'` to trigger an event now.
   */
  const setFaults = (index, { faults, rtsp, motion }) =>
    send({ camera: index, ...(faults ? { faults } : {}), ...(rtsp ? { rtsp } : {}), ...(motion ? { motion } : {}) });
  return { pid, cameras: lines, ids, jsonData, secure, secrets, stop, setFaults };
}

/**
 * Starts one simulated H200 hub (`--hub`) with `children` behind it and its port-8800 stream;
 * resolves with the datasource settings of the hub entry (kind hub, its stream port), the ids the
 * sidecar gives its children (`<hub id>.<first 8 hex of SHA-256 of the device_id>`) and their names.
 */
export async function startHubSimulator({ children = 'C420', timeoutMs = 60_000, control = false } = {}) {
  const password = `Hub-${randomBytes(6).toString('hex')}`;
  const count = 1 + children.split(',').length;
  const { pid, lines, stop, send } = await runSimulator(
    [
      '--hub',
      '--hub-children',
      children,
      '--host',
      '127.0.0.1',
      '--password',
      password,
      ...(control ? ['--control'] : []),
    ],
    count,
    (m) => m?.kind === 'hub' || m?.kind === 'hub-child',
    timeoutMs
  );
  const hub = lines.find((m) => m.kind === 'hub');
  const kids = lines.filter((m) => m.kind === 'hub-child');
  const jsonData = {
    cameras: [
      {
        id: 'hub',
        name: hub.name,
        kind: 'hub',
        host: `${hub.host}:${hub.port}`,
        streamPort: hub.streamPort,
        pollIntervalSeconds: 5,
        stream: 'stream2',
      },
    ],
    liveFps: 2,
    liveWidth: 640,
  };
  const ids = kids.map((k) => `hub.${createHash('sha256').update(k.deviceId.toUpperCase()).digest('hex').slice(0, 8)}`);
  return {
    pid,
    hub,
    children: kids,
    ids,
    jsonData,
    secure: { 'password.hub': password },
    secrets: [password],
    stop,
    /** Puts child `index` to sleep (it stays asleep, its live view ends) or wakes it (needs `control: true`). */
    setAsleep: (index, sleep) => send({ child: index, sleep }),
  };
}

/**
 * A whole home (`--with-hub --discovery-port 0`): `cameras` simulated cameras (API only, no media)
 * and one H200 with three battery cameras and one sensor of each kind, all with one cloud password,
 * answering TP-Link discovery on one free UDP port of 127.0.0.1 (the home's "network").
 */
export async function startHomeSimulator({ cameras = 6, timeoutMs = 60_000 } = {}) {
  const password = `Home-${randomBytes(6).toString('hex')}`;
  const { pid, lines, stop, stderrMatch } = await runSimulator(
    [
      '--cameras',
      String(cameras),
      '--host',
      '127.0.0.1',
      '--password',
      password,
      '--with-hub',
      '--discovery-port',
      '0',
    ],
    cameras + 4,
    (m) => typeof m?.port === 'number' || m?.kind === 'hub-child',
    timeoutMs
  );
  let discoveryPort;
  try {
    discoveryPort = Number((await stderrMatch(/discovery answers on udp 127\.0\.0\.1:(\d+)/, 10_000))[1]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid,
    password,
    discoveryPort,
    cameras: lines.filter((m) => !m.kind),
    hub: lines.find((m) => m.kind === 'hub'),
    children: lines.filter((m) => m.kind === 'hub-child'),
    stop,
  };
}
