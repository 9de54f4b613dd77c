/**
 * The recordings a dashboard asks for, cached per camera and day so that a refresh never floods a
 * camera: a past day's clips are kept for minutes (only loop recording changes them), today's for
 * a minute; the days with video and the camera's zone likewise. Requests for the same thing while
 * one is under way share it, and a camera's searches run one at a time (its client's queue).
 */
import { createHash } from 'node:crypto';
import { addDays, dayOf } from '../util/zoned-day.ts';
import { RecordingsSearch, type RecordingClip, type RecordingsApi } from './recordings.ts';

export interface RecordingsIndexOptions {
  /** How long today's answers are kept (default 60 s). */
  todayTtlMs?: number;
  /** How long a past day's answers are kept (default 10 min). */
  pastTtlMs?: number;
  /** The camera's zone is asked again after this long (default 1 h). */
  zoneTtlMs?: number;
  /** Entries kept at most (oldest dropped first). */
  maxEntries?: number;
  now?: () => number;
}

export interface CameraRecordings {
  /** The camera's IANA zone (its days are named in it). */
  zone: string;
  /** Clips overlapping the range, oldest first. */
  clips: RecordingClip[];
  /** Camera-local days the range covered. */
  days: string[];
}

interface Entry<T> {
  value: Promise<T>;
  expires: number;
  /** When it was asked (a clip the camera closed later is not in it). */
  asked: number;
}

export interface ClipsOptions {
  /** Only answers asked at or after this time (epoch ms) will do: for an event whose clip may have been closed since. */
  askedSince?: number;
}

/** A stable 32-hex player id per camera (playback-v6 cameras want one; the app's is a UUID). */
export function playerIdOf(cameraId: string): string {
  return createHash('md5').update(`camwatch-player:${cameraId}`).digest('hex').toUpperCase();
}

export class RecordingsIndex {
  private readonly cache = new Map<string, Entry<unknown>>();
  private readonly searches = new WeakMap<RecordingsApi, RecordingsSearch>();
  private readonly todayTtl: number;
  private readonly pastTtl: number;
  private readonly zoneTtl: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Searches sent to cameras (each a request), for tests and metrics. */
  searchesSent = 0;

  constructor(
    /** The camera's connected client; throws when it has none. */
    private readonly apiOf: (cameraId: string) => RecordingsApi,
    opts: RecordingsIndexOptions = {}
  ) {
    this.todayTtl = opts.todayTtlMs ?? 60_000;
    this.pastTtl = opts.pastTtlMs ?? 600_000;
    this.zoneTtl = opts.zoneTtlMs ?? 3_600_000;
    this.maxEntries = opts.maxEntries ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  /** The clips overlapping [fromMs, toMs], read day by day in the camera's zone. */
  async clips(
    cameraId: string,
    fromMs: number,
    toMs: number,
    maxDays: number,
    opts: ClipsOptions = {}
  ): Promise<CameraRecordings> {
    const since = opts.askedSince ?? -Infinity;
    const search = this.searchOf(cameraId);
    const zone = await this.cached(`${cameraId}|zone`, this.zoneTtl, () => this.count(search.zone()));
    const first = dayOf(zone, Math.floor(fromMs / 1000));
    const last = dayOf(zone, Math.floor(toMs / 1000));
    const today = dayOf(zone, Math.floor(this.now() / 1000));
    const days: string[] = [];
    for (let d = first; d <= last && days.length < maxDays; d = addDays(d, 1)) {
      days.push(d);
    }
    const lastAsked = days[days.length - 1] ?? first;
    const ttl = (d: string) => (d >= today ? this.todayTtl : this.pastTtl);
    const withVideo = new Set(
      await this.cached(
        `${cameraId}|days|${first}|${lastAsked}`,
        ttl(lastAsked),
        () => this.count(search.days(first, lastAsked)),
        since
      )
    );
    const clips: RecordingClip[] = [];
    for (const d of days.filter((x) => withVideo.has(x))) {
      const ofDay = await this.cached(
        `${cameraId}|clips|${d}`,
        ttl(d),
        () => this.count(search.clipsOfDay(d, zone)),
        since
      );
      clips.push(...ofDay.filter((c) => c.end * 1000 >= fromMs && c.start * 1000 <= toMs));
    }
    return { zone, clips, days };
  }

  /** Forgets a camera's answers (its card was changed, or it was removed). */
  forget(cameraId: string): void {
    for (const k of [...this.cache.keys()]) {
      if (k.startsWith(`${cameraId}|`)) {
        this.cache.delete(k);
      }
    }
  }

  private searchOf(cameraId: string): RecordingsSearch {
    const api = this.apiOf(cameraId);
    let s = this.searches.get(api);
    if (!s) {
      s = new RecordingsSearch(api, playerIdOf(cameraId));
      this.searches.set(api, s);
    }
    return s;
  }

  private count<T>(p: Promise<T>): Promise<T> {
    this.searchesSent++;
    return p;
  }

  private cached<T>(key: string, ttlMs: number, load: () => Promise<T>, askedSince = -Infinity): Promise<T> {
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now && hit.asked >= askedSince) {
      return hit.value as Promise<T>;
    }
    const value = load();
    this.cache.set(key, { value, expires: now + ttlMs, asked: now });
    // A failure is not kept: the next refresh asks again (the card may be back).
    value.catch(() => {
      if (this.cache.get(key)?.value === value) {
        this.cache.delete(key);
      }
    });
    while (this.cache.size > this.maxEntries) {
      this.cache.delete(this.cache.keys().next().value!);
    }
    return value;
  }
}
