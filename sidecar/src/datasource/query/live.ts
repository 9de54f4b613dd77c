/** Live query: answers with frames whose meta.channel points Grafana Live at our stream. */
import { LIVE_DEFAULT_VIDEO_STREAM, type TapoQuery } from '../../../../src/shared/query.ts';
import type { Frame } from '../../grafana/frame.ts';
import { clampFps, clampWidth, liveAddress, type Channel } from '../channels.ts';
import { videoTilesFrame } from '../video-frames.ts';
import { selectCameras, type QueryContext } from './context.ts';

export async function liveQuery(ctx: QueryContext, query: TapoQuery): Promise<Frame[]> {
  // Pictures unless metrics are asked for, as the query editor defaults.
  const kind = query.live?.kind ?? 'frames';
  const explicit = (query.cameras ?? []).length > 0;
  // "All cameras" has no sensors (no picture); a sensor named on purpose gets its error in words.
  const cameras = selectCameras(ctx.fleet, query).filter((c) => explicit || !c.sensor);
  if (kind === 'video') {
    // No meta.channel: the panel subscribes to each camera's video itself, as every packet counts.
    const stream = query.live?.stream ?? LIVE_DEFAULT_VIDEO_STREAM;
    const fps = clampFps(query.live?.fps);
    const width = clampWidth(query.live?.width);
    return [
      videoTilesFrame(
        query.refId,
        cameras.map((c) => ({
          cameraId: c.id,
          cameraName: c.name,
          status: c.last?.status ?? 'unknown',
          stream,
          videoChannel: liveAddress(ctx.uid, { kind: 'video', cameraId: c.id, stream }),
          framesChannel: liveAddress(ctx.uid, { kind: 'frames', cameraId: c.id, fps, width }),
          error: c.last?.error ?? null,
          privacyMode: c.last?.privacyMode ?? null,
        }))
      ),
    ];
  }
  let chans: Channel[];
  if (kind === 'frames') {
    const fps = clampFps(query.live?.fps);
    const width = clampWidth(query.live?.width);
    chans = cameras.map((c) => ({ kind: 'frames', cameraId: c.id, fps, width }));
  } else if (explicit && cameras.length < ctx.fleet.cameras().length) {
    chans = cameras.map((c) => ({ kind: 'camera-metrics', cameraId: c.id }));
  } else {
    chans = [{ kind: 'fleet-metrics' }];
  }
  return chans.map((c) => ({
    name: c.kind === 'fleet-metrics' ? 'fleet' : `${c.cameraId}`,
    refId: query.refId,
    meta: { channel: liveAddress(ctx.uid, c) },
    fields: [{ name: 'time', type: 'time', values: [] }],
  }));
}
