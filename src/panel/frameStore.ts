/**
 * Keeps the latest picture per camera as an object URL (revoking old ones) and tells React when a tile's view
 * changes.
 */
import type { ImageSource, TileFrame } from './frames';

/** What the store needs from `URL`; injectable so tests can count creations and releases. */
export interface ObjectUrlApi {
  createObjectURL(blob: Blob): string;
  revokeObjectURL(url: string): void;
}

export interface TileView extends TileFrame {
  /** What an <img> shows: an object URL we own, or the source's own URL. */
  imageUrl?: string;
  /** Why there is no picture, e.g. a frame that is not valid base64. */
  imageError?: string;
}

interface Entry {
  signature: string;
  imageUrl?: string;
  /** Set when imageUrl is an object URL this store created and must revoke. */
  ownsUrl: boolean;
  imageError?: string;
  shownTime?: number;
  acceptedAt: number;
}

/** Cheap identity of a picture: enough to skip re-decoding the same frame on every render. */
function signature(image: ImageSource | undefined, time: number | undefined): string {
  if (!image) {
    return `none|${time}`;
  }
  if (image.kind === 'url') {
    return `url|${image.url}`;
  }
  const d = image.data;
  return `b64|${time}|${d.length}|${d.slice(0, 24)}|${d.slice(-96)}`;
}

function base64ToBlob(data: string, mime: string): Blob {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return new Blob([bytes], { type: mime });
}

/**
 * A replace buffer: one picture per camera, the latest. Decoding a new frame revokes the object URL
 * of the one it replaces, cameras that leave the data are released, and dispose() releases all, so
 * a panel left open for days holds at most one picture per camera.
 *
 * It is also an external store for useSyncExternalStore: push() applies data, a frame held back by
 * maxFps is applied when its turn comes (a timer), and subscribers hear about every change.
 */
export class FrameStore {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private snapshot: TileView[] = [];
  private last: { tiles: TileFrame[]; maxFps: number } = { tiles: [], maxFps: 0 };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDue = Infinity;

  constructor(
    private readonly urls: ObjectUrlApi = URL,
    private readonly clock: () => number = () => Date.now()
  ) {}

  /** Number of cameras held. */
  get size(): number {
    return this.entries.size;
  }

  /** Object URLs currently alive (created and not yet revoked). */
  get liveObjectUrls(): number {
    let n = 0;
    this.entries.forEach((e) => (n += e.ownsUrl ? 1 : 0));
    return n;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): TileView[] => this.snapshot;

  /** Applies the data and tells subscribers; a held-back frame is applied later by a timer. */
  push(tiles: TileFrame[], maxFps = 0): void {
    this.last = { tiles, maxFps };
    this.snapshot = this.update(tiles, maxFps);
    this.listeners.forEach((l) => l());
  }

  /**
   * Applies the cameras' latest frames and returns the views. With maxFps > 0 a camera's picture
   * changes at most that often (a little slack so a source at exactly that rate is not halved);
   * the status still updates, and the held-back frame is due when the gap has passed.
   */
  update(tiles: TileFrame[], maxFps = 0): TileView[] {
    const now = this.clock();
    const minGapMs = maxFps > 0 ? (1000 / maxFps) * 0.8 : 0;
    let due = Infinity;
    const seen = new Set<string>();
    const views = tiles.map((tile) => {
      seen.add(tile.key);
      const sig = signature(tile.image, tile.time);
      let entry = this.entries.get(tile.key);
      const throttled = entry?.imageUrl !== undefined && now - entry.acceptedAt < minGapMs;
      if (!entry || (entry.signature !== sig && !throttled)) {
        entry = this.replace(tile, sig, now, entry);
      } else if (entry.signature !== sig) {
        due = Math.min(due, entry.acceptedAt + minGapMs);
      }
      return { ...tile, time: entry.shownTime, imageUrl: entry.imageUrl, imageError: entry.imageError };
    });
    for (const key of Array.from(this.entries.keys())) {
      if (!seen.has(key)) {
        this.release(key);
      }
    }
    this.schedule(due, now);
    return views;
  }

  dispose(): void {
    this.schedule(Infinity, 0);
    for (const key of Array.from(this.entries.keys())) {
      this.release(key);
    }
    this.snapshot = [];
  }

  private schedule(due: number, now: number): void {
    if (due === this.timerDue) {
      return;
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.timerDue = due;
    if (due !== Infinity) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.timerDue = Infinity;
          this.push(this.last.tiles, this.last.maxFps);
        },
        Math.max(0, due - now)
      );
    }
  }

  private replace(tile: TileFrame, sig: string, now: number, previous: Entry | undefined): Entry {
    const entry: Entry = { signature: sig, ownsUrl: false, shownTime: tile.time, acceptedAt: now };
    if (tile.image?.kind === 'url') {
      entry.imageUrl = tile.image.url;
    } else if (tile.image?.kind === 'base64') {
      try {
        entry.imageUrl = this.urls.createObjectURL(base64ToBlob(tile.image.data, tile.image.mime));
        entry.ownsUrl = true;
      } catch {
        entry.imageError = 'The frame is not valid base64';
      }
    }
    if (previous?.ownsUrl && previous.imageUrl) {
      this.urls.revokeObjectURL(previous.imageUrl);
    }
    this.entries.set(tile.key, entry);
    return entry;
  }

  private release(key: string): void {
    const entry = this.entries.get(key);
    if (entry?.ownsUrl && entry.imageUrl) {
      this.urls.revokeObjectURL(entry.imageUrl);
    }
    this.entries.delete(key);
  }
}
