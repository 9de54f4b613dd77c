/**
 * Recordings query: per camera, the clips its SD card holds in the range (cached searches, one at a
 * time per camera), as one row per clip or as a state timeline per camera. A camera whose card
 * cannot be read is a notice on the frame with the reason, never the whole query's failure.
 */
import {
  channels,
  recordedClipLabel,
  RECORDED_EVENT_LABELS,
  RECORDING_FIELDS as F,
  resources,
  type TapoQuery,
} from '../../../../src/shared/query.ts';
import type { Frame } from '../../grafana/frame.ts';
import type { CameraSnapshot } from '../../model.ts';
import type { RecordingClip } from '../../tapo/recordings.ts';
import { selectCameras, type QueryContext } from './context.ts';
import { QueryError } from './parse.ts';

interface Row {
  camera: CameraSnapshot;
  clip: RecordingClip;
}

const labelOf = (code: number) => RECORDED_EVENT_LABELS[code] ?? `Event ${code}`;

export async function recordingsQuery(ctx: QueryContext, query: TapoQuery): Promise<Frame[]> {
  if (!ctx.recordings) {
    throw new QueryError(`query ${query.refId}: recordings are not available in this sidecar`, 501);
  }
  const provider = ctx.recordings;
  const cameras = selectCameras(ctx.fleet, query);
  const notices: Array<{ severity: 'warning'; text: string }> = [];
  const rows: Row[] = [];
  // Cameras in parallel (each has its own queue); a camera's days one after another.
  await Promise.all(
    cameras.map(async (camera) => {
      try {
        const found = await provider.clips(camera.id, ctx.from, ctx.to);
        rows.push(...found.clips.map((clip) => ({ camera, clip })));
      } catch (e) {
        notices.push({ severity: 'warning', text: `${camera.name}: ${(e as Error).message}` });
      }
    })
  );
  rows.sort((a, b) => a.clip.start - b.clip.start || a.camera.name.localeCompare(b.camera.name));
  notices.sort((a, b) => a.text.localeCompare(b.text));
  const meta = notices.length ? { notices } : {};
  if (query.recordings?.format === 'timeline') {
    return cameras.map((c) =>
      timeline(
        query.refId,
        c,
        rows.filter((r) => r.camera.id === c.id),
        meta
      )
    );
  }
  const col = <T>(f: (r: Row) => T) => rows.map(f);
  return [
    {
      name: 'recordings',
      refId: query.refId,
      meta: { type: 'table', ...meta },
      fields: [
        { name: F.time, type: 'time', values: col((r) => r.clip.start * 1000) },
        { name: F.timeEnd, type: 'time', values: col((r) => r.clip.end * 1000) },
        { name: F.cameraId, type: 'string', values: col((r) => r.camera.id) },
        { name: F.cameraName, type: 'string', values: col((r) => r.camera.name) },
        { name: F.event, type: 'string', values: col((r) => recordedClipLabel(r.clip.events, r.clip.videoType)) },
        { name: F.events, type: 'string', values: col((r) => r.clip.events.map(labelOf).join(', ')) },
        { name: F.durationS, type: 'number', values: col((r) => r.clip.end - r.clip.start + 1), config: { unit: 's' } },
        {
          name: F.playbackChannel,
          type: 'string',
          values: col((r) => `ds/${ctx.uid}/${channels.cameraPlayback(r.camera.id, r.clip.start, r.clip.end)}`),
        },
        {
          name: F.download,
          type: 'string',
          values: col((r) => resources.recordingDownload(r.camera.id, r.clip.start, r.clip.end)),
        },
      ],
    },
  ];
}

/** A state timeline: the clip's label from its start, nothing (null) from its end to the next clip. */
function timeline(refId: string, camera: CameraSnapshot, rows: Row[], meta: Record<string, unknown>): Frame {
  const times: number[] = [];
  const states: Array<string | null> = [];
  rows.forEach((r, i) => {
    times.push(r.clip.start * 1000);
    states.push(recordedClipLabel(r.clip.events, r.clip.videoType));
    const next = rows[i + 1];
    if (!next || next.clip.start > r.clip.end + 1) {
      times.push((r.clip.end + 1) * 1000);
      states.push(null);
    }
  });
  return {
    name: camera.name,
    refId,
    meta,
    fields: [
      { name: F.time, type: 'time', values: times },
      {
        name: camera.name,
        type: 'string',
        values: states,
        nullable: true,
        labels: { camera_id: camera.id, camera_name: camera.name },
      },
    ],
  };
}
