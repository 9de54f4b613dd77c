// Real parts for the many-sites tests: simulated cameras, the sidecar as a user runs it
// (standalone, --config, --http), Prometheus in agent mode from deploy/sites/prometheus-agent.yml,
// and VictoriaMetrics as the central store. Every process listens on loopback and is stopped by the
// test that started it; their logs are kept so a failure can show them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SIDECAR = join(ROOT, 'sidecar');

export const have = (bin, arg = '--version') => spawnSync(bin, [arg], { stdio: 'ignore' }).status === 0;

/** A loopback port that was free a moment ago. */
export async function freePort() {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; the last error is in the message. */
export async function waitFor(what, check, timeoutMs, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await delay(everyMs);
  }
}

/** A child process with its output kept (the last 64 KiB) and a stop that waits for its exit. */
function run(name, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let log = '';
  const keep = (b) => {
    log = (log + b.toString()).slice(-65536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    name,
    child,
    exited,
    log: () => log,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      const r = await Promise.race([exited, delay(15_000).then(() => null)]);
      if (!r) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** `count` simulated cameras; resolves with their JSON lines once all are listening. */
export async function startSimulator(count) {
  const p = run(
    'simulator',
    process.execPath,
    ['--import', 'tsx', 'src/simulator/cli.ts', '--cameras', String(count), '--host', '127.0.0.1'],
    {
      cwd: SIDECAR,
    }
  );
  let buf = '';
  const cameras = [];
  await new Promise((resolve, reject) => {
    p.child.stdout.on('data', (b) => {
      buf += b.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) {
          cameras.push(JSON.parse(line));
        }
      }
      if (cameras.length === count) {
        resolve();
      }
    });
    p.exited.then(({ code }) =>
      reject(new Error(`simulator exited (${code}) before ${count} cameras listened:\n${p.log()}`))
    );
  });
  return { ...p, cameras };
}

/** The sidecar as a site runs it: standalone, cameras from YAML, HTTP API with a bearer token. */
export async function startSidecar({ site, cameras, dir, token, pollSeconds = 5 }) {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'cameras.yaml');
  writeFileSync(
    config,
    stringify({
      defaultPollIntervalSeconds: pollSeconds,
      cameras: cameras.map((c, i) => ({
        id: `${site}-cam${i + 1}`,
        name: `${site} camera ${i + 1}`,
        host: `${c.host}:${c.port}`,
        password: c.cloudPassword,
      })),
    })
  );
  const httpPort = await freePort();
  const p = run(
    `sidecar ${site}`,
    process.execPath,
    [
      '--import',
      'tsx',
      'src/main.ts',
      '--standalone',
      '--no-demo',
      '--grpc',
      '127.0.0.1:0',
      '--http',
      `127.0.0.1:${httpPort}`,
      '--config',
      config,
      '--data-dir',
      join(dir, 'data'),
    ],
    { cwd: SIDECAR, env: { ...process.env, TAPO_API_TOKEN: token, TAPO_LOG_LEVEL: 'warn' } }
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const auth = { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } };
  await waitFor(`the ${site} sidecar's HTTP API`, async () => (await fetch(`${url}/`, auth)).ok, 60_000).catch(
    (err) => {
      throw new Error(`${err.message}\n${p.log()}`);
    }
  );
  return { ...p, url, httpPort };
}

/** VictoriaMetrics on a loopback port; `restart()` brings it back on the same port and data. */
export async function startVictoriaMetrics(dir) {
  const port = await freePort();
  const args = [
    `-storageDataPath=${dir}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=1',
    // Exact counts: no result cache, and the newest samples visible at once (scale-engines notes).
    '-search.disableCache',
    '-search.latencyOffset=1s',
  ];
  const url = `http://127.0.0.1:${port}`;
  const start = async () => {
    const p = run('victoria-metrics', 'victoria-metrics', args);
    await waitFor('VictoriaMetrics', async () => (await fetch(`${url}/health`)).ok, 30_000);
    return p;
  };
  const vm = { url, proc: await start() };
  vm.stop = () => vm.proc.stop();
  vm.restart = async () => {
    vm.proc = await start();
  };
  return vm;
}

/**
 * The shipped agent config (deploy/sites/prometheus-agent.yml) with this test's addresses: the
 * sidecar's target, the token file and the central store's URL, and a short scrape interval.
 */
export function agentConfig({ site, target, tokenFile, remoteWriteUrl, scrapeInterval }) {
  const cfg = parse(readFileSync(join(ROOT, 'deploy/sites/prometheus-agent.yml'), 'utf8'));
  cfg.global.scrape_interval = scrapeInterval;
  cfg.global.scrape_timeout = scrapeInterval;
  const job = cfg.scrape_configs.find((j) => j.job_name === 'tapo');
  job.static_configs = [{ targets: [target] }];
  job.authorization.credentials_file = tokenFile;
  cfg.remote_write[0].url = remoteWriteUrl;
  // The site label comes from the environment, as in production (expand-external-labels).
  if (cfg.global.external_labels.site !== '${TAPO_SITE}') {
    throw new Error('deploy/sites/prometheus-agent.yml no longer takes the site from TAPO_SITE');
  }
  return stringify(cfg);
}

/** Prometheus in agent mode for one site, scraping `sidecar` and writing to `remoteWriteUrl`. */
export async function startAgent({ site, sidecar, token, remoteWriteUrl, dir, scrapeInterval = '1s' }) {
  mkdirSync(dir, { recursive: true });
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const configFile = join(dir, 'agent.yml');
  writeFileSync(
    configFile,
    agentConfig({ site, target: `127.0.0.1:${sidecar.httpPort}`, tokenFile, remoteWriteUrl, scrapeInterval })
  );
  const port = await freePort();
  const p = run(
    `agent ${site}`,
    'prometheus',
    [
      '--enable-feature=agent,expand-external-labels',
      `--config.file=${configFile}`,
      `--storage.agent.path=${join(dir, 'wal')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { env: { ...process.env, TAPO_SITE: site } }
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`the ${site} agent`, async () => (await fetch(`${url}/-/ready`)).ok, 30_000);
  return { ...p, url, site };
}

/** One value of the agent's own metrics (first series whose name and labels start with `prefix`). */
export async function agentMetric(agent, prefix) {
  const text = await (await fetch(`${agent.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Every sample of the series matching `match` in the central store: [{ metric, timestamps }]. */
export async function exportSeries(vm, match, fromMs, toMs) {
  const q = new URLSearchParams({ 'match[]': match, start: String(fromMs / 1000), end: String(toMs / 1000) });
  const res = await fetch(`${vm.url}/api/v1/export?${q}`);
  if (!res.ok) {
    throw new Error(`export ${match}: ${res.status} ${await res.text()}`);
  }
  const body = await res.text();
  return (
    body
      .split('\n')
      .filter(Boolean)
      // A staleness marker (a series that ended) is exported as a bare NaN, which JSON lacks.
      .map((l) => JSON.parse(l.replace(/\bNaN\b/g, 'null')))
      .map((s) => ({ metric: s.metric, timestamps: s.timestamps.slice().sort((a, b) => a - b) }))
  );
}

/** The longest gap between consecutive timestamps (ms). */
export function longestGap(timestamps) {
  let gap = 0;
  for (let i = 1; i < timestamps.length; i++) {
    gap = Math.max(gap, timestamps[i] - timestamps[i - 1]);
  }
  return gap;
}
