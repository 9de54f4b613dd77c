/**
 * GET cameras/<id>/recordings/at/<t>: the clip to play for an event at `t` (UTC epoch s), found
 * with the recordings' cached day and clip searches (a refresh or a second click asks the camera
 * nothing new). Whoever may see the live view may ask, as for the playback channel. No card,
 * nothing recorded then, or a card the camera cannot read are answers with a reason, in words.
 */
import {
  channels,
  EVENT_CLIP,
  RECORDED_EVENT_LABELS,
  recordedClipLabel,
  RECORDINGS_LIMITS,
  resources,
  type EventRecording,
  type EventRecordingRefusal,
} from '../../../src/shared/query.ts';
import type { CallResourceResponse } from '../grafana/protocol.ts';
import { RecordingsError, type RecordingClip } from '../tapo/recordings.ts';
import type { DatasourceDeps } from './deps.ts';

export const RECORDING_AT = /^cameras\/([A-Za-z0-9_\-.=]+)\/recordings\/at\/(\d{1,11})$/;

const json = (code: number, body: unknown): CallResourceResponse => ({
  code,
  headers: { 'Content-Type': { values: ['application/json'] } },
  body: Buffer.from(JSON.stringify(body)),
});

/**
 * The clip for an event at `at` among `clips` (oldest first), and the window to play: the clip
 * that holds `at`, else the first starting within EVENT_CLIP.lateStartSeconds after it, else the
 * last ending within EVENT_CLIP.earlyEndSeconds before it (played from the lead before its end).
 * A clip longer than a channel may play is cut to a window that starts at the lead. Null when none
 * is near.
 */
export function clipForEvent(
  clips: readonly RecordingClip[],
  at: number
): { clip: RecordingClip; start: number; end: number; offsetS: number } | null {
  const clip =
    clips.find((c) => c.start <= at && at <= c.end) ??
    clips.find((c) => c.start > at && c.start - at <= EVENT_CLIP.lateStartSeconds) ??
    [...clips].reverse().find((c) => c.end < at && at - c.end <= EVENT_CLIP.earlyEndSeconds);
  if (!clip) {
    return null;
  }
  const from = at - EVENT_CLIP.leadSeconds;
  const max = RECORDINGS_LIMITS.maxClipSeconds;
  const start = clip.end - clip.start + 1 > max ? Math.min(Math.max(clip.start, from), clip.end) : clip.start;
  const end = Math.min(clip.end, start + max - 1);
  // Never later than the lead before the clip's end (an event stamped after its clip closed).
  return { clip, start, end, offsetS: Math.max(0, Math.min(from - start, end - start - EVENT_CLIP.leadSeconds)) };
}

function refusal(code: number, body: EventRecordingRefusal): CallResourceResponse {
  return json(code, body);
}

export async function eventRecording(
  deps: DatasourceDeps,
  method: string,
  role: string,
  mayView: (role: string) => boolean,
  m: RegExpExecArray
): Promise<CallResourceResponse> {
  if (method !== 'GET') {
    return json(405, { error: "an event's recording answers GET" });
  }
  if (!mayView(role)) {
    return json(403, { error: `recordings need the Viewer, Editor or Admin role (you are ${role || 'anonymous'})` });
  }
  const [, id, t] = m;
  const cam = deps.fleet.camera(id);
  if (!cam) {
    return json(404, { error: `unknown camera "${id}"` });
  }
  if (!deps.recordings) {
    return json(501, { error: 'recordings are not available in this sidecar' });
  }
  const at = Number(t);
  const recordings = deps.recordings;
  const search = async (askedSince?: number) =>
    (
      await recordings.clips(
        cam.id,
        (at - EVENT_CLIP.earlyEndSeconds) * 1000,
        (at + EVENT_CLIP.lateStartSeconds) * 1000,
        askedSince === undefined ? {} : { askedSince }
      )
    ).clips;
  let pick: ReturnType<typeof clipForEvent>;
  try {
    const clickedAt = Date.now();
    pick = clipForEvent(await search(), at);
    // A recent event's clip may have been closed after the cached answer was asked: ask once afresh.
    if (!pick && at * 1000 >= clickedAt - EVENT_CLIP.recentSeconds * 1000) {
      pick = clipForEvent(await search(clickedAt), at);
    }
  } catch (e) {
    const text = `${cam.name}: ${(e as Error).message}`;
    if (e instanceof RecordingsError) {
      const code = e.kind === 'no_card' ? 404 : e.kind === 'not_supported' ? 501 : 502;
      return refusal(code, { error: text, reason: e.kind });
    }
    return refusal(502, { error: text, reason: 'search_failed' });
  }
  if (!pick) {
    return refusal(404, { error: `${cam.name}: nothing on the SD card at that time`, reason: 'nothing' });
  }
  const { clip, start, end, offsetS } = pick;
  const body: EventRecording = {
    cameraId: cam.id,
    cameraName: cam.name,
    start,
    end,
    event: recordedClipLabel(clip.events, clip.videoType),
    events: clip.events.map((c) => RECORDED_EVENT_LABELS[c] ?? `Event ${c}`).join(', '),
    offsetS,
    channel: channels.cameraPlayback(cam.id, start, end),
    download: resources.recordingDownload(cam.id, start, end),
  };
  return json(200, body);
}
