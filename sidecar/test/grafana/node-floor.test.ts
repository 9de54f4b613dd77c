/**
 * The oldest Node the sidecar runs on (22.13, node:sqlite unflagged): the sidecar, the relay and
 * the launcher refuse an older one with a clear message, and every place that states the floor
 * states the same one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIN_NODE, nodeVersionProblem } from '../../src/node-version.ts';

const sidecarDir = fileURLToPath(new URL('../..', import.meta.url));
const main = join(sidecarDir, 'src', 'main.ts');
const relay = join(sidecarDir, 'src', 'link', 'relay-main.ts');
const launcher = join(sidecarDir, 'launcher', 'gpx_tapo.sh');
const floor = `${MIN_NODE.major}.${MIN_NODE.minor}`;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapo-node-floor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `args` with this node and exits with the code, stdout and stderr. */
function run(cmd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** The last stderr line, which must be an hclog JSON line. */
const lastLogLine = (err: string) => JSON.parse(err.trim().split('\n').pop()!) as Record<string, string>;

test('nodeVersionProblem: 22.13 and later run; anything older is refused, naming both versions', () => {
  for (const ok of ['22.13.0', 'v22.23.3', '23.0.0', '24.9.0', '26.10.0', '100.0.0']) {
    assert.equal(nodeVersionProblem('the Tapo sidecar', ok), null, ok);
  }
  for (const old of ['20.19.5', 'v22.12.0', '22.5.1', '18.20.0', '21.99.0']) {
    const why = nodeVersionProblem('the Tapo sidecar', old);
    assert.ok(why, old);
    assert.match(
      why,
      new RegExp(`^the Tapo sidecar needs Node ${floor} or later; this is Node ${old.replace('v', '')}`)
    );
  }
});

// The version is what `process.versions.node` says: an older Node is played by redefining it
// before the entry point runs (the real one follows, when this machine has one).
const playOld = `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'20.19.5'})`;

for (const [who, entry] of [
  ['sidecar', main],
  ['relay', relay],
] as const) {
  test(`the ${who} on an older Node exits 1 with one log line saying what it needs`, async () => {
    const r = await run(process.execPath, ['--import', playOld, '--import', 'tsx', entry], {
      PATH: process.env.PATH ?? '',
    });
    assert.equal(r.code, 1);
    assert.equal(r.out, '', 'nothing on stdout (the handshake)');
    const line = lastLogLine(r.err);
    assert.equal(line['@level'], 'error');
    assert.match(
      line['@message']!,
      new RegExp(`^the Tapo ${who} needs Node ${floor} or later; this is Node 20\\.19\\.5`)
    );
  });
}

test("the sidecar on this machine's own older node, if it has one, refuses the same way", async (t) => {
  const old = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
    const v = spawnSync(p, ['--version'], { encoding: 'utf8' }).stdout?.trim();
    return v && nodeVersionProblem('x', v) !== null;
  });
  if (!old) {
    t.skip('no node older than the floor at /usr/bin or /usr/local/bin');
    return;
  }
  const r = await run(old, ['--import', 'tsx', main], { PATH: process.env.PATH ?? '' });
  assert.equal(r.code, 1);
  assert.match(lastLogLine(r.err)['@message']!, new RegExp(`needs Node ${floor} or later; this is Node `));
});

/** A stand-in node: answers --version with `version`, and says how it was run otherwise. */
function fakeNode(dir: string, version: string): string {
  const path = join(dir, `node-${version}`);
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = --version ]; then echo v${version}; else echo "ran $*"; fi\n`);
  chmodSync(path, 0o755);
  return path;
}

test('the launcher runs the sidecar with a node_path of 22.13 or later, and refuses an older one by name', async (t) => {
  const dir = tempDir(t);
  const env = (node: string) => ({ PATH: '/usr/bin:/bin', GF_PLUGIN_NODE_PATH: node });
  for (const version of ['22.13.0', '24.9.0', '26.0.0']) {
    const r = await run('sh', [launcher, '--standalone'], env(fakeNode(dir, version)));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), `ran ${join(sidecarDir, 'launcher', 'sidecar', 'main.mjs')} --standalone`, version);
  }
  for (const version of ['20.19.5', '22.12.0']) {
    const node = fakeNode(dir, version);
    const r = await run('sh', [launcher], env(node));
    assert.equal(r.code, 1, version);
    assert.equal(r.out, '', 'nothing on stdout: Grafana reads the handshake there');
    assert.equal(
      lastLogLine(r.err)['@message'],
      `node ${floor} or later is needed, and the only node found is too old: ${node} (${version}); install a current node, or set node_path in [plugin.camwatch-tapo-datasource] to one`
    );
  }
  const broken = join(dir, 'broken');
  writeFileSync(broken, '#!/bin/sh\nexit 3\n');
  chmodSync(broken, 0o755);
  const r = await run('sh', [launcher], env(broken));
  assert.equal(r.code, 1);
  assert.match(lastLogLine(r.err)['@message']!, new RegExp(`too old: ${broken} \\(does not run\\)`));
});

test('the launcher searching PATH and the usual places passes over an older node', async (t) => {
  const dir = tempDir(t);
  fakeNode(dir, '20.19.5');
  writeFileSync(join(dir, 'node'), readFileSync(join(dir, 'node-20.19.5')));
  chmodSync(join(dir, 'node'), 0o755);
  const r = await run('sh', [launcher], { PATH: `${dir}:/usr/bin:/bin` });
  // This machine's usual places decide what comes next: a recent node there runs (and finds no
  // bundle beside the launcher in the source tree), else the refusal names the old one.
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.out, /^ran /, 'not the old node on PATH');
  if (r.err.includes('only node found is too old')) {
    const message = lastLogLine(r.err)['@message']!;
    assert.match(message, new RegExp(`too old: ${join(dir, 'node')} \\(20\\.19\\.5\\)`));
    const named = [...message.matchAll(/(\/\S+) \(/g)].map((m) => m[1]);
    assert.equal(new Set(named).size, named.length, `each node named once: ${message}`);
  } else {
    assert.match(r.err, /Cannot find module .*launcher\/sidecar\/main\.mjs/);
  }
});

test('one floor everywhere: engines, the launcher and the bundle target', () => {
  const pkg = JSON.parse(readFileSync(join(sidecarDir, 'package.json'), 'utf8')) as { engines: { node: string } };
  assert.equal(pkg.engines.node, `>=${floor}`);
  const sh = readFileSync(launcher, 'utf8');
  assert.match(sh, new RegExp(`^min_major=${MIN_NODE.major}$`, 'm'));
  assert.match(sh, new RegExp(`^min_minor=${MIN_NODE.minor}$`, 'm'));
  const build = readFileSync(join(sidecarDir, '..', 'scripts', 'build-sidecar.mjs'), 'utf8');
  assert.match(build, new RegExp(`target: 'node${floor}'`));
});
