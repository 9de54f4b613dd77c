/**
 * Camera client figures against simulated cameras over loopback TLS: logins/s per flow (legacy,
 * secure, and 2026 firmware's TPAP: SPAKE2+ with PBKDF2 5000 rounds, plus SHA-256-crypt where
 * extra_crypt asks for it), polls/s
 * (one multipleRequest per poll) for one camera and several in parallel, and the client's CPU time
 * per poll. The simulator runs in a child process so process.cpuUsage() measures the client only.
 */
import type { ChildProcess } from 'node:child_process';
import { TapoClient } from '../src/tapo/client.ts';
import type { CameraDescription } from '../src/simulator/fleet.ts';
import { summary, fmt } from './_stats.ts';
import { spawnSimulatorCli } from '../test/helpers/simulator-cli.ts';

function startSimulator(
  models: string[],
  flows: string[]
): Promise<{ cams: CameraDescription[]; child: ChildProcess }> {
  return spawnSimulatorCli(
    ['--cameras', String(models.length), '--models', models.join(','), '--flows', flows.join(',')],
    models.length
  );
}

function clientFor(d: CameraDescription): TapoClient {
  return new TapoClient({ host: d.host, port: d.port, password: d.cloudPassword, pinnedFingerprint: d.fingerprint });
}

async function measure(label: string, count: number, unit: string, fn: (i: number) => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const s0 = performance.now();
    await fn(i);
    samples.push(performance.now() - s0);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / count;
  const lat = summary(samples);
  console.log(
    `tapo: ${label}: ${(count / secs).toFixed(0)} ${unit}/s (${count} in ${secs.toFixed(2)} s; latency p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms; client CPU ${cpuMs.toFixed(3)} ms per ${unit.replace(/s$/, '')})`
  );
}

export async function run(): Promise<void> {
  const { cams, child } = await startSimulator(
    ['C210', 'C200', 'C110', 'C310', 'C510W-1.3.4', 'C200-1.4.6'],
    ['secure', 'secure', 'legacy', 'secure', 'tpap', 'tpap']
  );
  const clients = cams.map(clientFor);
  try {
    const [secure, md5, legacy, , tpap, tpapCrypt] = clients as TapoClient[] as [
      TapoClient,
      TapoClient,
      TapoClient,
      TapoClient,
      TapoClient,
      TapoClient,
    ];
    await measure('secure login (SHA256)', 200, 'logins', () => secure.login());
    await measure('secure login (MD5)', 200, 'logins', () => md5.login());
    await measure('legacy login', 200, 'logins', () => legacy.login());
    await measure('TPAP login (SPAKE2+, MD5 passcode)', 100, 'logins', () => tpap.login());
    // The first login finds the form (MD5 refused once); the figure is for the remembered form.
    await tpapCrypt.login();
    await measure('TPAP login (SPAKE2+, SHA-256 passcode through $5$ crypt)', 50, 'logins', () => tpapCrypt.login());
    await measure('poll, one camera, secure session', 1000, 'polls', () => secure.poll());
    await measure('poll, one camera, legacy session', 1000, 'polls', () => legacy.poll());
    await measure('poll, one camera, TPAP session (AES-128-CCM)', 1000, 'polls', () => tpap.poll());

    // Four cameras polled concurrently (each client is still serial).
    const rounds = 300;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < rounds; i++) {
          await c.poll();
        }
      })
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const polls = rounds * clients.length;
    console.log(
      `tapo: poll, ${clients.length} cameras in parallel: ${(polls / secs).toFixed(0)} polls/s (${polls} in ${secs.toFixed(2)} s, client CPU ${((cpu.user + cpu.system) / 1000 / polls).toFixed(3)} ms per poll)`
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
