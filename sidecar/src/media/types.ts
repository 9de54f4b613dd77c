/** The picture pipeline's boundary types: what goes in (a camera's RTSP source), what comes out (a JpegPicture). */
import type { StreamName } from './video/types.ts';

/** Where to read a camera: `url` carries the credentials and is never logged; `maskedUrl` is. */
export interface CameraSource {
  cameraId: string;
  url: string;
  maskedUrl: string;
  /** Which of the camera's streams (default 'main'); the URL names it for the pipeline's own feeds. */
  stream?: StreamName;
}

/** One JPEG picture of one camera. */
export interface JpegPicture {
  cameraId: string;
  /** Epoch ms when the picture was complete on ffmpeg's output. */
  time: number;
  width: number;
  height: number;
  jpeg: Buffer;
}

export type MediaErrorKind =
  /** The ffmpeg binary is not there (or not executable). */
  | 'ffmpeg_missing'
  /** ffmpeg ran but failed in a way we do not classify further. */
  | 'ffmpeg_failed'
  /** The camera refused the camera account (RTSP 401). */
  | 'auth_failed'
  /** The camera already serves its maximum of streams (RTSP 453). */
  | 'stream_busy'
  /** The camera's SD card is missing or unreadable (its recordings cannot be played). */
  | 'no_card'
  /** The stream path does not exist (RTSP 404). */
  | 'not_found'
  /** A hub's child camera could not be woken for the stream (asleep, out of range, no battery). */
  | 'asleep'
  /** Connection refused, unreachable, or timed out. */
  | 'unreachable'
  /** The stream ended (the camera closed it). */
  | 'stream_ended'
  /** No picture for too long: ffmpeg was killed and will be restarted. */
  | 'stalled'
  /** A snapshot did not arrive in time. */
  | 'timeout'
  /** The pipeline was closed. */
  | 'closed'
  /** The source given to the pipeline is unusable. */
  | 'invalid_source'
  /** The camera (or restream) answered something that is not RTSP/RTP video. */
  | 'protocol';

/** Errors of the frame pipeline; messages carry masked URLs only. */
export class MediaError extends Error {
  readonly kind: MediaErrorKind;
  readonly cameraId?: string;

  constructor(kind: MediaErrorKind, message: string, cameraId?: string) {
    super(message);
    this.name = 'MediaError';
    this.kind = kind;
    if (cameraId !== undefined) {
      this.cameraId = cameraId;
    }
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message, cameraId: this.cameraId };
  }
}

export function isMediaError(e: unknown): e is MediaError {
  return e instanceof MediaError;
}
