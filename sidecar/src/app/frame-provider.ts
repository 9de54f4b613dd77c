/**
 * The pictures the datasource and the HTTP API read: the frame pipeline fed from each camera's
 * stream source. A camera without a usable source answers the subscriber's error callback rather
 * than throwing into the caller.
 */
import type { FrameProvider } from '../datasource/deps.ts';
import type { FramePipeline } from '../media/pipeline.ts';
import type { RtspSource } from '../tapo/rtsp.ts';

/** Pictures for the datasource: the pipeline fed from each camera's RTSP source. */
export function frameProvider(pipeline: FramePipeline, sourceOf: (id: string) => RtspSource): FrameProvider {
  return {
    subscribe(cameraId, o, onFrame, onError) {
      let source;
      try {
        source = sourceOf(cameraId);
      } catch (err) {
        onError(err as Error);
        return () => undefined;
      }
      return pipeline.subscribe(source, { fps: o.fps, width: o.width, onError }, onFrame);
    },
    latest: (cameraId) => pipeline.latest(cameraId),
    snapshot: (cameraId, o) => pipeline.snapshot(sourceOf(cameraId), { width: o.width }),
  };
}
