/** The sidecar launched as go-plugin launches it: handshake first, refusal without a host, Shutdown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, pluginClients } from '../helpers/grpc-client.ts';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

function start(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--no-demo', ...args], {
    env: { PATH: process.env.PATH ?? '', TAPO_DATA_DIR: mkdtempSync(join(tmpdir(), 'tapo-launch-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        resolve(stdout.slice(0, nl));
      }
    });
    child.on('exit', () => reject(new Error(`exited before a handshake; stderr: ${stderr}`)));
  });
  firstLine.catch(() => undefined); // only some tests wait for a handshake
  return { child, exited, firstLine, out: () => stdout, err: () => stderr };
}

test('started by hand without the magic cookie, it says why on stderr and exits 1', async () => {
  const p = start({});
  assert.equal(await p.exited, 1);
  assert.equal(p.out(), '', 'nothing on stdout');
  const line = JSON.parse(p.err().trim().split('\n').pop()!);
  assert.equal(line['@level'], 'error');
  assert.match(line['@message'], /grafana_plugin_type=datasource is missing/);
});

test('a host offering only protocol version 1 is refused', async () => {
  const p = start({ grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '1' });
  assert.equal(await p.exited, 1);
  assert.match(p.err(), /speaks 2/);
});

test('the first stdout line is the handshake; Shutdown ends the process promptly', async () => {
  const p = start({ grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2' });
  const line = await p.firstLine;
  const m = /^1\|2\|tcp\|127\.0\.0\.1:(\d+)\|grpc$/.exec(line);
  assert.ok(m, `handshake line: ${line}`);
  const clients = pluginClients(`127.0.0.1:${m[1]}`);
  const health: any = await call(clients.health, 'Check', { service: 'plugin' });
  assert.equal(health.status, 'SERVING');
  // Logs are hclog JSON lines on stderr.
  for (const l of p.err().trim().split('\n').filter(Boolean)) {
    const j = JSON.parse(l);
    assert.ok(j['@level'] && j['@message'] && j['@timestamp'], l);
  }
  await call(clients.controller, 'Shutdown', {});
  assert.equal(await p.exited, 0);
  for (const c of Object.values(clients)) {
    c.close();
  }
});

test('standalone mode needs no cookie, prints no handshake and ignores a host Shutdown', async () => {
  const p = start({}, ['--standalone', '--grpc', '127.0.0.1:0']);
  // Standalone logs where it listens; read the port from the log line.
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /"grpc":"127\.0\.0\.1:(\d+)"/.exec(p.err());
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 20);
    p.child.on('exit', () => {
      clearInterval(timer);
      reject(new Error(p.err()));
    });
  });
  const clients = pluginClients(`127.0.0.1:${port}`);
  await call(clients.controller, 'Shutdown', {});
  const health: any = await call(clients.health, 'Check', { service: 'plugin' });
  assert.equal(health.status, 'SERVING', 'still serving after a host Shutdown');
  assert.equal(p.out(), '');
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  for (const c of Object.values(clients)) {
    c.close();
  }
});

test('an HTTP API that cannot start (no token off loopback) is logged; gRPC keeps serving', async () => {
  const p = start({}, ['--standalone', '--grpc', '127.0.0.1:0', '--http', '0.0.0.0:0']);
  const logged = await new Promise<string>((resolve, reject) => {
    p.child.stderr.on('data', () => {
      const line = p
        .err()
        .split('\n')
        .find((l) => l.includes('the HTTP API did not start'));
      if (line) {
        resolve(line);
      }
    });
    p.child.on('exit', () => reject(new Error(p.err())));
  });
  assert.match(JSON.parse(logged).error, /bearer token/);
  const port = Number(/"grpc":"127\.0\.0\.1:(\d+)"/.exec(p.err())![1]);
  const clients = pluginClients(`127.0.0.1:${port}`);
  const health: any = await call(clients.health, 'Check', { service: 'plugin' });
  assert.equal(health.status, 'SERVING');
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  for (const c of Object.values(clients)) {
    c.close();
  }
});
