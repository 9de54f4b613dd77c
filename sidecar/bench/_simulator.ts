/** Simulated cameras for the benchmarks, in a child process (only the sidecar's own CPU is measured), and their configs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CameraConfig } from '../src/config/types.ts';

const sidecarRoot = fileURLToPath(new URL('..', import.meta.url));

export interface SimCamera {
  host: string;
  port: number;
  cloudPassword: string;
}

/** `count` simulated cameras (the CLI takes at most 1,000); resolves once all of them listen. */
export function startSimulator(count: number): Promise<{ child: ChildProcess; cameras: SimCamera[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/simulator/cli.ts', '--cameras', String(count), '--host', '127.0.0.1'],
    {
      cwd: sidecarRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TAPO_LOG_LEVEL: 'error' },
    }
  );
  const cameras: SimCamera[] = [];
  const rl = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    rl.on('line', (line) => {
      cameras.push(JSON.parse(line) as SimCamera);
      if (cameras.length === count) {
        resolve({ child, cameras });
      }
    });
  });
}

/** Camera configs for simulated cameras, polled every `intervalMs`, ids `<prefix><n>`. */
export function simulatedConfigs(cams: SimCamera[], intervalMs: number, prefix: string, name: string): CameraConfig[] {
  return cams.map((c, i) => ({
    id: `${prefix}${i}`,
    name: `${name} ${i}`,
    host: c.host,
    port: c.port,
    username: 'admin',
    password: c.cloudPassword,
    cameraAccount: null,
    cameraPassword: null,
    pollIntervalMs: intervalMs,
    stream: 'stream2',
    rtspUrlOverride: null,
    onvifPort: null,
    tlsFingerprint: null,
    disabled: false,
    source: 'bench',
  }));
}
