/*
 * The built sidecar (dist/datasource/sidecar/main.mjs) as a child process for the
 * browser tests: started standalone on a loopback gRPC port with a temporary data dir (so, with no
 * camera configured, it runs its demo fleet of simulated cameras with RTSP pictures), and a grpc-js
 * client of the proto shipped beside it. The sidecar runs in its own process group so that its
 * ffmpeg children go with it, whatever state the test ends in.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { ROOT } from './chromium.mjs';

const SIDECAR_DIR = join(ROOT, 'dist/datasource/sidecar');
const MAIN = join(SIDECAR_DIR, 'main.mjs');

/** Kills a process group without caring whether it is still there. */
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts the sidecar (with extra `args`, e.g. --no-demo); resolves once it serves gRPC and (when `waitFor` names a log message, by
 * default the demo fleet's) that message was logged. Rejects, with the sidecar's last log lines,
 * if it exits or misses the deadline.
 */
export async function startSidecar({
  timeoutMs = 20_000,
  waitFor = 'demo fleet of simulated cameras started',
  args = [],
} = {}) {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: run npm run build`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tapo-browser-'));
  const child = spawn(
    process.execPath,
    [MAIN, '--standalone', '--grpc', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', ...args],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] }
  );
  const pid = child.pid;
  // A crashing test process must not leave the sidecar (and its ffmpegs) running.
  const onExit = () => killGroup(pid, 'SIGKILL');
  process.once('exit', onExit);

  const tail = [];
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let address = null;
  /** The HTTP API's address, when started with --http. */
  let httpUrl = null;
  let sawWanted = waitFor === null;
  let notify = () => undefined;
  let buffer = '';
  child.stderr.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      tail.push(line.slice(0, 400));
      if (tail.length > 30) {
        tail.shift();
      }
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (entry['@message'] === 'Tapo sidecar serving' && typeof entry.grpc === 'string') {
        address = entry.grpc;
      }
      if (entry['@message'] === 'HTTP API serving' && typeof entry.url === 'string') {
        httpUrl = entry.url;
      }
      if (entry['@message'] === waitFor) {
        sawWanted = true;
      }
      notify();
    }
  });

  async function stop() {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      // SIGTERM first: the sidecar stops its demo fleet's encoders and its own ffmpegs.
      killGroup(pid, 'SIGTERM');
      let timer;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
    }
    // Whatever is left of the group (an ffmpeg that ignored SIGTERM) goes now.
    killGroup(pid, 'SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }

  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the sidecar was not ready within ${timeoutMs} ms:\n${tail.join('\n')}`)),
        timeoutMs
      );
      notify = () => {
        if (address && sawWanted) {
          clearTimeout(timer);
          resolve();
        }
      };
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the sidecar exited (${code ?? signal}) before it was ready:\n${tail.join('\n')}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid, address, httpUrl: () => httpUrl, dataDir, logTail: () => tail.join('\n'), stop };
}

/** grpc-js clients of the plugin services, from the .proto files shipped with the sidecar (or `protoDir`). */
export function pluginClients(address, protoDir = join(SIDECAR_DIR, 'proto')) {
  const def = protoLoader.loadSync(['pluginv2.proto'], {
    includeDirs: [protoDir],
    keepCase: true,
    longs: Number,
    enums: String,
    bytes: Buffer,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def);
  const creds = grpc.credentials.createInsecure();
  const stream = new pkg.pluginv2.Stream(address, creds);
  const data = new pkg.pluginv2.Data(address, creds);
  const resource = new pkg.pluginv2.Resource(address, creds);
  return {
    stream,
    data,
    resource,
    close: () => {
      stream.close();
      data.close();
      resource.close();
    },
  };
}

/**
 * CallResource as Grafana makes it: the first message's code and headers, every message's body
 * joined (a download streams in pieces). `url` may carry a query; a `body` that is not a Buffer is
 * sent as JSON. Resolves `{ code, contentType, body }` (a Buffer).
 */
export function callResource(client, { pluginContext, path, url = path, method = 'GET', body }) {
  const bytes =
    body === undefined || body === null
      ? Buffer.alloc(0)
      : Buffer.isBuffer(body)
        ? body
        : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const call = client.CallResource({ pluginContext, path, method, url, headers: {}, body: bytes });
    let head = null;
    const parts = [];
    call.on('data', (r) => {
      head ??= r;
      parts.push(r.body);
    });
    call.on('error', reject);
    call.on('end', () => {
      if (!head) {
        reject(new Error(`CallResource ${path} answered nothing`));
        return;
      }
      const contentType = head.headers?.['Content-Type']?.values?.[0] ?? 'application/octet-stream';
      resolve({ code: head.code, contentType, body: Buffer.concat(parts) });
    });
  });
}

/** A CallResource answer's body as JSON. */
export const resourceJson = (r) => JSON.parse(r.body.toString('utf8'));

/**
 * The page's tapoResourceBridge (harness.mjs) answered by the sidecar, as Grafana passes a browser's
 * `/api/datasources/uid/<uid>/resources/<path>` request on: `{ status, contentType, body }` (base64).
 */
export async function bridgeResource(client, pluginContext, { url, method = 'GET', data = null }) {
  const target = url.replace(/^.*?\/resources\//, '');
  const r = await callResource(client, { pluginContext, path: target.split('?')[0], url: target, method, body: data });
  return { status: r.code, contentType: r.contentType, body: r.body.toString('base64') };
}

/** A PluginContext as Grafana sends it, for datasource `uid`, from a user with `role`. */
export function pluginContext({ uid, role = 'Viewer', jsonData = {}, secure = {} }) {
  return {
    orgId: 1,
    pluginId: 'camwatch-tapo-datasource',
    user: { login: role.toLowerCase(), name: role, email: '', role },
    dataSourceInstanceSettings: {
      id: 1,
      uid,
      name: 'Tapo Cameras',
      jsonData: Buffer.from(JSON.stringify(jsonData)),
      decryptedSecureJsonData: secure,
      lastUpdatedMS: 1,
    },
  };
}

/**
 * RunStream on `path`: `next(timeoutMs)` resolves with the next StreamPacket's data (a Buffer), in
 * order, or rejects when the stream fails or nothing arrives in time. `cancel()` ends it.
 */
export function runStream(client, request) {
  const call = client.RunStream(request);
  const queue = [];
  let failure = null;
  let waiter = null;
  let cancelled = false;
  call.on('data', (packet) => {
    queue.push(packet.data);
    waiter?.();
  });
  call.on('error', (err) => {
    if (!cancelled) {
      failure = err;
      waiter?.();
    }
  });
  call.on('end', () => {
    failure ??= new Error('RunStream ended');
    waiter?.();
  });
  return {
    received: () => queue.length,
    /** The stream failed, ended or was cancelled: no packet will come any more. */
    ended: () => failure !== null || cancelled,
    async next(timeoutMs) {
      if (queue.length === 0 && !failure && !cancelled) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        waiter = null;
      }
      if (queue.length > 0) {
        return queue.shift();
      }
      throw (
        failure ??
        new Error(
          cancelled ? `RunStream on ${request.path} cancelled` : `no packet on ${request.path} within ${timeoutMs} ms`
        )
      );
    },
    cancel() {
      cancelled = true;
      call.cancel();
      waiter?.(); // a reader waiting for the next packet learns now that none will come
    },
  };
}

/**
 * Grafana Live for a page (the harness's tapoLiveBridge): the sidecar's channels forwarded into the
 * page in order, opened on the sidecar (SubscribeStream, RunStream) when the page's first subscriber
 * comes and ended when its last leaves; a quiet channel stays open, as in Grafana. `streams` holds
 * the RunStreams by address (the caller cancels what is left); `opened` lists the addresses opened.
 */
export function liveBridge(page, client, ctx, uid, streams) {
  const refs = new Map();
  const opened = [];
  let pending = [];
  let chain = Promise.resolve();
  let open = true;
  const forward = (address, data) => {
    pending.push([address, data.toString('utf8')]);
    if (pending.length > 1) {
      return;
    }
    chain = chain.then(async () => {
      await Promise.resolve();
      const batch = pending;
      pending = [];
      if (open) {
        await page
          .evaluate((b) => b.forEach(([a, t]) => window.tapoHarness.pushLive(a, JSON.parse(t))), batch)
          .catch(() => undefined);
      }
    });
  };
  const subscribe = async (address) => {
    const path = address.slice(`ds/${uid}/`.length);
    opened.push(address);
    const sub = await new Promise((resolve, reject) =>
      client.SubscribeStream({ pluginContext: ctx, path }, (err, res) => (err ? reject(err) : resolve(res)))
    );
    if (sub.status !== 'OK' || refs.get(address) === 0) {
      return;
    }
    if (sub.data?.length) {
      forward(address, sub.data);
    }
    const s = runStream(client, { pluginContext: ctx, path });
    streams.set(address, s);
    (async () => {
      for (;;) {
        const data = await s.next(60_000).catch(() => null);
        if (streams.get(address) !== s || (!data && s.ended())) {
          return;
        }
        // A quiet channel is still open (as in Grafana): a hub child's metrics come about once a minute.
        if (data) {
          forward(address, data);
        }
      }
    })();
  };
  const handle = (op, address) => {
    const n = (refs.get(address) ?? 0) + (op === 'subscribe' ? 1 : -1);
    refs.set(address, n);
    if (op === 'subscribe' && n === 1) {
      void subscribe(address).catch(() => undefined);
    } else if (n === 0) {
      streams.get(address)?.cancel();
      streams.delete(address);
    }
  };
  return {
    opened,
    handle,
    /** Stops forwarding and ends this page's streams on the sidecar (the page goes without unsubscribing). */
    close: async () => {
      open = false;
      for (const address of refs.keys()) {
        streams.get(address)?.cancel();
        streams.delete(address);
      }
      await chain;
    },
  };
}
