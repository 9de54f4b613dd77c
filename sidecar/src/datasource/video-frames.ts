/** The frames of the Live video channel: fMP4 pieces as rows (VIDEO_FIELDS), and a video query's tiles. */
import { VIDEO_FIELDS as F, VIDEO_TILE_FIELDS as T } from '../../../src/shared/query.ts';
import type { Frame } from '../grafana/frame.ts';
import type { VideoPacket } from './video-relay.ts';

export function videoFrame(packets: VideoPacket[]): Frame {
  const col = <V>(f: (p: VideoPacket) => V) => packets.map(f);
  return {
    name: 'video',
    fields: [
      { name: F.time, type: 'time', values: col((p) => p.time) },
      { name: F.seq, type: 'number', values: col((p) => p.seq) },
      { name: F.kind, type: 'string', values: col((p) => p.kind) },
      { name: F.keyframe, type: 'boolean', values: col((p) => p.keyframe) },
      { name: F.codec, type: 'string', values: col((p) => p.codec) },
      { name: F.width, type: 'number', values: col((p) => p.width) },
      { name: F.height, type: 'number', values: col((p) => p.height) },
      { name: F.data, type: 'string', values: col((p) => p.data.toString('base64')) },
      { name: F.error, type: 'string', values: col((p) => p.error), nullable: true },
    ],
  };
}

export interface VideoTile {
  cameraId: string;
  cameraName: string;
  status: string;
  stream: string;
  videoChannel: string;
  framesChannel: string;
  error: string | null;
  privacyMode: boolean | null;
}

/** A video query's answer: one row per camera with the channels the panel subscribes to itself. */
export function videoTilesFrame(refId: string, tiles: VideoTile[]): Frame {
  const col = <V>(f: (t: VideoTile) => V) => tiles.map(f);
  return {
    name: 'video',
    refId,
    fields: [
      { name: T.cameraId, type: 'string', values: col((t) => t.cameraId) },
      { name: T.cameraName, type: 'string', values: col((t) => t.cameraName) },
      { name: T.status, type: 'string', values: col((t) => t.status) },
      { name: T.stream, type: 'string', values: col((t) => t.stream) },
      { name: T.videoChannel, type: 'string', values: col((t) => t.videoChannel) },
      { name: T.framesChannel, type: 'string', values: col((t) => t.framesChannel) },
      { name: T.error, type: 'string', values: col((t) => t.error), nullable: true },
      { name: T.privacy, type: 'boolean', values: col((t) => t.privacyMode), nullable: true },
    ],
  };
}
