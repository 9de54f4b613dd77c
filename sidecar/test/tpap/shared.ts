/** Where the team's shared notes and peer tools are: `../shared` beside the repository (CI), or one level higher (a git worktree). */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export function sharedDir(): string {
  const candidates = [process.env.CAMWATCH_SHARED_DIR, join(repo, '..', 'shared'), join(repo, '..', '..', 'shared')];
  for (const c of candidates) {
    if (c && existsSync(join(c, 'notes', 'reference-data', 'tpap-vectors.json'))) {
      return c;
    }
  }
  throw new Error(`shared/ (notes and peer tools) not found beside the repository at ${repo}; set CAMWATCH_SHARED_DIR`);
}

export function tpapVectors(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(sharedDir(), 'notes', 'reference-data', 'tpap-vectors.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}
