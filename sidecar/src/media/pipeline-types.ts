/** The frame pipeline's options, statistics and listener types (shared by its facade and workers). */
import type { OutputPlan } from './ffmpeg.ts';
import type { JpegPicture, MediaError } from './types.ts';
import type { ManagedVideoFeeds } from './video/feeds.ts';

export interface PipelineOptions {
  /**
   * The camera streams' feeds, shared with the Live video channels (one RTSP session per camera
   * stream). Without it the pipeline keeps its own, reading the sources it is given.
   */
  feeds?: ManagedVideoFeeds;
  /** ffmpeg binary (default 'ffmpeg' on PATH). */
  ffmpegPath?: string;
  /** Stop ffmpeg this long after the last subscriber left (default 10 s). */
  idleMs?: number;
  /** Restart ffmpeg smaller this long after needs shrank (default 60 s). */
  downgradeMs?: number;
  /** First restart delay after a failure (default 1 s), doubling up to backoffMaxMs (default 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** A run that delivered pictures this long resets the backoff (default 30 s). */
  stableMs?: number;
  /** No picture for this long kills ffmpeg as stalled (default 20 s; also bounds the start). */
  stallMs?: number;
  /** The RTSP client's connect/answer timeout (default 10 s). */
  ioTimeoutMs?: number;
  /** A snapshot waits this long for a fresh picture (default 15 s). */
  snapshotTimeoutMs?: number;
  /** A snapshot reuses the latest picture if it is at most this old (default 2 s). */
  snapshotMaxAgeMs?: number;
  /** Distinct output widths per camera (default 4). */
  maxOutputs?: number;
  /** MJPEG quality, 2 (best) .. 31 (default 5). */
  jpegQuality?: number;
  /** Threads per ffmpeg for decode/filter/encode (default 1; raise for HD streams on big hosts). */
  ffmpegThreads?: number;
}

export interface SubscribeOptions {
  /** Frames per second, default 2, capped at 10. */
  fps?: number;
  /** Width in pixels, default 640, capped at 1280, made even. */
  width?: number;
  /** Failures (typed, secret-free), e.g. to show on the channel. The pipeline keeps retrying. */
  onError?: (err: MediaError) => void;
}

/**
 * Receives pictures. A returned promise marks the consumer busy until it settles; meanwhile only
 * the newest picture is kept for it. Pictures are shared between subscribers: do not modify `jpeg`.
 */
export type PictureListener = (picture: JpegPicture) => void | Promise<void>;

export type CameraState = 'idle' | 'starting' | 'running' | 'backoff';

export interface CameraMediaStats {
  cameraId: string;
  state: CameraState;
  subscribers: number;
  pid: number | null;
  outputs: OutputPlan[];
  /** ffmpeg decodes keyframes only (pictures at or below the keyframe rate). */
  keyframesOnly: boolean;
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  restarts: number;
  lastFrameAt: number | null;
  lastError: string | null;
}

export interface PipelineStats {
  cameras: number;
  ffmpegRunning: number;
  subscribers: number;
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  restarts: number;
}

/** JpegPicture extended with a monotonic completion time, for latency figures. */
export interface TimedPicture extends JpegPicture {
  /** performance.now() when the JPEG was complete on ffmpeg's output. */
  readyAt: number;
}

export type ResolvedPipelineOptions = Required<Omit<PipelineOptions, 'feeds'>>;
