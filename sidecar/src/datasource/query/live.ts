/** Live query: answers with frames whose meta.channel points Grafana Live at our stream. */
import type { TapoQuery } from '../../../../src/shared/query.ts';
import type { Frame } from '../../grafana/frame.ts';
import { clampFps, clampWidth, liveAddress, type Channel } from '../channels.ts';
import { selectCameras, type QueryContext } from './context.ts';

export async function liveQuery(ctx: QueryContext, query: TapoQuery): Promise<Frame[]> {
  // Pictures unless metrics are asked for, as the query editor defaults.
  const kind = query.live?.kind ?? 'frames';
  const explicit = (query.cameras ?? []).length > 0;
  const cameras = selectCameras(ctx.fleet, query);
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
