/**
 * The simulated camera's SD card: what it recorded (segments with their event types) and the
 * playback searches that read it, in the shapes of the recordings fact sheet (§2–5):
 * `getUserID`, `searchDateWithVideo` (single-key `search_results_N` wrappers, camera-local days,
 * -71105 for a wide range or no card), `searchVideoOfDay` (legacy: `vedio_type` as an int),
 * `searchVideoWithUTC` (pages of at most 100, `to_be_continued`, `video_type` as a string) and
 * `searchDetectionList` (a flat list, `events_1` bitmask, `{}` when there is none).
 * Segments are made up as time passes (a seeded pattern of motion clips); tests set their own.
 */
import type { MethodAnswer } from './device.ts';
import { Prng } from './prng.ts';
import { dayOf, dayWindow, parseDay } from '../util/zoned-day.ts';

export type SdCardState = 'normal' | 'none' | 'full' | 'broken';

export interface RecordedSegment {
  /** UTC epoch seconds, inclusive. */
  start: number;
  end: number;
  /** The clip's recording type: 1 timing (continuous), 2 detection. */
  videoType: number;
  /** Event-type codes detected in it (sheet §5.1: 2 motion, 6 person, 8 vehicle, 9 pet, 17 ring ...). */
  events: number[];
  /** Its media cannot be read back (a corrupt file on the card): the stream ends at its start. */
  corrupt?: boolean;
  /** Only this share (0..1) of it is readable: the stream ends early (a clip cut by a power loss). */
  readable?: number;
}

export interface SdCardOptions {
  /** A card is in the slot (false: the state is 'none'). */
  present: boolean;
  /** The camera's IANA zone (its days are named in it). */
  zone?: string;
  seed?: number;
  /** Make up recordings this far back (default 3 days); 0: the card starts empty. */
  historyDays?: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const PLAYBACK_SEARCH_FAILED = -71105;
const INVALID_ARGS = -40209;
/** The widest day range one searchDateWithVideo answers (a wider one fails, as on a filled card). */
const MAX_DATE_RANGE_DAYS = 62;
const MAX_PAGE = 100;

const ok = (result: unknown = {}): MethodAnswer => ({ error_code: 0, result });
const fail = (code: number): MethodAnswer => ({ error_code: code });

/** An integer given as a number or as digits (the camera takes both for times). */
function int(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,12}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

export class SimulatedSdCard {
  state: SdCardState;
  /** The Tapo app is browsing this card (it holds the camera's one media session: others are refused). */
  heldByApp = false;
  readonly zone: string;
  private segs: RecordedSegment[] = [];
  private readonly prng: Prng;
  /** Made-up recordings reach up to here (epoch s); null: only what tests recorded. */
  private madeUpTo: number | null;

  constructor(opts: SdCardOptions) {
    this.state = opts.present ? 'normal' : 'none';
    this.zone = opts.zone ?? 'Europe/Berlin';
    this.prng = new Prng(opts.seed ?? 1);
    const days = opts.historyDays ?? 3;
    this.madeUpTo = days > 0 ? Math.floor(Date.now() / 1000) - days * 86_400 : null;
  }

  /** Adds a segment (tests); keeps the list in time order. Stops the made-up recordings. */
  record(seg: RecordedSegment): void {
    this.madeUpTo = null;
    this.segs.push({ ...seg, events: [...seg.events] });
    this.segs.sort((a, b) => a.start - b.start);
  }

  /**
   * The camera recorded a detection clip (an event it raised): kept beside the made-up ones, which
   * carry on after it. Nothing is written without a readable card.
   */
  recordDetection(seg: RecordedSegment): void {
    if (this.state !== 'normal' && this.state !== 'full') {
      return;
    }
    this.catchUp();
    this.segs.push({ ...seg, events: [...seg.events] });
    this.segs.sort((a, b) => a.start - b.start);
    if (this.madeUpTo !== null) {
      this.madeUpTo = Math.max(this.madeUpTo, seg.end);
    }
  }

  /** Forgets every recording (and stops making them up). */
  clear(): void {
    this.madeUpTo = null;
    this.segs = [];
  }

  /** Every segment, oldest first. */
  segments(): readonly RecordedSegment[] {
    this.catchUp();
    return this.segs;
  }

  /** Segments starting within [start, end] (epoch s), oldest first. */
  startingIn(start: number, end: number): RecordedSegment[] {
    return this.segments().filter((s) => s.start >= start && s.start <= end);
  }

  /** The segment playing at `t`, or the first after it (playback rolls on to the next recording). */
  segmentAtOrAfter(t: number): RecordedSegment | undefined {
    return this.segments().find((s) => s.end >= t);
  }

  /** Motion clips every 10–50 minutes, 10–90 s long, some with a person, vehicle or pet. */
  private catchUp(): void {
    if (this.madeUpTo === null) {
      return;
    }
    const until = Math.floor(Date.now() / 1000) - 60;
    let t = this.madeUpTo;
    while (t < until) {
      const start = t + this.prng.int(600, 3000);
      const end = start + this.prng.int(10, 90);
      if (end > until) {
        break;
      }
      const roll = this.prng.next();
      const extra = roll < 0.25 ? [6] : roll < 0.35 ? [8] : roll < 0.42 ? [9] : [];
      this.segs.push({ start, end, videoType: 2, events: [2, ...extra] });
      t = end;
    }
    this.madeUpTo = t;
  }

  /** Answers a playback method, or undefined when `method` is not one. */
  call(method: string, params: Json): MethodAnswer | undefined {
    switch (method) {
      case 'getUserID':
        return ok({ user_id: 1 });
      case 'searchDateWithVideo':
        return this.readable() ?? this.searchDates(params);
      case 'searchVideoOfDay':
        return this.readable() ?? this.searchOfDay(params);
      case 'searchVideoWithUTC':
        return this.readable() ?? this.searchWithUtc(params);
      case 'searchDetectionList':
        return this.readable() ?? this.searchDetections(params);
      default:
        return undefined;
    }
  }

  /** No card, or one the camera cannot read: every search fails with -71105 (HA #378). */
  private readable(): MethodAnswer | undefined {
    return this.state === 'none' || this.state === 'broken' ? fail(PLAYBACK_SEARCH_FAILED) : undefined;
  }

  private searchDates(p: Json): MethodAnswer {
    const q = isObj(p.playback) ? p.playback.search_year_utility : undefined;
    if (!isObj(q) || !Array.isArray(q.channel) || typeof q.start_date !== 'string' || typeof q.end_date !== 'string') {
      return fail(INVALID_ARGS);
    }
    const first = q.start_date;
    const last = q.end_date;
    const from = parseDay(first);
    const to = parseDay(last);
    if (!from || !to || first > last) {
      return fail(INVALID_ARGS);
    }
    const span = (Date.UTC(to.y, to.m - 1, to.d) - Date.UTC(from.y, from.m - 1, from.d)) / 86_400_000;
    const days = [...new Set(this.segments().map((s) => dayOf(this.zone, s.start)))].filter(
      (d) => d >= first && d <= last
    );
    if (span > MAX_DATE_RANGE_DAYS && days.length > 0) {
      return fail(PLAYBACK_SEARCH_FAILED); // a wide range on a filled card (the fix: month by month)
    }
    return ok({ playback: { search_results: days.map((date, i) => ({ [`search_results_${i + 1}`]: { date } })) } });
  }

  private searchOfDay(p: Json): MethodAnswer {
    const q = isObj(p.playback) ? p.playback.search_video_utility : undefined;
    const date = isObj(q) && typeof q.date === 'string' ? q.date : '';
    if (!isObj(q) || !parseDay(date)) {
      return fail(-71112); // a date the camera cannot read (pytapo #64)
    }
    const w = dayWindow(this.zone, date);
    const page = this.page(this.startingIn(w.start, w.end), q);
    if (!page) {
      return fail(INVALID_ARGS);
    }
    return ok({
      playback: {
        search_video_results: page.items.map((s, i) => ({
          [`search_video_results_${page.first + i + 1}`]: {
            startTime: s.start,
            endTime: s.end,
            vedio_type: s.videoType,
          },
        })),
        filter_enable: false,
      },
    });
  }

  private searchWithUtc(p: Json): MethodAnswer {
    const q = isObj(p.playback) ? p.playback.search_video_with_utc : undefined;
    if (!isObj(q) || (q.id === undefined && q.player_id === undefined)) {
      return fail(INVALID_ARGS);
    }
    const start = int(q.start_time);
    const end = int(q.end_time);
    if (start === null || end === null || end < start) {
      return fail(INVALID_ARGS);
    }
    const all = this.startingIn(start, end);
    const page = this.page(all, q);
    if (!page) {
      return fail(INVALID_ARGS);
    }
    return ok({
      playback: {
        search_video_results: page.items.map((s, i) => ({
          [`search_video_results_${page.first + i + 1}`]: {
            startTime: s.start,
            endTime: s.end,
            video_type: String(s.videoType),
          },
        })),
        to_be_continued: page.first + page.items.length < all.length ? 1 : 0,
      },
    });
  }

  private searchDetections(p: Json): MethodAnswer {
    const q = isObj(p.playback) ? p.playback.search_detection_list : undefined;
    if (!isObj(q)) {
      return fail(INVALID_ARGS);
    }
    const start = int(q.start_time);
    const end = int(q.end_time);
    if (start === null || end === null || end < start) {
      return fail(INVALID_ARGS);
    }
    const found = this.startingIn(start, end).filter((s) => s.events.length > 0);
    const page = this.page(found, q, 1000);
    if (!page) {
      return fail(INVALID_ARGS);
    }
    if (page.items.length === 0) {
      return ok({}); // a window without detections answers {} (sheet §5)
    }
    return ok({
      playback: {
        search_detection_list: page.items.map((s) => {
          const mask = s.events.reduce((m, code) => m + 2 ** (code - 1), 0);
          return {
            alarm_type: Math.max(...s.events),
            device_mac: '',
            end_time: s.end,
            event_start_time: s.start,
            events_1: mask,
            start_time: s.start,
          };
        }),
        to_be_continued: page.first + page.items.length < found.length ? 1 : 0,
      },
    });
  }

  /** The items of [start_index, end_index], at most `max` of them; null for indexes that make no sense. */
  private page<T>(all: T[], q: Json, max = MAX_PAGE): { items: T[]; first: number } | null {
    const first = int(q.start_index);
    const last = int(q.end_index);
    if (first === null || last === null || first < 0 || last < first) {
      return null;
    }
    const upTo = Math.min(last, first + max - 1);
    return { items: all.slice(first, upTo + 1), first };
  }
}
