/**
 * The camera's own recordings through its local API (recordings sheet §2–5): which days have
 * video (`searchDateWithVideo`, asked month by month: a wide range fails with -71105 on a filled
 * card), the clips of a day (`searchVideoWithUTC` over the day's window in the camera's own zone,
 * pages of 100 while `to_be_continued`), and their event types (`searchDetectionList`, joined on
 * the start second). Answers are read defensively: wrapped or flat items, `vedio_type` before
 * `video_type`, a missing type is "2", `{}` means no detections.
 */
import { isObject } from './decode.ts';
import { TapoError } from './errors.ts';
import type { SdCardInfo, SubRequest, SubResponse, TimezoneInfo } from './types.ts';
import { addDays, dayWindow, isKnownZone, parseDay } from '../util/zoned-day.ts';

export interface RecordingClip {
  /** UTC epoch seconds, inclusive. */
  start: number;
  end: number;
  /** 1 timing (continuous), 2 detection; other codes as the camera sends them. */
  videoType: number;
  /** Event-type codes detected in the clip (sheet §5.1), highest first; empty when none. */
  events: number[];
}

/** What the search needs of the camera client (TapoClient has it). */
export interface RecordingsApi {
  multipleRequest(requests: SubRequest[]): Promise<SubResponse[]>;
  getSdCard(): Promise<SdCardInfo | null>;
  getTimezone(): Promise<TimezoneInfo>;
}

export type RecordingsErrorKind = 'no_card' | 'card_error' | 'not_supported' | 'search_failed';

/** Why the recordings cannot be read, in words a user can act on. */
export class RecordingsError extends Error {
  constructor(
    readonly kind: RecordingsErrorKind,
    message: string,
    readonly code?: number
  ) {
    super(message);
    this.name = 'RecordingsError';
  }
}

const PLAYBACK_SEARCH_FAILED = -71105;
const USER_ID_INVALID = -71103;
const NOT_SUPPORTED = new Set([-40210, -40106, -40105]);
/** Pages of 100 (the app's), and its hard cap on the index. */
const PAGE = 100;
const MAX_INDEX = 12288;
/** The widest date range asked at once (month by month, as a filled card needs). */
const DATE_CHUNK_DAYS = 31;

export const recordingRequests = {
  userId: (): SubRequest => ({ method: 'getUserID', params: { system: { get_user_id: 'null' } } }),
  days: (from: string, to: string): SubRequest => ({
    method: 'searchDateWithVideo',
    params: { playback: { search_year_utility: { channel: [0], start_date: from, end_date: to } } },
  }),
  clips: (start: number, end: number, index: number, who: { id: number } | { player_id: string }): SubRequest => ({
    method: 'searchVideoWithUTC',
    params: {
      playback: {
        search_video_with_utc: {
          channel: 0,
          start_time: start,
          end_time: end,
          start_index: index,
          end_index: index + PAGE - 1,
          ...who,
        },
      },
    },
  }),
  detections: (start: number, end: number, index: number): SubRequest => ({
    method: 'searchDetectionList',
    params: {
      playback: {
        search_detection_list: {
          channel: 0,
          start_time: start,
          end_time: end,
          start_index: index,
          end_index: index + 999,
        },
      },
    },
  }),
};

/** The values of single-key wrapper maps (`[{"search_results_1": {...}}]`), or flat items as they are. */
function unwrap(list: unknown, key: string): Array<Record<string, unknown>> {
  if (!Array.isArray(list)) {
    return [];
  }
  return list.flatMap((item) => {
    if (!isObject(item)) {
      return [];
    }
    const keys = Object.keys(item);
    const wrapped = keys.length === 1 && new RegExp(`^${key}_\\d+$`).test(keys[0]) ? item[keys[0]] : item;
    return isObject(wrapped) ? [wrapped] : [];
  });
}

function int(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** `searchDateWithVideo`'s days (`YYYYMMDD`), sorted, without anything that is not a date. */
export function decodeDays(result: unknown): string[] {
  const pb = isObject(result) && isObject(result.playback) ? result.playback : {};
  const items = [...unwrap(pb.search_results, 'search_results'), ...unwrap(pb.search_video_date, 'search_video_date')];
  const days = items.map((i) => String(i.date ?? '')).filter((d) => parseDay(d) !== null);
  return [...new Set(days)].sort();
}

/** One page of `searchVideoWithUTC` (or `searchVideoOfDay`): its clips and whether more follow. */
export function decodeClipPage(result: unknown): { clips: RecordingClip[]; more: boolean } {
  const pb = isObject(result) && isObject(result.playback) ? result.playback : {};
  const clips: RecordingClip[] = [];
  for (const i of unwrap(pb.search_video_results, 'search_video_results')) {
    const start = int(i.startTime);
    const end = int(i.endTime);
    if (start === null || end === null || start < 0 || end < start) {
      continue; // an item we cannot place is left out, never guessed
    }
    const type = int(i.vedio_type ?? i.video_type) ?? 2;
    clips.push({ start, end, videoType: type, events: [] });
  }
  return { clips, more: int(pb.to_be_continued) === 1 };
}

/** Event codes of an `events_1` bitmask (bit i ⇒ type i + 1), highest first. */
export function eventCodes(mask: number): number[] {
  const out: number[] = [];
  for (let bit = 52; bit >= 0; bit--) {
    if (Math.floor(mask / 2 ** bit) % 2 === 1) {
      out.push(bit + 1);
    }
  }
  return out;
}

/** `searchDetectionList`: start second → event codes; `{}` is "none". */
export function decodeDetections(result: unknown): { byStart: Map<number, number[]>; more: boolean } {
  const pb = isObject(result) && isObject(result.playback) ? result.playback : {};
  const byStart = new Map<number, number[]>();
  const list = Array.isArray(pb.search_detection_list) ? pb.search_detection_list : [];
  for (const item of list) {
    if (!isObject(item)) {
      continue;
    }
    const start = int(item.start_time);
    if (start === null) {
      continue;
    }
    const mask = int(item.events_1);
    const alarm = int(item.alarm_type);
    const codes = mask !== null && mask > 0 ? eventCodes(mask) : alarm !== null && alarm > 0 ? [alarm] : [];
    byStart.set(
      start,
      [...new Set([...(byStart.get(start) ?? []), ...codes])].sort((a, b) => b - a)
    );
  }
  return { byStart, more: int(pb.to_be_continued) === 1 };
}

export class RecordingsSearch {
  private who: { id: number } | { player_id: string } | null = null;

  constructor(
    private readonly api: RecordingsApi,
    /** A stable 32-hex id (playback-v6 cameras want it instead of the user id). */
    private readonly playerId: string
  ) {}

  /** The camera's IANA zone; 'UTC' when it names one this runtime does not know. */
  async zone(): Promise<string> {
    const tz = await this.api.getTimezone();
    return tz.zoneId && isKnownZone(tz.zoneId) ? tz.zoneId : 'UTC';
  }

  /** Days with video between two days (inclusive, camera-local `YYYYMMDD`), month by month. */
  async days(from: string, to: string): Promise<string[]> {
    if (!parseDay(from) || !parseDay(to) || from > to) {
      throw new RangeError(`not a day range: ${from}..${to}`);
    }
    const out: string[] = [];
    for (let a = from; a <= to; a = addDays(a, DATE_CHUNK_DAYS)) {
      const b = addDays(a, DATE_CHUNK_DAYS - 1) < to ? addDays(a, DATE_CHUNK_DAYS - 1) : to;
      out.push(...decodeDays(await this.call(recordingRequests.days(a, b))));
    }
    return [...new Set(out)].sort();
  }

  /** The clips of a camera-local day, with their event types, oldest first. */
  async clipsOfDay(day: string, zone: string): Promise<RecordingClip[]> {
    const w = dayWindow(zone, day);
    return this.clips(w.start, w.end);
  }

  /** The clips starting within [start, end] (UTC epoch s), with their event types, oldest first. */
  async clips(start: number, end: number): Promise<RecordingClip[]> {
    const clips: RecordingClip[] = [];
    for (let index = 0; index <= MAX_INDEX; index += PAGE) {
      const page = decodeClipPage(await this.searchPage(start, end, index));
      clips.push(...page.clips);
      if (!page.more || page.clips.length === 0) {
        break;
      }
    }
    const events = new Map<number, number[]>();
    for (let index = 0; index <= MAX_INDEX; index += 1000) {
      const d = decodeDetections(await this.call(recordingRequests.detections(start, end, index)));
      d.byStart.forEach((codes, s) => events.set(s, codes));
      if (!d.more || d.byStart.size === 0) {
        break;
      }
    }
    // Back-to-back clips share a boundary second: keep one per start.
    const byStart = new Map(clips.map((c) => [c.start, { ...c, events: events.get(c.start) ?? [] }]));
    return [...byStart.values()].sort((a, b) => a.start - b.start);
  }

  /** One page, as the user id (older cameras) or the player id (playback-v6: -71103 with an id). */
  private async searchPage(start: number, end: number, index: number): Promise<unknown> {
    this.who ??= await this.userId();
    try {
      return await this.call(recordingRequests.clips(start, end, index, this.who));
    } catch (e) {
      if (e instanceof RecordingsError && e.code === USER_ID_INVALID && 'id' in this.who) {
        this.who = { player_id: this.playerId };
        return this.call(recordingRequests.clips(start, end, index, this.who));
      }
      throw e;
    }
  }

  /** getUserID's value; 1 (the app's default) where the camera has none. */
  private async userId(): Promise<{ id: number }> {
    const [sub] = await this.api.multipleRequest([recordingRequests.userId()]);
    const id = sub && sub.errorCode === 0 && isObject(sub.result) ? int(sub.result.user_id) : null;
    return { id: id ?? 1 };
  }

  private async call(request: SubRequest): Promise<unknown> {
    const [sub] = await this.api.multipleRequest([request]);
    if (!sub) {
      throw new TapoError('protocol', `${request.method}: no answer`, { method: request.method });
    }
    if (sub.errorCode === 0) {
      return sub.result;
    }
    throw await this.refusal(request.method, sub.errorCode);
  }

  /** -71105 means no card as well as a failed search: the card's status tells which. */
  private async refusal(method: string, code: number): Promise<RecordingsError> {
    if (NOT_SUPPORTED.has(code)) {
      return new RecordingsError('not_supported', 'this camera does not offer its recordings (no playback)', code);
    }
    if (code === PLAYBACK_SEARCH_FAILED) {
      const card = await this.api.getSdCard().catch(() => undefined);
      if (card === null || card?.status === 'offline') {
        return new RecordingsError('no_card', 'the camera has no SD card', code);
      }
      if (card && card.status !== 'normal') {
        return new RecordingsError('card_error', `the camera's SD card is not usable (status "${card.status}")`, code);
      }
      return new RecordingsError(
        'search_failed',
        `the camera could not search its recordings (${method}, ${code})`,
        code
      );
    }
    return new RecordingsError('search_failed', `the camera refused ${method} (${code})`, code);
  }
}
