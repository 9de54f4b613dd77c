/**
 * The gRPC link beyond loopback: a sidecar bound off loopback needs the shared secret, answers
 * only clients that prove it (TLS-PSK), and the relay on Grafana's host carries real gRPC calls
 * with it. Real processes, real TLS, real gRPC; everything on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, pluginClients, pluginContext } from '../helpers/grpc-client.ts';
import { linkKey, LinkSecretError, readSecret, sidecarLinkKey } from '../../src/link/secret.ts';
import { linkErrorMessage, relaySecret } from '../../src/link/relay.ts';
import { startPskFront } from '../../src/link/front.ts';
import { createLogger } from '../../src/log.ts';
import { parseOptions, type SidecarOptions } from '../../src/options.ts';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const relayMain = fileURLToPath(new URL('../../src/link/relay-main.ts', import.meta.url));
const SECRET = 'link-secret-0123456789abcdef';
const PLUGIN_ENV = { grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2' };

function spawnNode(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves with the first match of `re` in stderr or stdout; rejects if the process exits first. */
  const waitFor = (re: RegExp, where: 'stderr' | 'stdout' = 'stderr') =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(where === 'stderr' ? stderr : stdout);
        if (m) {
          resolve(m);
          return true;
        }
        return false;
      };
      if (check()) {
        return;
      }
      const stream = where === 'stderr' ? child.stderr : child.stdout;
      const on = () => check() && stream.off('data', on);
      stream.on('data', on);
      child.once('exit', () => setImmediate(() => check() || reject(new Error(`exited; stderr: ${stderr}`))));
    });
  return { child, exited, waitFor, out: () => stdout, err: () => stderr };
}

function startSidecar(t: { after: (fn: () => unknown) => void }, env: Record<string, string>, args: string[]) {
  const p = spawnNode(main, ['--no-demo', '--standalone', ...args], {
    TAPO_DATA_DIR: mkdtempSync(join(tmpdir(), 'tapo-link-')),
    ...env,
  });
  t.after(async () => {
    if (p.child.exitCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });
  return p;
}

async function servingPort(p: ReturnType<typeof spawnNode>): Promise<number> {
  const m = await p.waitFor(/"grpc":"[^"]*:(\d+)"/);
  return Number(m[1]);
}

function startRelayProcess(t: { after: (fn: () => unknown) => void }, env: Record<string, string>) {
  const p = spawnNode(relayMain, [], { ...PLUGIN_ENV, ...env });
  t.after(async () => {
    if (p.child.exitCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });
  return p;
}

function closeAll(clients: ReturnType<typeof pluginClients>) {
  for (const c of Object.values(clients)) {
    c.close();
  }
}

test('binding gRPC beyond loopback without a secret refuses to start and names the option', async (t) => {
  const p = startSidecar(t, {}, ['--grpc', '0.0.0.0:0']);
  assert.equal(await p.exited, 1);
  const line = JSON.parse(p.err().trim().split('\n').pop()!);
  assert.equal(line['@level'], 'error');
  assert.match(line['@message'], /refusing to serve gRPC on 0\.0\.0\.0 without a shared secret/);
  assert.match(line['@message'], /TAPO_GRPC_SECRET/);
  assert.match(line['@message'], /--grpc-secret-file/);
  const short = startSidecar(t, { TAPO_GRPC_SECRET: 'short' }, ['--grpc', '0.0.0.0:0']);
  assert.equal(await short.exited, 1);
  assert.match(short.err(), /too short: use at least 16 characters/);
  assert.doesNotMatch(short.err(), /"short"|: short\b/, 'the secret itself is not echoed');
});

test('bound to 0.0.0.0 with a secret, a plain gRPC client on 127.0.0.1 is refused (Admin role or not)', async (t) => {
  const p = startSidecar(t, { TAPO_GRPC_SECRET: SECRET }, ['--grpc', '0.0.0.0:0']);
  const port = await servingPort(p);
  const clients = pluginClients(`127.0.0.1:${port}`);
  t.after(() => closeAll(clients));
  await assert.rejects(call(clients.health, 'Check', { service: 'plugin' }), /UNAVAILABLE/);
  // The two calls the adversarial run made: a control as a self-declared Admin, a health check with settings.
  await assert.rejects(
    call(clients.diagnostics, 'CheckHealth', { pluginContext: pluginContext() }),
    /UNAVAILABLE/,
    'CheckHealth with settings'
  );
  await p.waitFor(/refused a connection that did not prove the shared secret/);
  assert.match(p.err(), /not the link’s TLS/);
  assert.ok(!p.err().includes(SECRET), 'the secret is in no log line');
});

test('the relay with the right secret carries real gRPC calls; it exits when its stdin closes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-relay-'));
  writeFileSync(join(dir, 'secret'), `${SECRET}\n`, { mode: 0o600 });
  // Both ends read the secret from a file: the sidecar with --grpc-secret-file.
  const sidecar = startSidecar(t, {}, ['--grpc', '0.0.0.0:0', '--grpc-secret-file', join(dir, 'secret')]);
  const port = await servingPort(sidecar);
  // Grafana's [plugin.…] grpc_secret_file, and a sidecar address on loopback via 127.0.0.1.
  const relay = startRelayProcess(t, {
    GF_PLUGIN_SIDECAR_ADDRESS: `127.0.0.1:${port}`,
    GF_PLUGIN_GRPC_SECRET_FILE: join(dir, 'secret'),
  });
  const hs = await relay.waitFor(/^1\|2\|tcp\|127\.0\.0\.1:(\d+)\|grpc\n/, 'stdout');
  const clients = pluginClients(`127.0.0.1:${hs[1]}`);
  t.after(() => closeAll(clients));
  const health: any = await call(clients.health, 'Check', { service: 'plugin' });
  assert.equal(health.status, 'SERVING');
  const check: any = await call(clients.diagnostics, 'CheckHealth', { pluginContext: pluginContext() });
  assert.ok(['OK', 'ERROR', 'UNKNOWN'].includes(check.status), `CheckHealth answered: ${JSON.stringify(check)}`);
  const q: any = await call(clients.data, 'QueryData', {
    pluginContext: pluginContext(),
    queries: [
      {
        refId: 'S',
        queryType: 'status',
        json: Buffer.from('{}'),
        timeRange: { fromEpochMS: 0, toEpochMS: Date.now() },
      },
    ],
  });
  assert.ok(q.responses.S, 'QueryData answered through the relay');
  await relay.waitFor(/the sidecar accepted the shared secret/);
  for (const l of relay.err().trim().split('\n')) {
    const j = JSON.parse(l);
    assert.ok(j['@level'] && j['@message'] && j['@timestamp'], `hclog JSON: ${l}`);
  }
  relay.child.stdin.end();
  assert.equal(await relay.exited, 0, 'the relay exits when its stdin pipe closes');
  assert.ok(!relay.err().includes(SECRET) && !sidecar.err().includes(SECRET), 'the secret is in no log line');
});

test('a wrong secret is refused with a clear error; neither secret nor key appears in any log line', async (t) => {
  const sidecar = startSidecar(t, { TAPO_GRPC_SECRET: SECRET }, ['--grpc', '0.0.0.0:0']);
  const port = await servingPort(sidecar);
  const WRONG = 'not-the-secret-0123456789';
  const relay = startRelayProcess(t, { TAPO_SIDECAR_ADDRESS: `127.0.0.1:${port}`, TAPO_GRPC_SECRET: WRONG });
  const hs = await relay.waitFor(/^1\|2\|tcp\|127\.0\.0\.1:(\d+)\|grpc\n/, 'stdout');
  await relay.waitFor(/refused the key/);
  const clients = pluginClients(`127.0.0.1:${hs[1]}`);
  t.after(() => closeAll(clients));
  await assert.rejects(call(clients.health, 'Check', { service: 'plugin' }), /UNAVAILABLE/);
  await sidecar.waitFor(/"reason":"wrong secret"/);
  const logs = relay.err() + sidecar.err() + relay.out();
  for (const s of [
    SECRET,
    WRONG,
    linkKey(SECRET).toString('hex'),
    linkKey(WRONG).toString('hex'),
    linkKey(SECRET).toString('base64'),
  ]) {
    assert.ok(!logs.includes(s), 'no secret or key in any log line');
  }
  relay.child.kill('SIGTERM');
  assert.equal(await relay.exited, 0, 'SIGTERM (Grafana stopping the plugin) ends the relay');
});

test('the relay exits when its parent (Grafana) dies without stopping it (SIGKILL)', async (t) => {
  // sh stands in for Grafana: it starts the relay, prints its pid, and is then killed with SIGKILL.
  const parent = spawn(
    '/bin/sh',
    ['-c', `"${process.execPath}" --import tsx "${relayMain}" </dev/null & echo "pid $!"; wait`],
    {
      env: {
        PATH: process.env.PATH ?? '',
        ...PLUGIN_ENV,
        TAPO_SIDECAR_ADDRESS: '127.0.0.1:1',
        TAPO_GRPC_SECRET: SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  let out = '';
  parent.stdout.on('data', (d) => (out += d));
  const ready = new Promise<number>((resolve, reject) => {
    parent.stdout.on('data', () => {
      const pid = /pid (\d+)/.exec(out);
      if (pid && /\|grpc\n/.test(out)) {
        resolve(Number(pid[1]));
      }
    });
    parent.on('exit', () => reject(new Error(`the parent exited early: ${out}`)));
  });
  const pid = await ready;
  // Gone or a zombie (an orphan's exit is reaped by whoever adopted it, maybe never in a container).
  const alive = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  t.after(() => alive() && process.kill(pid, 'SIGKILL'));
  parent.kill('SIGKILL');
  // Bounded wait on an external process: the relay checks its parent every second.
  const deadline = Date.now() + 10_000;
  while (alive() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(alive(), false, 'the relay outlived its parent by 10 s');
});

test('the relay refuses to start without a secret or outside a plugin host, and says why', async (t) => {
  const noSecret = startRelayProcess(t, { TAPO_SIDECAR_ADDRESS: '127.0.0.1:1' });
  assert.equal(await noSecret.exited, 1);
  assert.match(noSecret.err(), /needs the gRPC link secret \(grpc_secret_file/);
  assert.equal(noSecret.out(), '', 'no handshake');
  const byHand = spawnNode(relayMain, [], { TAPO_SIDECAR_ADDRESS: '127.0.0.1:1', TAPO_GRPC_SECRET: SECRET });
  assert.equal(await byHand.exited, 1);
  assert.match(byHand.err(), /grafana_plugin_type=datasource is missing/);
});

test('secrets: read from a file (trimmed) or a variable, the file wins; short or unreadable ones are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-secret-'));
  writeFileSync(join(dir, 's'), `  ${SECRET}\n`);
  assert.equal(
    readSecret({ file: { name: 'F', path: join(dir, 's') }, value: { name: 'V', value: 'other-secret-0123456' } }),
    SECRET
  );
  assert.equal(readSecret({ value: { name: 'V', value: SECRET } }), SECRET);
  assert.equal(readSecret({ value: { name: 'V', value: '' } }), null);
  assert.throws(() => readSecret({ file: { name: 'F', path: join(dir, 'missing') } }), /F: cannot read .*ENOENT/);
  assert.throws(() => readSecret({ value: { name: 'V', value: 'abc' } }), LinkSecretError);
  // Grafana's [plugin.…] keys win over TAPO_* variables.
  writeFileSync(join(dir, 'g'), 'grafana-file-secret-0123');
  assert.equal(
    relaySecret({ GF_PLUGIN_GRPC_SECRET_FILE: join(dir, 'g'), TAPO_GRPC_SECRET: SECRET }),
    'grafana-file-secret-0123'
  );
  assert.equal(
    relaySecret({ GF_PLUGIN_GRPC_SECRET: 'grafana-ini-secret-01234', TAPO_GRPC_SECRET_FILE: join(dir, 's') }),
    'grafana-ini-secret-01234'
  );
  assert.equal(relaySecret({ TAPO_GRPC_SECRET_FILE: join(dir, 's') }), SECRET);
  assert.equal(relaySecret({}), null);
  assert.notDeepEqual(linkKey(SECRET), linkKey(`${SECRET}x`));
  assert.equal(linkKey(SECRET).length, 32);
});

test('options: --grpc-secret-file or TAPO_GRPC_SECRET_FILE, and TAPO_GRPC_SECRET; no secret on the command line', () => {
  const o = parseOptions(['--standalone', '--grpc-secret-file', '/run/s'], {
    TAPO_GRPC_SECRET: SECRET,
  }) as SidecarOptions;
  assert.equal(o.grpcSecretFile, '/run/s');
  assert.equal(o.grpcSecret, SECRET);
  const e = parseOptions(['--standalone'], { TAPO_GRPC_SECRET_FILE: '/run/e' }) as SidecarOptions;
  assert.equal(e.grpcSecretFile, '/run/e');
  assert.equal(e.grpcSecret, null);
  assert.throws(() => parseOptions(['--grpc-secret', SECRET], {}), /Unknown option/);
});

test('where a secret is needed: loopback and managed mode keep working as before', () => {
  const base = { grpcSecret: null, grpcSecretFile: null };
  assert.equal(sidecarLinkKey({ ...base, standalone: false, grpcAddress: '127.0.0.1:0' }), null);
  assert.equal(sidecarLinkKey({ ...base, standalone: true, grpcAddress: '127.0.0.1:10001' }), null);
  assert.equal(sidecarLinkKey({ ...base, standalone: true, grpcAddress: '[::1]:10001' }), null);
  assert.equal(sidecarLinkKey({ ...base, standalone: true, grpcAddress: 'localhost:10001' }), null);
  for (const grpcAddress of ['0.0.0.0:10001', '[::]:10001', '192.168.1.5:10001', 'sidecar:10001']) {
    assert.throws(
      () => sidecarLinkKey({ ...base, standalone: true, grpcAddress }),
      /without a shared secret/,
      grpcAddress
    );
    assert.ok(sidecarLinkKey({ ...base, grpcSecret: SECRET, standalone: true, grpcAddress }));
  }
  // Managed mode: Grafana dials 127.0.0.1 in plain gRPC, so a secret is not used and off-loopback is refused.
  assert.equal(sidecarLinkKey({ ...base, grpcSecret: SECRET, standalone: false, grpcAddress: '127.0.0.1:0' }), null);
  assert.throws(
    () => sidecarLinkKey({ ...base, standalone: false, grpcAddress: '0.0.0.0:0' }),
    /connects over 127\.0\.0\.1/
  );
  // A secret on loopback is honoured: the port then speaks TLS-PSK too.
  assert.ok(sidecarLinkKey({ ...base, grpcSecret: SECRET, standalone: true, grpcAddress: '127.0.0.1:10001' }));
});

test('a stranger knocking in a loop gets one log line, not one per attempt; a port probe none', async (t) => {
  const out = new PassThrough();
  let logged = '';
  out.on('data', (d) => (logged += d));
  const front = await startPskFront({
    host: '127.0.0.1',
    port: 0,
    key: linkKey(SECRET),
    log: createLogger('info', out),
    onConnection: () => assert.fail('no connection may get through without the secret'),
  });
  t.after(() => front.close());
  const knock = (payload: string | null) =>
    new Promise<void>((resolve) => {
      const s = connect(front.port, '127.0.0.1', () => (payload === null ? s.end() : s.write(payload)));
      s.on('data', () => undefined);
      s.on('error', () => undefined);
      s.on('close', () => resolve());
    });
  await knock(null); // a health check's TCP probe: connects and leaves
  for (let i = 0; i < 5; i++) {
    await knock('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  }
  const warnings = logged.split('\n').filter((l) => l.includes('did not prove the shared secret'));
  assert.equal(warnings.length, 1, logged);
  assert.match(warnings[0]!, /"remote":"127\.0\.0\.1:\d+"/);
});

test('link errors in words: a wrong key, a plain sidecar, nobody listening', () => {
  const r = '10.0.0.2:10001';
  assert.match(linkErrorMessage({ code: 'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC' } as any, r), /refused the key/);
  assert.match(linkErrorMessage({ code: 'ERR_SSL_SSL/TLS_ALERT_BAD_RECORD_MAC' } as any, r), /refused the key/);
  assert.match(linkErrorMessage({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' } as any, r), /without the link's TLS/);
  assert.match(linkErrorMessage({ code: 'ECONNREFUSED' } as any, r), /nothing listens at 10\.0\.0\.2:10001/);
});
