/**
 * The persisted camera lists as the app uses them. The list is a convenience (cameras resume
 * before Grafana calls after a restart), so a write that fails (a full disk) is logged once, and
 * once more when writing works again, and never stops cameras or fails a call.
 */
import type { Logger } from 'pino';
import type { CameraConfig } from '../config/types.ts';
import { CameraListStore, type ResumedSource } from '../config/persist.ts';

export class SavedCameraLists {
  private readonly lists: CameraListStore;
  private failing = false;

  constructor(
    dataDir: string,
    private readonly log: Logger
  ) {
    this.lists = new CameraListStore({ dataDir });
  }

  load(): Promise<ResumedSource[]> {
    return this.lists.load();
  }

  /** Writes a source's cameras; never throws. */
  save(source: string, cameras: CameraConfig[], meta?: { updatedMs?: number; seenAt?: number }): Promise<void> {
    return this.persist(this.lists.save(source, cameras, meta));
  }

  /** Writes when Grafana last called for a source; never throws. */
  touch(source: string, seenAt: number): Promise<void> {
    return this.persist(this.lists.touch(source, seenAt));
  }

  private async persist(write: Promise<void>): Promise<void> {
    try {
      await write;
      if (this.failing) {
        this.failing = false;
        this.log.info('the camera list is saved again');
      }
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.log.error(
          { file: this.lists.file, code: (err as NodeJS.ErrnoException).code ?? 'error' },
          'the camera list could not be saved (disk full?): cameras keep running, but a restart waits for Grafana'
        );
      }
    }
  }
}
