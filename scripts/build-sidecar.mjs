// Bundles the Node sidecar into dist/datasource/ (the datasource nested in the app): one ESM file
// plus the .proto files, the gpx_tapo_linux_{amd64,arm64} launchers and, beside
// them, the relay (tapo-relay.mjs) the launcher runs in locator mode with a gRPC link secret. The result
// needs only a node binary (v22.13+) on the host: no compiler, no npm install.
import { build } from 'esbuild';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The datasource is nested in the app: dist/ is the app's folder, dist/datasource/ the datasource's.
const pluginDir = join(root, 'dist', 'datasource');
const out = join(pluginDir, 'sidecar');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const common = {
  bundle: true,
  platform: 'node',
  target: 'node22.13',
  format: 'esm',
  sourcemap: 'linked',
  legalComments: 'external',
  logLevel: 'warning',
  define: { 'process.env.TAPO_SIDECAR_VERSION': JSON.stringify(version) },
  // CommonJS dependencies inside an ESM bundle still call require() and read __dirname.
  banner: {
    js: [
      "import { createRequire as __tapoCreateRequire } from 'node:module';",
      "import { fileURLToPath as __tapoFileURLToPath } from 'node:url';",
      "import { dirname as __tapoDirname } from 'node:path';",
      'const require = __tapoCreateRequire(import.meta.url);',
      'const __filename = __tapoFileURLToPath(import.meta.url);',
      'const __dirname = __tapoDirname(__filename);',
    ].join('\n'),
  },
};
await build({ ...common, entryPoints: [join(root, 'sidecar', 'src', 'main.ts')], outfile: join(out, 'main.mjs') });
// The relay sits beside the launchers (the launcher runs $dir/tapo-relay.mjs); a .mjs, so it needs
// no package.json to be read as ESM.
const relay = join(pluginDir, 'tapo-relay.mjs');
await build({
  ...common,
  entryPoints: [join(root, 'sidecar', 'src', 'link', 'relay-main.ts')],
  outfile: relay,
  sourcemap: false,
  legalComments: 'none',
});
chmodSync(relay, 0o644);

cpSync(join(root, 'sidecar', 'proto'), join(out, 'proto'), { recursive: true });
writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module', version }, null, 2) + '\n');

const launcher = readFileSync(join(root, 'sidecar', 'launcher', 'gpx_tapo.sh'));
for (const arch of ['amd64', 'arm64']) {
  const file = join(pluginDir, `gpx_tapo_linux_${arch}`);
  writeFileSync(file, launcher);
  chmodSync(file, 0o755);
}
if (!existsSync(join(pluginDir, 'plugin.json'))) {
  console.warn('note: dist/datasource/plugin.json is missing: run the frontend build first (npm run build)');
}
console.log(`sidecar bundled into ${out}`);
