/** What the datasource behaviour needs from the rest of the sidecar (fleet, media, controls). */
import type { Logger } from 'pino';
import type { FleetView } from '../model.ts';
import type { DataSourceInstanceSettings } from '../grafana/protocol.ts';
import type { CameraOwnership, HubChildItem, SidecarInfo } from '../../../src/shared/query.ts';
import type { JpegPicture } from '../media/types.ts';
import type { AccessUnit, StreamInfo, VideoFeeds } from '../media/video/types.ts';
import type { FaststartRemux } from '../media/faststart.ts';
import type { RecordingMode } from '../media/hubstream/recording-session.ts';
import type { CameraRecordings, ClipsOptions } from '../tapo/recordings-index.ts';

export interface FrameProvider {
  /** Starts (or joins) the camera's picture stream; returns the unsubscribe function. */
  subscribe(
    cameraId: string,
    opts: { fps: number; width: number },
    onFrame: (f: JpegPicture) => void,
    onError: (e: Error) => void
  ): () => void;
  latest(cameraId: string): JpegPicture | undefined;
  snapshot(cameraId: string, opts: { width?: number }): Promise<JpegPicture>;
}

/** The pictures kept with events (issue 21), read side: by event id (EVENT_ID_PATTERN). */
export interface EventPictureReader {
  has(eventId: string): boolean;
  /** The camera whose event it is (the datasource's scope and role rules apply to it). */
  cameraOf(eventId: string): string | undefined;
  read(eventId: string, which: 'picture' | 'thumbnail'): Promise<Buffer | null>;
}

export type PtzCommand = { direction: number } | { x: number; y: number } | { preset: string };

export interface CameraControls {
  ptz(cameraId: string, cmd: PtzCommand): Promise<void>;
  presets(cameraId: string): Promise<Array<{ id: string; name: string }>>;
  setPrivacy(cameraId: string, enabled: boolean): Promise<void>;
  reboot(cameraId: string): Promise<void>;
}

export interface CameraHealth {
  cameraId: string;
  name: string;
  ok: boolean;
  /** Words: "reachable in 42 ms, C210 firmware 1.4.3" or the exact reason it is not. */
  message: string;
  latencyMs?: number | null;
  model?: string | null;
  firmware?: string | null;
  status?: string;
  /** Which login the camera uses ('legacy' | 'secure' | 'tpap'), when known. */
  login?: string | null;
  /** Why it does not answer (absent when ok): 'wrong_password', 'unreachable', 'locked', ... */
  reason?: string;
  /** The reason in short words, as the first line of Save & test names it. */
  problem?: string;
}

/** Where a recorded clip's pictures go while it plays or downloads. */
export interface RecordingSink {
  onInfo(info: StreamInfo): void;
  /** `ptsMs`: the wall-clock time the camera stamped on the picture, when it did. */
  onAccessUnit(au: AccessUnit, ptsMs: number | null): void;
  /** The whole clip came. */
  onDone(): void;
  /** It ended before that, with words (ended early, corrupt segment, card gone). */
  onEnd(err: Error): void;
}

/** The cameras' own SD-card recordings: the searches (cached) and one media session per camera. */
export interface RecordingsProvider {
  /** Clips overlapping the range; throws a RecordingsError (no card, not supported, ...) with words. */
  clips(cameraId: string, fromMs: number, toMs: number, opts?: ClipsOptions): Promise<CameraRecordings>;
  /**
   * Plays or downloads a clip (UTC epoch s) into `sink`; resolves once the camera accepted, rejects
   * with words (busy, no card, unreachable). Aborting `signal` stops it and frees the camera.
   */
  open(
    cameraId: string,
    clip: { start: number; end: number },
    mode: RecordingMode,
    sink: RecordingSink,
    signal: AbortSignal
  ): Promise<void>;
}

export interface DatasourceDeps {
  fleet: FleetView;
  log: Logger;
  frames?: FrameProvider;
  /** The cameras' own H.264 (one RTSP session per camera stream), for the Live video channel. */
  video?: VideoFeeds;
  controls?: CameraControls;
  /** The pictures kept with events: the events frame's picture and thumbnail columns, and their resources. */
  eventPictures?: EventPictureReader;
  /** The cameras' own recordings (SD card): the recordings query, playback channel and download. */
  recordings?: RecordingsProvider;
  /**
   * Makes a downloaded clip a progressive MP4 (ffmpeg, `-c copy`); null when ffmpeg does not run.
   * Without one, downloads are the fragmented MP4 as the camera sends it.
   */
  faststart?: () => Promise<FaststartRemux | null>;
  /** Logs in to each camera now (never one that is locked out) and reports per camera. */
  checkCameras?: (cameraIds: string[]) => Promise<CameraHealth[]>;
  /**
   * A hub's children (null: the id is not a hub). Lists through the fleet's own hub client (its
   * login, lockout and refused-password memory), polling the hub now when asked to or never listed;
   * a hub that cannot be listed answers with its health (why).
   */
  hubChildren?: (hubId: string, refresh: boolean) => Promise<{ children: HubChildItem[] } | CameraHealth | null>;
  /** Extra health problems of the sidecar itself (e.g. ffmpeg missing). */
  sidecarProblems?: () => Promise<string[]>;
  metricsText: () => Promise<string>;
  /** Where a camera's configuration came from ('datasource:<uid>', 'yaml', 'demo'), to scope datasources. */
  cameraSource?: (cameraId: string) => string | undefined;
  /** What the config editor shows about the connection. */
  info?: () => SidecarInfo;
  /** A datasource's settings arrived or changed: feed its cameras to the fleet (calls wait for it). */
  applySettings?: (settings: DataSourceInstanceSettings) => Promise<void>;
  /** Problems with the settings of a source ('datasource:<uid>'), e.g. a camera left out, in words. */
  configProblemsOf?: (source: string) => string[];
  /** Cameras of a source ('datasource:<uid>') that another source lists too, and who polls them. */
  ownershipOf?: (source: string) => CameraOwnership[];
  /** The source of the datasource these deps serve (set per datasource instance). */
  source?: string;
  /** Any call for a datasource (it is alive); re-applies settings of one that had expired. */
  datasourceSeen?: (settings: DataSourceInstanceSettings) => Promise<void>;
}
