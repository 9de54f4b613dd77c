/**
 * The cameras' video: one session per camera stream (RTSP, or a hub child's port-8800 stream),
 * shared by the JPEG frame pipeline and the Live video channels, and kept in step with the fleet:
 * a removed camera's feeds and ffmpeg stop and its last picture is forgotten (the id may later
 * name another camera); a changed camera switches source; a hub child's stream that starts or
 * stops by itself has the fleet read the child's status early.
 */
import type { Logger } from 'pino';
import type { Fleet } from '../fleet/index.ts';
import { FramePipeline } from '../media/pipeline.ts';
import { CompositeVideoFeeds } from '../media/video/composite.ts';
import { RtspVideoFeeds } from '../media/video/feeds.ts';
import { HubStreamFeeds } from '../media/hubstream/feeds.ts';
import type { StreamSource, StreamSources } from './stream-sources.ts';

export interface CameraVideo {
  feeds: CompositeVideoFeeds;
  pipeline: FramePipeline;
  /** Brings feeds and pipeline in step with the fleet's cameras (call after any change). */
  sync(): void;
}

export function cameraVideo(o: { ffmpegPath: string; fleet: Fleet; sources: StreamSources; log: Logger }): CameraVideo {
  const { sourceOf } = o.sources;
  const feeds = new CompositeVideoFeeds([
    new RtspVideoFeeds((id, stream) => sourceOf(id, stream)),
    // A child's stream that starts or stops says it woke or slept: the fleet reads its status early.
    new HubStreamFeeds((id, stream) => sourceOf(id, stream), { onPlaying: (id) => o.fleet.streamChanged(id) }),
  ]);
  const pipeline = new FramePipeline({ ffmpegPath: o.ffmpegPath, feeds });
  return { feeds, pipeline, sync: () => syncVideo(feeds, pipeline, o) };
}

function syncVideo(
  feeds: CompositeVideoFeeds,
  pipeline: FramePipeline,
  o: { fleet: Fleet; sources: StreamSources; log: Logger }
): void {
  // Video feeds follow their camera's source too (a removed camera's feeds end).
  for (const cameraId of new Set(feeds.stats().map((f) => f.cameraId))) {
    feeds.refresh(cameraId);
  }
  for (const { cameraId } of pipeline.cameraStats()) {
    let source: StreamSource | null = null;
    try {
      source = o.fleet.cameraConfig(cameraId) ? o.sources.sourceOf(cameraId) : null;
    } catch {
      source = null; // no usable RTSP source any more
    }
    const done = source ? pipeline.updateSource(source) : pipeline.forget(cameraId);
    void done.catch((err: unknown) =>
      o.log.warn({ camera: cameraId, error: (err as Error).message }, 'could not update the camera stream')
    );
  }
}
