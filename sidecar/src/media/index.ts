/** Public entry of the frame pipeline (what the Grafana layer and CheckHealth use). */
export {
  FramePipeline,
  clampFps,
  clampWidth,
  type PipelineOptions,
  type SubscribeOptions,
  type PictureListener,
  type PipelineStats,
  type CameraMediaStats,
  type CameraState,
  type TimedPicture,
} from './pipeline.ts';
export { checkFfmpeg, type FfmpegCheck } from './ffmpeg.ts';
export { MediaError, isMediaError, type MediaErrorKind, type CameraSource, type JpegPicture } from './types.ts';
export { jpegSize } from './jpeg.ts';
