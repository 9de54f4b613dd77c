/** The published login v4 (TPAP) test vectors, kept as a fixture in the repository (source in its README). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const VECTORS = fileURLToPath(new URL('../fixtures/reference/tpap-vectors.json', import.meta.url));

export function tpapVectors(): Record<string, unknown> {
  return JSON.parse(readFileSync(VECTORS, 'utf8')) as Record<string, unknown>;
}
