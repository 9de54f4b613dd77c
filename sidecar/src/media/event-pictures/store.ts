/**
 * The event pictures on disk (`<data-dir>/event-pictures/`): one JPEG and an optional thumbnail per
 * event, named by the event's id (16 hex digits, so no name can leave the folder), and an index
 * file. Bounded by size and age: before a picture is written the oldest go until it fits, so the
 * folder never holds more than the bound. A write that fails (a full disk, a read-only folder) is
 * "no picture" for that event, logged, and never thrown: polling and history go on.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { EVENT_ID_PATTERN, EVENT_PICTURE_LIMITS, type EventKind } from '../../../../src/shared/query.ts';
import { writeFileAtomic } from '../../atomic-file.ts';

export interface EventPictureMeta {
  id: string;
  cameraId: string;
  /** The event's start, epoch ms. */
  start: number;
  kind: EventKind;
  /** When the picture was stored, epoch ms (the age bound counts from here). */
  stored: number;
  width: number;
  height: number;
  /** Bytes on disk: the picture and its thumbnail. */
  bytes: number;
  thumbnail: boolean;
}

export interface EventPictureInput {
  id: string;
  cameraId: string;
  start: number;
  kind: EventKind;
  picture: { jpeg: Buffer; width: number; height: number };
  thumbnail: Buffer | null;
}

/** File writes and removals, replaceable in tests (a full disk) — production uses node:fs. */
export interface PictureFiles {
  write(file: string, data: Buffer | string): Promise<void>;
  remove(file: string): Promise<void>;
}

export interface EventPictureStoreOptions {
  dir: string;
  log: Logger;
  maxBytes?: number;
  maxAgeMs?: number;
  files?: PictureFiles;
  now?: () => number;
}

const INDEX = 'index.json';
const DAY = 86_400_000;
const pictureFile = (id: string) => `${id}.jpg`;
const thumbFile = (id: string) => `${id}.thumb.jpg`;

const nodeFiles: PictureFiles = {
  write: (file, data) => writeFileAtomic(file, data),
  remove: (file) => rm(file, { force: true }),
};

export class EventPictureStore {
  /** Oldest first (insertion order). */
  private readonly index = new Map<string, EventPictureMeta>();
  private total = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private indexTimer: NodeJS.Timeout | null = null;
  private lastFailureLog = 0;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  private readonly files: PictureFiles;
  private readonly now: () => number;
  /** Counters for /metrics and tests. */
  readonly stats = { stored: 0, evicted: 0, failed: 0, tooLarge: 0 };

  private constructor(private readonly opts: EventPictureStoreOptions) {
    this.maxBytes = Math.max(EVENT_PICTURE_LIMITS.maxBytes.min, opts.maxBytes ?? EVENT_PICTURE_LIMITS.maxBytes.default);
    this.maxAgeMs = Math.max(
      EVENT_PICTURE_LIMITS.maxAgeDays.min * DAY,
      opts.maxAgeMs ?? EVENT_PICTURE_LIMITS.maxAgeDays.default * DAY
    );
    this.files = opts.files ?? nodeFiles;
    this.now = opts.now ?? Date.now;
  }

  /** Opens the folder: reads the index, drops entries whose file is gone and files no entry names. */
  static async open(opts: EventPictureStoreOptions): Promise<EventPictureStore> {
    const s = new EventPictureStore(opts);
    await s.load();
    return s;
  }

  private async load(): Promise<void> {
    const dir = this.opts.dir;
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch {
      return; // no folder yet: the first picture makes it
    }
    let entries: EventPictureMeta[] = [];
    try {
      const parsed: unknown = JSON.parse(await readFile(join(dir, INDEX), 'utf8'));
      entries = Array.isArray(parsed) ? parsed.filter(isMeta) : [];
    } catch {
      entries = []; // a missing or broken index: the pictures it named are dropped below
    }
    const present = new Set(names);
    for (const e of entries.sort((a, b) => a.stored - b.stored)) {
      if (present.has(pictureFile(e.id)) && !this.index.has(e.id)) {
        this.index.set(e.id, e);
        this.total += e.bytes;
      }
    }
    const kept = new Set([INDEX, ...[...this.index.values()].flatMap((e) => [pictureFile(e.id), thumbFile(e.id)])]);
    await Promise.all(names.filter((n) => !kept.has(n)).map((n) => this.files.remove(join(dir, n)).catch(() => {})));
    await this.run(() => this.evict(0));
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  cameraOf(id: string): string | undefined {
    return this.index.get(id)?.cameraId;
  }

  meta(id: string): EventPictureMeta | undefined {
    return this.index.get(id);
  }

  usage(): { bytes: number; count: number } {
    return { bytes: this.total, count: this.index.size };
  }

  /**
   * Stores an event's picture, making room first. Resolves false when it was not stored (too
   * large for the bound, or the disk refused); never rejects.
   */
  put(input: EventPictureInput): Promise<boolean> {
    return this.run(async () => {
      if (!EVENT_ID_PATTERN.test(input.id)) {
        throw new Error(`not an event id: ${JSON.stringify(input.id).slice(0, 40)}`);
      }
      if (this.index.has(input.id)) {
        return true;
      }
      const bytes = input.picture.jpeg.length + (input.thumbnail?.length ?? 0);
      if (bytes > this.maxBytes) {
        this.stats.tooLarge++;
        return false;
      }
      await this.evict(bytes);
      const dir = this.opts.dir;
      try {
        await this.files.write(join(dir, pictureFile(input.id)), input.picture.jpeg);
        if (input.thumbnail) {
          await this.files.write(join(dir, thumbFile(input.id)), input.thumbnail);
        }
      } catch (err) {
        this.stats.failed++;
        await this.files.remove(join(dir, pictureFile(input.id))).catch(() => {});
        this.failure(err as Error);
        return false;
      }
      this.index.set(input.id, {
        id: input.id,
        cameraId: input.cameraId,
        start: input.start,
        kind: input.kind,
        stored: this.now(),
        width: input.picture.width,
        height: input.picture.height,
        bytes,
        thumbnail: input.thumbnail !== null,
      });
      this.total += bytes;
      this.stats.stored++;
      this.saveIndexSoon();
      return true;
    }).catch((err: unknown) => {
      this.opts.log.warn({ err: (err as Error).message }, 'event picture refused');
      return false;
    });
  }

  /** The picture or thumbnail of an event, or null when there is none. */
  async read(id: string, which: 'picture' | 'thumbnail'): Promise<Buffer | null> {
    const meta = EVENT_ID_PATTERN.test(id) ? this.index.get(id) : undefined;
    if (!meta || (which === 'thumbnail' && !meta.thumbnail)) {
      return null;
    }
    try {
      return await readFile(join(this.opts.dir, which === 'picture' ? pictureFile(id) : thumbFile(id)));
    } catch {
      return null; // evicted meanwhile
    }
  }

  /** Removes pictures older than the age bound (also done before every write). */
  sweep(): Promise<void> {
    return this.run(() => this.evict(0));
  }

  /** Writes the index now (pending pictures are in it) and stops the timer. */
  async close(): Promise<void> {
    if (this.indexTimer) {
      clearTimeout(this.indexTimer);
      this.indexTimer = null;
    }
    await this.run(() => this.saveIndex());
  }

  /** Serialises writes and evictions, so the byte count is exact and the bound holds. */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Drops the oldest until `incoming` more bytes fit, and everything older than the age bound. */
  private async evict(incoming: number): Promise<void> {
    const oldest = this.now() - this.maxAgeMs;
    let dropped = 0;
    for (const e of this.index.values()) {
      if (this.total + incoming <= this.maxBytes && e.stored >= oldest) {
        break;
      }
      this.index.delete(e.id);
      this.total -= e.bytes;
      this.stats.evicted++;
      dropped++;
      const dir = this.opts.dir;
      await Promise.all([
        this.files.remove(join(dir, pictureFile(e.id))),
        this.files.remove(join(dir, thumbFile(e.id))),
      ]).catch((err: unknown) => this.failure(err as Error));
    }
    if (dropped > 0) {
      this.saveIndexSoon();
    }
  }

  private saveIndexSoon(): void {
    if (this.indexTimer) {
      return;
    }
    this.indexTimer = setTimeout(() => {
      this.indexTimer = null;
      void this.run(() => this.saveIndex());
    }, 500);
    this.indexTimer.unref();
  }

  private async saveIndex(): Promise<void> {
    try {
      await this.files.write(join(this.opts.dir, INDEX), JSON.stringify([...this.index.values()]));
    } catch (err) {
      this.failure(err as Error);
    }
  }

  /** At most one log line a minute: a full disk during an event storm must not flood the log. */
  private failure(err: Error): void {
    const now = this.now();
    if (now - this.lastFailureLog >= 60_000) {
      this.lastFailureLog = now;
      this.opts.log.warn(
        { err: err.message, code: (err as NodeJS.ErrnoException).code },
        'event pictures could not be written: events go on without pictures'
      );
    }
  }
}

function isMeta(v: unknown): v is EventPictureMeta {
  const m = v as EventPictureMeta;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.id === 'string' &&
    EVENT_ID_PATTERN.test(m.id) &&
    typeof m.cameraId === 'string' &&
    Number.isFinite(m.start) &&
    Number.isFinite(m.stored) &&
    Number.isFinite(m.bytes) &&
    m.bytes >= 0
  );
}
