/**
 * Camera ownership between sources (issue 24), as the datasources see it: which of a datasource's
 * cameras another source lists too, in words, for Save & test and the config editor. Who holds
 * each camera is kept in the data dir (written atomically, only when it changed), so a restart
 * does not hand a camera to whichever datasource happens to resume first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomicSync } from '../atomic-file.ts';
import type { Fleet } from '../fleet/index.ts';
import type { CameraOwnership } from '../../../src/shared/query.ts';

const DATASOURCE = 'datasource:';

export class CameraOwnershipRecord {
  private readonly file: string;
  /** Datasource names from their settings, for the words. */
  private readonly names = new Map<string, string>();
  private saved = '';
  private failing = false;

  constructor(
    private readonly deps: { fleet: Fleet; dataDir: string; log: Logger },
    fileName = 'camera-holders.json'
  ) {
    this.file = join(deps.dataDir, fileName);
  }

  named(source: string, name: string | undefined): void {
    if (name) {
      this.names.set(source, name.slice(0, 200));
    }
  }

  /** Hands the holders saved before a restart to the fleet (before any source is applied). */
  restore(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error('not an object');
      }
      const holders = Object.fromEntries(
        Object.entries(parsed as Record<string, unknown>).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && e[0].length <= 600
        )
      );
      this.deps.fleet.restoreCameraHolders(holders);
      this.saved = JSON.stringify(holders);
    } catch {
      this.deps.log.warn(
        { file: this.file },
        'the saved camera holders are not readable; the first to list a camera gets it'
      );
    }
  }

  /** Saves who holds what when it changed; never throws (a full disk is logged once). */
  persist(): void {
    const text = JSON.stringify(this.deps.fleet.cameraHolders());
    if (text === this.saved) {
      return;
    }
    try {
      writeFileAtomicSync(this.file, text);
      this.saved = text;
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.deps.log.error(
          { file: this.file, code: (err as NodeJS.ErrnoException).code ?? 'error' },
          'the camera holders could not be saved: after a restart the first datasource to resume gets a shared camera'
        );
      }
    }
  }

  /** The cameras of `source` that another source lists too, in words. */
  of(source: string): CameraOwnership[] {
    const out: CameraOwnership[] = [];
    for (const c of this.deps.fleet.ownershipConflicts()) {
      if (c.source === source) {
        const other = this.describe(c.heldBy);
        const why =
          c.heldBy === 'yaml'
            ? 'which comes before any datasource'
            : 'which had it first and keeps it until it drops it';
        out.push({
          cameraId: c.cameraId,
          role: 'lost',
          other,
          message: `polled by ${other} (${why}), not by this datasource: remove it from one of the two`,
        });
      } else if (c.heldBy === source) {
        const other = this.describe(c.source);
        out.push({
          cameraId: c.heldAs,
          role: 'kept',
          other,
          message: `also listed by ${other}, which does not poll it: this datasource had it first and keeps it`,
        });
      }
    }
    return out;
  }

  private describe(source: string): string {
    if (source === 'yaml') {
      return "the sidecar's YAML file";
    }
    if (source === 'demo') {
      return 'the demo fleet';
    }
    if (source.startsWith(DATASOURCE)) {
      const name = this.names.get(source);
      return name ? `datasource "${name}"` : `the datasource with uid ${source.slice(DATASOURCE.length)}`;
    }
    return source.startsWith('hub:') ? `hub "${source.slice(4)}"` : source;
  }
}
