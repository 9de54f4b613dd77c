// `npm run demo`: install if needed, build, and run the sidecar standalone. With no camera
// configured it starts the simulated demo fleet. Extra arguments go to the sidecar.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (args) => {
  const r = spawnSync(npm, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.exit(r.status ?? 1);
  }
};

if (!existsSync(join(root, 'node_modules'))) {
  run(['ci', '--no-audit', '--no-fund']);
}
if (!process.argv.includes('--no-build')) {
  run(['run', 'build']);
}
const args = process.argv.slice(2).filter((a) => a !== '--no-build');
const main = join(root, 'dist', 'datasource', 'sidecar', 'main.mjs');
const defaults = [
  '--standalone',
  '--grpc',
  '127.0.0.1:10001',
  '--http',
  '127.0.0.1:8080',
  '--no-auth',
  '--data-dir',
  join(root, '.data'),
];
console.error(`\nTapo sidecar demo: gRPC 127.0.0.1:10001, status page http://127.0.0.1:8080/ (Ctrl-C stops)\n`);
const child = spawn(process.execPath, [main, ...defaults, ...args], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => child.kill(sig));
}
child.on('exit', (code) => process.exit(code ?? 0));
