// Packs each built plugin as the catalog and `grafana cli --pluginUrl` expect: one zip per plugin,
// whose single top folder is named after the plugin id. The app (dist/, with the datasource and
// panel nested in it) is the one to install; the nested plugins also get a zip of their own for
// those who install them apart, with the project's CHANGELOG and LICENSE added (the catalog asks
// every plugin zip for them; in the app they sit once, at its root). A nested folder that carries
// a MANIFEST.txt of its own is packed as it is, so that its signature still covers every file.
// Writes dist-zip/<id>-<version>.zip and a .sha1 beside each.
// Run after `npm run build` (and after signing, if the build is signed).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(root, 'dist-zip');

if (!existsSync(join(dist, 'plugin.json'))) {
  console.error('dist/plugin.json is missing: run npm run build first');
  process.exit(1);
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const app = readJson(join(dist, 'plugin.json'));
const nested = readdirSync(dist, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(dist, d.name, 'plugin.json')))
  .map((d) => ({ dir: join(dist, d.name), json: readJson(join(dist, d.name, 'plugin.json')) }));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

function pack(dir, json, extras = []) {
  const stage = mkdtempSync(join(tmpdir(), 'tapo-zip-'));
  try {
    // The zip's top folder is the plugin id, as Grafana's installer and the catalog require.
    cpSync(dir, join(stage, json.id), { recursive: true });
    const signed = existsSync(join(dir, 'MANIFEST.txt'));
    for (const file of signed ? [] : extras) {
      if (!existsSync(join(stage, json.id, file))) {
        cpSync(join(dist, file), join(stage, json.id, file));
      }
    }
    const zip = join(out, `${json.id}-${json.info.version}.zip`);
    execFileSync('zip', ['-qr', '-X', zip, json.id], { cwd: stage, stdio: 'inherit' });
    const sha1 = createHash('sha1').update(readFileSync(zip)).digest('hex');
    writeFileSync(`${zip}.sha1`, `${sha1}\n`);
    console.log(`${zip} (sha1 ${sha1})`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

pack(dist, app);
for (const p of nested) {
  pack(p.dir, p.json, ['CHANGELOG.md', 'LICENSE']);
}
