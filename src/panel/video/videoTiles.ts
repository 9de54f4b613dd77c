/** Finds the video channels in a query's frames and makes a tile per camera stream. */
import { type DataFrame, type DataQueryRequest } from '@grafana/data';

import { VIDEO_TILE_FIELDS as F } from '../../shared/query';
import { uidFromChannel, type TileFrame } from '../frames';

/** A camera of a video query: the channels the tile watches itself. */
export interface VideoTileInfo extends TileFrame {
  videoChannel: string;
  framesChannel?: string;
  stream?: string;
}

const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);

/** One tile per row of a Tapo video query's answer (frames with a `video_channel` field). */
export function extractVideoTiles(series: DataFrame[] | undefined, _request?: DataQueryRequest): VideoTileInfo[] {
  const out = new Map<string, VideoTileInfo>();
  for (const frame of series ?? []) {
    const field = (name: string) => frame.fields.find((f) => f.name === name);
    const video = field(F.videoChannel);
    if (!video) {
      continue;
    }
    for (let row = 0; row < frame.length; row++) {
      const videoChannel = text(video.values[row]);
      if (!videoChannel) {
        continue;
      }
      const cameraId = text(field(F.cameraId)?.values[row]);
      const key = cameraId ?? videoChannel;
      out.set(key, {
        key,
        cameraId,
        name: text(field(F.cameraName)?.values[row]) ?? cameraId ?? videoChannel,
        status: text(field(F.status)?.values[row])?.toLowerCase(),
        error: text(field(F.error)?.values[row]),
        stream: text(field(F.stream)?.values[row]),
        videoChannel,
        framesChannel: text(field(F.framesChannel)?.values[row]),
        privacy: bool(field(F.privacy)?.values[row]),
        datasourceUid: uidFromChannel(videoChannel),
      });
    }
  }
  return Array.from(out.values());
}

/** The same camera's main stream, for full screen. */
export function mainStreamChannel(videoChannel: string): string {
  return videoChannel.replace(/\/video\/sub$/, '/video/main');
}
