/**
 * The camera's own recordings as the panel shows them: the clips of a Tapo recordings query
 * (RECORDING_FIELDS rows), the notices the sidecar put on its frame (no card, busy), where a clip
 * plays from a later point (a seek is a playback channel with a later start), and what the
 * channel's last row means in words.
 */
import type { DataFrame } from '@grafana/data';

import { PLAYBACK_END, RECORDING_FIELDS as F, type EventRecording } from '../../shared/query';

export interface RecordedClip {
  key: string;
  cameraId: string;
  cameraName: string;
  /** Epoch ms. */
  start: number;
  end: number;
  event: string;
  events: string;
  /** ds/<uid>/camera/<id>/playback/<start>-<end> */
  channel: string;
  /** The download resource path (relative to the datasource). */
  download: string;
  datasourceUid?: string;
}

const PLAYBACK = /^(ds\/[^/]+\/camera\/[^/]+\/playback\/)(\d+)-(\d+)$/;

/** Every clip in the data, newest first; frames that are not recordings are ignored. */
export function recordedClips(series: DataFrame[]): RecordedClip[] {
  const out: RecordedClip[] = [];
  for (const frame of series) {
    const field = (name: string) => frame.fields.find((f) => f.name === name)?.values;
    const channels = field(F.playbackChannel);
    if (!channels) {
      continue;
    }
    const starts = field(F.time) ?? [];
    const ends = field(F.timeEnd) ?? [];
    for (let i = 0; i < frame.length; i++) {
      const channel = String(channels[i] ?? '');
      if (!PLAYBACK.test(channel)) {
        continue;
      }
      const text = (name: string) => String(field(name)?.[i] ?? '');
      out.push({
        key: channel,
        cameraId: text(F.cameraId),
        cameraName: text(F.cameraName) || text(F.cameraId),
        start: Number(starts[i]),
        end: Number(ends[i]),
        event: text(F.event),
        events: text(F.events),
        channel,
        download: text(F.download),
        datasourceUid: /^ds\/([^/]+)\//.exec(channel)?.[1],
      });
    }
  }
  return out.sort((a, b) => b.start - a.start || a.cameraName.localeCompare(b.cameraName));
}

/** The notices the sidecar put on recordings frames ("Attic: the camera has no SD card"). */
export function recordingNotices(series: DataFrame[]): string[] {
  return series
    .filter((f) => f.fields.some((x) => x.name === F.playbackChannel))
    .flatMap((f) => f.meta?.notices ?? [])
    .map((n) => n.text);
}

/** The clip's channel from `offsetS` seconds into it (whole seconds, within the clip). */
export function seekChannel(channel: string, offsetS: number): string {
  const m = PLAYBACK.exec(channel);
  if (!m) {
    return channel;
  }
  const start = Number(m[2]);
  const end = Number(m[3]);
  const at = Math.min(end, Math.max(start, start + Math.floor(offsetS)));
  return `${m[1]}${at}-${end}`;
}

/** What a playback channel's problem row means for the viewer. */
export function playbackMessage(error: string | null): { text: string; ended: boolean } {
  if (error === PLAYBACK_END) {
    return { text: 'End of the recording', ended: true };
  }
  return { text: error || 'The recording cannot be played', ended: false };
}

/** "14:03:07 · 12 s" in the viewer's time zone. */
export function clipLabel(c: RecordedClip, timeZone?: string): string {
  const t = new Date(c.start).toLocaleTimeString(undefined, { hour12: false, ...(timeZone ? { timeZone } : {}) });
  const seconds = Math.max(1, Math.round((c.end - c.start) / 1000) + 1);
  return `${t} · ${seconds} s`;
}

/**
 * What a click at time `t` on the recordings timeline plays: the clip recorded then, from that
 * second; else the next clip after it, from its start; null when nothing was recorded after `t`.
 */
export function clipAt(clips: RecordedClip[], t: number): { clip: RecordedClip; offsetS: number } | null {
  const during = clips.find((c) => c.start <= t && t <= c.end + 999);
  if (during) {
    return { clip: during, offsetS: Math.floor((t - during.start) / 1000) };
  }
  const next = clips.filter((c) => c.start > t).sort((a, b) => a.start - b.start)[0];
  return next ? { clip: next, offsetS: 0 } : null;
}

/** The clip the sidecar found for an event (resources.recordingAt), as the player takes clips. */
export function eventClip(uid: string, r: EventRecording): RecordedClip {
  const channel = `ds/${uid}/${r.channel}`;
  return {
    key: channel,
    cameraId: r.cameraId,
    cameraName: r.cameraName,
    start: r.start * 1000,
    end: r.end * 1000,
    event: r.event,
    events: r.events,
    channel,
    download: r.download,
    datasourceUid: uid,
  };
}
