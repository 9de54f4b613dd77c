/**
 * The simulator's CLI in a child process (tests and benches that need the cameras outside their
 * own process): resolves once it has described every camera, one JSON line each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CameraDescription } from '../../src/simulator/fleet.ts';

const sidecar = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `src/simulator/cli.ts` with `args`; waits (up to `timeoutMs`) for `count` camera lines. A failed start kills the child. */
export async function spawnSimulatorCli(
  args: string[],
  count: number,
  timeoutMs = 30_000
): Promise<{ cams: CameraDescription[]; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/cli.ts', ...args], {
    cwd: sidecar,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const cams: CameraDescription[] = [];
  const rl = createInterface({ input: child.stdout! });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the simulator did not describe ${count} cameras within ${timeoutMs} ms`)),
        timeoutMs
      );
      child.once('exit', (code) => reject(new Error(`the simulator exited early (${code})`)));
      rl.on('line', (l) => {
        cams.push(JSON.parse(l) as CameraDescription);
        if (cams.length === count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { cams, child };
}
