/**
 * Writes a small file atomically: a temp file next to it, then rename. On any failure (a full
 * disk, an I/O error) the temp file is removed before the error is thrown, so a failed write
 * never leaves a 0-byte or half-written file behind and the old file stays as it was.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const tmpOf = (file: string) => `${file}.${process.pid}.tmp`;

export function writeFileAtomicSync(file: string, data: string | Buffer, mode = 0o600): void {
  const tmp = tmpOf(file);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = tmpOf(file);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, data, { mode });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
