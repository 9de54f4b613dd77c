/**
 * The video path's boundary types: a camera stream's H.264/H.265 as access units, shared by every
 * watcher (JPEG pipeline, Live video channel) through one RTSP session per camera stream.
 */
export type StreamName = 'main' | 'sub'; // camera's stream1 / stream2
export type VideoCodec = 'h264' | 'h265';
export interface StreamInfo {
  codec: VideoCodec;
  width: number;
  height: number;
  sps: Buffer[];
  pps: Buffer[];
  vps?: Buffer[];
  fps?: number;
}
/** One access unit (one picture): NAL units without start codes, AUD/SEI may be dropped. */
export interface AccessUnit {
  time90k: number /* RTP timestamp unwrapped to a monotonic 90 kHz count */;
  receivedAt: number /* performance.now() ms when its last packet arrived */;
  keyframe: boolean /* IDR */;
  /**
   * May be views of the session's read buffers (no copy per picture): a subscriber reads them
   * during onAccessUnit and copies what it keeps beyond the call.
   */
  nalus: Buffer[];
}
export interface VideoSubscriber {
  onInfo(info: StreamInfo): void;
  onAccessUnit(au: AccessUnit): void;
  onError?(err: Error): void;
}
/** One RTSP session per camera stream, shared by every watcher; starts on the first subscriber, stops when idle. */
export interface VideoFeed {
  readonly cameraId: string;
  readonly stream: StreamName;
  info(): StreamInfo | undefined;
  subscribe(s: VideoSubscriber): () => void;
}
export interface VideoFeeds {
  feed(cameraId: string, stream: StreamName): VideoFeed | undefined;
}
