// Real parts for the event-shipping test: VictoriaLogs (built from its Go module into
// test/sites/.bin/, as .ci/run does), a fault proxy in front of it that answers 429 and 500 at
// random, and a reader of a stopped sidecar's shipping log (the ids it must have shipped).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ROOT, freePort, run, waitFor } from './harness.mjs';

export const VICTORIA_LOGS_VERSION = 'v1.52.2';
const BIN_DIR = join(ROOT, 'test/sites/.bin');
const BIN = join(BIN_DIR, 'victoria-logs');

/**
 * The VictoriaLogs binary: built once into test/sites/.bin/ (about a minute on 2 cores with cold
 * caches). Returns { bin } or { skip: reason } when Go or the module proxy is unavailable.
 */
export function victoriaLogsBinary() {
  if (existsSync(BIN)) {
    return { bin: BIN };
  }
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    return { skip: 'Go is not installed: VictoriaLogs is built from its Go module (.ci/run builds it)' };
  }
  mkdirSync(BIN_DIR, { recursive: true });
  const r = spawnSync(
    'go',
    ['install', `github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@${VICTORIA_LOGS_VERSION}`],
    {
      env: { ...process.env, GOFLAGS: '-buildvcs=false', GOBIN: BIN_DIR },
      encoding: 'utf8',
      timeout: 15 * 60_000,
    }
  );
  if (r.status !== 0 || !existsSync(BIN)) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ');
    return { skip: `could not build VictoriaLogs ${VICTORIA_LOGS_VERSION} (Go module proxy unreachable?): ${why}` };
  }
  return { bin: BIN };
}

/** VictoriaLogs on a loopback port; `stop()` and `restart()` keep the port and the data. */
export async function startVictoriaLogs(bin, dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=7d'];
  const start = async () => {
    const p = run('victoria-logs', bin, args);
    await waitFor('VictoriaLogs', async () => (await fetch(`${url}/health`)).ok, 30_000);
    return p;
  };
  const vl = { url, pushUrl: `${url}/insert/loki/api/v1/push`, proc: await start() };
  vl.stop = () => vl.proc.stop();
  vl.restart = async () => {
    vl.proc = await start();
  };
  return vl;
}

/** Every line of a site in VictoriaLogs, as parsed JSON rows (LogsQL, all time). */
export async function siteLines(vl, site) {
  const q = new URLSearchParams({ query: `_stream:{site="${site}"}` });
  const res = await fetch(`${vl.url}/select/logsql/query?${q}`);
  if (!res.ok) {
    throw new Error(`LogsQL query: ${res.status} ${await res.text()}`);
  }
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/**
 * A proxy in front of the push endpoint that fails on purpose: of every ten pushes (by a seeded
 * random), two get 429 and two 500 without being forwarded, and one is forwarded but answered 500
 * (a lost acknowledgement: the shipper sends it again, and the store keeps both). The rest pass.
 * A push without the expected Authorization is refused (401) and counted.
 */
export async function faultProxy(target, { seed = 25, authorization } = {}) {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const counts = { pushes: 0, refused: 0, lostAckLines: 0, forwardFailed: 0, badAuth: 0 };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) {
      chunks.push(c);
    }
    const body = Buffer.concat(chunks);
    counts.pushes++;
    if (authorization && req.headers.authorization !== authorization) {
      counts.badAuth++;
      res.writeHead(401).end('who are you');
      return;
    }
    const r = random();
    if (r < 0.4) {
      counts.refused++;
      res.writeHead(r < 0.2 ? 429 : 500).end(r < 0.2 ? 'slow down' : 'chaos');
      return;
    }
    let status;
    try {
      const up = await fetch(target, {
        method: 'POST',
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => k === 'content-type' || k.startsWith('vl-'))
        ),
        body,
      });
      status = up.status;
      await up.arrayBuffer();
    } catch {
      counts.forwardFailed++;
      res.writeHead(502).end('upstream down');
      return;
    }
    if (r < 0.5 && status < 300) {
      const lines = JSON.parse(body.toString()).streams.reduce((n, s) => n + s.values.length, 0);
      counts.lostAckLines += lines;
      res.writeHead(500).end('lost acknowledgement');
      return;
    }
    res.writeHead(status).end();
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/insert/loki/api/v1/push`,
    counts,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The ids a stopped sidecar's store holds for shipping (events and status changes), by its own code. */
export function shippedIds(dataDir, site) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/sites/ship-log-ids.mjs'), dataDir, site], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) {
    throw new Error(`reading the shipping log of ${dataDir}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout);
}
