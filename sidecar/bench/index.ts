/**
 * `npm run bench`: every benchmark prints its figures (nothing is asserted). Run one with
 * `npm run bench -- grafana` (names: the files in this folder).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const names = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();

let failed = 0;
for (const name of names) {
  console.log(`\n### ${name}`);
  try {
    const mod = await import(join(here, `${name}.ts`));
    await mod.run();
  } catch (err) {
    failed++;
    console.log(`benchmark ${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
  }
}
process.exit(failed ? 1 : 0);
