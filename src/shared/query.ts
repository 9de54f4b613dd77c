/**
 * The query and settings model of the Tapo Cameras datasource, shared by the frontend (src/)
 * and the sidecar (sidecar/): the one home of every bound, field name, label and derived figure
 * both sides use. Types, constants and small pure rules only: no runtime dependencies and no
 * imports, so both bundles (and the sidecar's NodeNext resolution) can import it.
 */

/** Query types offered by the query editor; `queryType` travels in DataQuery.queryType too. */
export const QUERY_TYPES = ['metrics', 'status', 'events', 'live', 'recordings', 'sensors'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/** Numeric series kept in history, one per camera; names are the frame/field names. */
export const METRICS = [
  'online',
  'latency_ms',
  'rssi_dbm',
  'signal_level',
  'uptime_s',
  'storage_used_pct',
  'temperature_c',
  'motion_events_per_min',
  'motion_detection_enabled',
  'person_detection_enabled',
  'privacy_mode',
  'battery_pct',
  'battery_charging',
  'battery_low',
  'power_source',
  // Sensors behind a hub (issue 24)
  'humidity_pct',
  'contact_open',
  'motion_detected',
  'water_leak',
] as const;
export type MetricName = (typeof METRICS)[number];

export const METRIC_INFO: Record<MetricName, { label: string; unit: string }> = {
  online: { label: 'Online (0/1)', unit: 'bool_on_off' },
  latency_ms: { label: 'Network latency', unit: 'ms' },
  rssi_dbm: { label: 'Wi-Fi signal (RSSI)', unit: 'dBm' },
  signal_level: { label: 'Wi-Fi signal level (0-4)', unit: 'none' },
  uptime_s: { label: 'Uptime', unit: 's' },
  storage_used_pct: { label: 'Storage used', unit: 'percent' },
  temperature_c: { label: 'Temperature', unit: 'celsius' },
  motion_events_per_min: { label: 'Motion events per minute', unit: 'none' },
  motion_detection_enabled: { label: 'Motion detection enabled', unit: 'bool_on_off' },
  person_detection_enabled: { label: 'Person detection enabled', unit: 'bool_on_off' },
  privacy_mode: { label: 'Privacy mode', unit: 'bool_on_off' },
  battery_pct: { label: 'Battery', unit: 'percent' },
  battery_charging: { label: 'Battery charging', unit: 'bool_on_off' },
  battery_low: { label: 'Battery low', unit: 'bool_on_off' },
  power_source: { label: 'Power source (0 mains, 1 battery, 2 solar)', unit: 'none' },
  humidity_pct: { label: 'Humidity', unit: 'humidity' },
  contact_open: { label: 'Door/window open (1/0)', unit: 'bool_on_off' },
  motion_detected: { label: 'Motion sensor: motion now (1/0)', unit: 'bool_on_off' },
  water_leak: { label: 'Water leak (1/0)', unit: 'bool_on_off' },
};

/** How METRIC_INFO's Grafana unit ids read to people (editor options); '' where a unit says nothing. */
export const UNIT_LABELS: Record<string, string> = {
  bool_on_off: 'on/off (1/0)',
  none: '',
  ms: 'milliseconds',
  dBm: 'dBm',
  s: 'seconds',
  percent: 'percent',
  celsius: '°C',
  humidity: '% relative humidity',
};

/** Metrics that are on/off states: they hold until they change (a bucket without a poll keeps the last). */
export const STATE_METRICS: ReadonlySet<MetricName> = new Set<MetricName>([
  'online',
  'motion_detection_enabled',
  'person_detection_enabled',
  'privacy_mode',
  'contact_open',
  'motion_detected',
  'water_leak',
]);

/** storage_used_pct from a poll's byte counts; null when either is unknown or the card is empty. */
export function storageUsedPct(
  usedBytes: number | null | undefined,
  totalBytes: number | null | undefined
): number | null {
  if (usedBytes == null || totalBytes == null || !(totalBytes > 0)) {
    return null;
  }
  return (usedBytes / totalBytes) * 100;
}

/** `sleeping`: a battery camera behind a hub in power save (reachable, not awake); not a fault. */
export const CAMERA_STATUSES = [
  'online',
  'offline',
  'auth_failed',
  'locked_out',
  'error',
  'unknown',
  'sleeping',
] as const;
export type CameraStatus = (typeof CAMERA_STATUSES)[number];

/** How a status reads to people (query editor options, panel tiles). */
export const STATUS_LABELS: Record<CameraStatus, string> = {
  online: 'Online',
  offline: 'Offline',
  auth_failed: 'Login failed',
  locked_out: 'Locked out',
  error: 'Error',
  unknown: 'Unknown',
  sleeping: 'Sleeping',
};

/** What a status means and what to do about it, beside its label in the editors' dropdowns. */
export const STATUS_HINTS: Record<CameraStatus, string> = {
  online: 'Answered its last poll',
  offline: 'Unreachable: check the address, power and network',
  auth_failed: 'Wrong password, or Third-Party Compatibility off in the Tapo app',
  locked_out: 'Refuses logins for a while after failed ones',
  error: 'Answered with an error',
  unknown: 'Not polled yet',
  sleeping: 'A battery camera saving power behind its hub',
};

/**
 * `ring`: a doorbell press (D230 behind a hub, from its last-alarm info). The kinds after it are
 * the cameras' smart detections (issue 21): each one a Tapo camera reports as an ONVIF topic or as
 * its last alarm's type (the app's event-type table names the same ones).
 */
export const EVENT_KINDS = [
  'motion',
  'person',
  'ring',
  'vehicle',
  'pet',
  'line_crossing',
  'intrusion',
  'tamper',
  'baby_cry',
  'bark',
  'meow',
  'glass_break',
  'package',
  // A button's press (issue 24), from the hub's trigger log.
  'button',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** How an event kind reads to people (editors' options, annotation text). */
export const EVENT_KIND_LABELS: Record<EventKind, string> = {
  motion: 'Motion',
  person: 'Person detected',
  ring: 'Doorbell ring',
  vehicle: 'Vehicle detected',
  pet: 'Pet detected',
  line_crossing: 'Line crossed',
  intrusion: 'Area intrusion',
  tamper: 'Camera tampering',
  baby_cry: 'Baby crying',
  bark: 'Dog barking',
  meow: 'Cat meowing',
  glass_break: 'Glass breaking',
  package: 'Package detected',
  button: 'Button press',
};

export const LIVE_KINDS = ['metrics', 'frames', 'video'] as const;
export type LiveKind = (typeof LIVE_KINDS)[number];

/** A camera's two RTSP streams: `main` is stream1 (full size), `sub` is stream2 (640×360). */
export const VIDEO_STREAMS = ['main', 'sub'] as const;
export type VideoStreamName = (typeof VIDEO_STREAMS)[number];
/** Tiles play the small stream; full screen may ask for the main one. */
export const LIVE_DEFAULT_VIDEO_STREAM: VideoStreamName = 'sub';

/** Live frame limits: a 16-camera wall must stay far below Grafana Live's 4 MB client queue. */
export const LIVE_DEFAULT_FPS = 2;
export const LIVE_MAX_FPS = 10;
export const LIVE_DEFAULT_WIDTH = 640;
export const LIVE_MAX_WIDTH = 1280;

/**
 * Accepted ranges of the settings and live numbers; the config editor and the sidecar's validation
 * both read these. Poll interval: a second (the simulator and the conformance harness poll that
 * fast; a camera answers a poll in a few requests) up to a day.
 */
/**
 * History kept when no source asks for another retention: a year, which compact chunks and
 * downsampled tiers make cheap (the sidecar's store/rollup.ts).
 */
export const HISTORY_DEFAULT_RETENTION_HOURS = 24 * 365;

export const LIMITS = {
  pollIntervalSeconds: { min: 1, max: 86_400 },
  retentionHours: { min: 1, max: 24 * 366 },
  liveFps: { min: 1, max: LIVE_MAX_FPS },
  liveWidth: { min: 160, max: LIVE_MAX_WIDTH },
  port: { min: 1, max: 65535 },
} as const;

/**
 * The live picture rate a panel may ask for: whole pictures per second within LIMITS.liveFps, the
 * default when none is given. The frontend applies it before sending, the sidecar on every channel.
 */
export function clampLiveFps(fps: number | undefined): number {
  if (fps === undefined || !Number.isFinite(fps)) {
    return LIVE_DEFAULT_FPS;
  }
  return Math.min(LIMITS.liveFps.max, Math.max(LIMITS.liveFps.min, Math.round(fps)));
}

/** The live picture width: within LIMITS.liveWidth and even (ffmpeg's scalers want even sizes). */
export function clampLiveWidth(width: number | undefined): number {
  if (width === undefined || !Number.isFinite(width)) {
    return LIVE_DEFAULT_WIDTH;
  }
  return Math.min(LIMITS.liveWidth.max, Math.max(LIMITS.liveWidth.min, Math.round(width))) & ~1;
}

/** The datasource query. `cameras` holds camera ids (or template variables); empty means all cameras. */
export interface TapoQuery {
  refId: string;
  queryType?: QueryType;
  hide?: boolean;
  cameras?: string[];
  /** metrics: which series; defaults to ['online']. */
  metrics?: MetricName[];
  /** metrics: also each bucket's minimum and maximum, as two more fields of each series' frame. */
  minMax?: boolean;
  /** events: which kinds; empty means all. */
  eventKinds?: EventKind[];
  /** status: filter rows by status; empty means all. */
  statuses?: CameraStatus[];
  /**
   * live: what to stream; without it, camera pictures (frames). For 'video', `stream` picks the
   * camera's stream and fps/width say how the JPEG fallback (H.265 cameras, no MSE) is made.
   */
  live?: { kind: LiveKind; fps?: number; width?: number; stream?: VideoStreamName };
  /** events: also answer status changes (went offline, came back) as rows; used by annotations. */
  statusChanges?: boolean;
  /** sensors: which kinds of sensor behind a hub; empty means all. */
  sensorKinds?: SensorKind[];
  /** events: the thumbnail column's pictures (default true); annotations ask without them. */
  thumbnails?: boolean;
  /** recordings: one row per clip (`clips`, default) or a state timeline per camera (`timeline`). */
  recordings?: { format?: RecordingsFormat };
}

/**
 * What stands for "All cameras" in `cameras`: Grafana's `$__all` and a custom all value `*` (what
 * an unexpanded variable leaves), and `all`/`All` typed by hand into a JSON query.
 */
export const ALL_CAMERAS_VALUES: ReadonlySet<string> = new Set(['$__all', '*', 'all', 'All']);

export const DEFAULT_QUERY: Partial<TapoQuery> = {
  queryType: 'metrics',
  metrics: ['online'],
  cameras: [],
};

/** Variable query (camera list), filterable by model or status. */
export interface TapoVariableQuery {
  models?: string[];
  statuses?: CameraStatus[];
}

/** One camera as configured in the datasource's jsonData. Secrets live in secureJsonData. */
export interface CameraSettings {
  /** Stable id (letters, digits, '-', '_'): keys secrets, history and channels. */
  id: string;
  name: string;
  host: string;
  /** Local API user; the camera expects 'admin' with the owner's TP-Link cloud password. */
  username?: string;
  /** Camera account (made in the Tapo app) for RTSP and ONVIF. */
  cameraAccount?: string;
  pollIntervalSeconds?: number;
  stream?: 'stream1' | 'stream2';
  /**
   * A restream (go2rtc, Frigate) used instead of the camera's own RTSP URL. Without credentials:
   * its user and password go to secureJsonData (`secretKeys.restreamUser/restreamPassword`).
   */
  rtspUrlOverride?: string;
  onvifPort?: number;
  /** A pinned TLS certificate SHA-256 fingerprint; empty means trust on first use. */
  tlsFingerprint?: string;
  disabled?: boolean;
  /** 'hub': a Tapo hub (H200/H500) entered like a camera; its battery cameras are offered to add. */
  kind?: 'camera' | 'hub';
  /** A battery camera behind a hub (host and cloud password are the hub's); `hubId` is the hub's camera id. */
  hubChild?: { hubId: string; deviceId: string };
}

export type ConnectionMode = 'managed' | 'sidecar';

export interface TapoDataSourceOptions {
  connection?: ConnectionMode;
  cameras?: CameraSettings[];
  retentionHours?: number;
  defaultPollIntervalSeconds?: number;
  liveFps?: number;
  liveWidth?: number;
  ffmpegPath?: string;
}

/**
 * secureJsonData keys, per camera: the cloud password for the local API, the camera account's
 * password, and the restream's user and password (a restream URL in jsonData carries none: jsonData
 * is stored in clear and sent to every browser that opens the datasource).
 */
export const secretKeys = {
  password: (cameraId: string) => `password.${cameraId}`,
  cameraPassword: (cameraId: string) => `cameraPassword.${cameraId}`,
  restreamUser: (cameraId: string) => `restreamUser.${cameraId}`,
  restreamPassword: (cameraId: string) => `restreamPassword.${cameraId}`,
};

/** Grafana Live channel paths under ds/<uid>/ (all characters in [A-Za-z0-9_\-/=.]). */
export const channels = {
  fleetMetrics: () => 'fleet/metrics',
  cameraMetrics: (id: string) => `camera/${id}/metrics`,
  cameraFrames: (id: string, fps: number, width: number) => `camera/${id}/frames/${fps}/${width}`,
  /** The camera's own H.264 as fMP4 (VIDEO_FIELDS packets). */
  cameraVideo: (id: string, stream: VideoStreamName) => `camera/${id}/video/${stream}`,
  /** A recorded clip from the camera's SD card as fMP4 (VIDEO_FIELDS packets); times in UTC epoch s. */
  cameraPlayback: (id: string, start: number, end: number) => `camera/${id}/playback/${start}-${end}`,
};

/** CallResource paths. */
export const resources = {
  cameras: 'cameras',
  snapshot: (id: string) => `cameras/${id}/snapshot`,
  ptz: (id: string) => `cameras/${id}/ptz`,
  presets: (id: string) => `cameras/${id}/presets`,
  privacy: (id: string) => `cameras/${id}/privacy`,
  reboot: (id: string) => `cameras/${id}/reboot`,
  /** GET: SidecarInfo, what the config editor shows about the connection. */
  info: 'info',
  /** GET: CallerAccess, what the sidecar lets the calling user do (the panel shows controls from it). */
  me: 'me',
  /** POST DiscoverRequest → DiscoverResponse: find cameras on the network (Editor/Admin). */
  discover: 'discover',
  /** POST: one poll of a saved camera now, answered as a CameraTestResult (Editor/Admin). */
  test: (id: string) => `cameras/${id}/test`,
  /** GET: a saved hub's children as HubChildrenResponse (Editor/Admin); `?refresh=1` lists them afresh. */
  hubChildren: (id: string) => `hubs/${id}/children`,
  /** GET: OwnershipResponse, this datasource's cameras that another source lists too (issue 24). */
  ownership: 'ownership',
  /** GET: a recorded clip from the camera's SD card as MP4 (Editor/Admin); times in UTC epoch s. */
  recordingDownload: (id: string, start: number, end: number) => `cameras/${id}/recordings/${start}-${end}.mp4`,
  /** GET: EventRecording, the clip the camera's SD card holds at an event's time (UTC epoch s; Viewers too). */
  recordingAt: (id: string, at: number) => `cameras/${id}/recordings/at/${at}`,
};

// ---- Camera ownership between datasources (issue 24) ----

/**
 * A camera this datasource and another source both list. The one that had it first keeps it
 * until it drops it: 'lost' means the other polls it (not this one); 'kept' means this one does.
 */
export interface CameraOwnership {
  /** The camera's id in this datasource. */
  cameraId: string;
  role: 'lost' | 'kept';
  /** The other source in words ('datasource "Tapo garden"', 'the YAML file'). */
  other: string;
  /** What it means and what to do, in a sentence (the row's tooltip and the Save & test line). */
  message: string;
}

/** Answer of GET resources.ownership. */
export interface OwnershipResponse {
  cameras: CameraOwnership[];
}

/** One camera or doorbell behind a hub, as GET resources.hubChildren lists it. */
export interface HubChildItem {
  /** The child's device_id: the key of `hubChild.deviceId`. */
  deviceId: string;
  name: string;
  model: string;
  online: boolean;
  sleeping: boolean;
  batteryPercent: number | null;
  /** The id the sidecar runs it under while no entry of its own is configured. */
  cameraId: string;
}

/** Answer of GET resources.hubChildren. */
export interface HubChildrenResponse {
  hubId: string;
  children: HubChildItem[];
}

/** Body of POST resources.discover. Without `target`, the sidecar's own networks are broadcast to. */
export interface DiscoverRequest {
  /** One IPv4 address (a camera, or a broadcast address). */
  target?: string;
  /** UDP port, default 20002. */
  port?: number;
  /** How long to wait for answers, 100..10000 ms (default 3000). */
  timeoutMs?: number;
}

/** One camera (or hub) that answered discovery. */
export interface DiscoveredCameraItem {
  /** 'hub': a Tapo hub (H200/H500), added as `kind: 'hub'`; absent from older sidecars, meaning a camera. */
  kind?: 'camera' | 'hub';
  host: string;
  model: string;
  name: string | null;
  mac: string;
  deviceType: string;
  firmware: string | null;
  hardwareVersion: string | null;
  /** 3: the secure login; 4: the new-firmware login (TPAP); 2 or less: the older login; null: not said. */
  loginVersion: number | null;
  httpsPort: number;
  factoryDefault: boolean;
  /** The id of a configured camera at this address, if any. */
  configuredAs: string | null;
}

/** Answer of POST resources.discover. */
export interface DiscoverResponse {
  cameras: DiscoveredCameraItem[];
  /** Answers that were not discovery replies (ignored). */
  malformed: number;
  /** TP-Link devices that are neither cameras nor hubs. */
  otherDevices: number;
  /** Where the probe went. */
  targets: string[];
  timeoutMs: number;
}

/** Answer of GET resources.info. */
export interface SidecarInfo {
  connection: ConnectionMode;
  /** host:port the datasource reached in sidecar mode; null when managed. */
  address: string | null;
  version: string;
}

/**
 * Answer of GET resources.me: the caller's role in the datasource's organisation, as Grafana sent it
 * to the sidecar, and whether the sidecar will take camera controls (PTZ, presets, privacy, reboot)
 * from them. The sidecar is the one that enforces it, so the panel asks it instead of guessing.
 */
export interface CallerAccess {
  /** 'Admin', 'Editor', 'Viewer', or '' when Grafana sent no user. */
  role: string;
  controls: boolean;
  /** Whether the sidecar serves this caller the pictures kept with events (whoever sees the live view). */
  pictures?: boolean;
}

/** The answer of `cameras/<id>/test`: the camera's check, with what to fix when it failed. */
export interface CameraTestResult {
  cameraId: string;
  name: string;
  ok: boolean;
  status: CameraStatus;
  /** Short words of what to fix ("wrong password, or Third-Party Compatibility off?"). */
  problem?: string;
  model: string | null;
  firmware: string | null;
  message: string;
}

/** The row of the `cameras` resource, also used by variables. */
export interface CameraListItem {
  id: string;
  name: string;
  model: string | null;
  status: CameraStatus;
  host: string;
  ptz: boolean;
  /** Privacy mode as last polled; absent/null when unknown. Lets the panel's toggle show the state. */
  privacyMode?: boolean | null;
  /** A sensor behind a hub (issue 24): no picture; camera variables leave it out. */
  sensor?: SensorKind;
}

/** Field names of the events frame (queryType 'events'), one row per event or status change. */
export const EVENT_FIELDS = {
  time: 'time',
  /** Nullable end time (a motion event still going on has none). */
  timeEnd: 'time_end',
  cameraId: 'camera_id',
  cameraName: 'camera_name',
  /** An EventKind, or `status_<CameraStatus>` for a status change ('status_offline', 'status_online', ...). */
  kind: 'kind',
  /** Where the event was learnt: 'poll', 'onvif', ... */
  source: 'source',
  /** Human text, e.g. "Front door went offline: timeout"; never a secret. */
  text: 'text',
} as const;

/** Field names of a live frames packet (channel camera/<id>/frames/<fps>/<width>); one row per packet. */
export const FRAME_FIELDS = {
  time: 'time',
  cameraId: 'camera_id',
  cameraName: 'camera_name',
  width: 'width',
  height: 'height',
  /** The JPEG as base64 (no data: prefix). */
  jpeg: 'jpeg',
  /** Optional: a CameraStatus, last contact (time), motion now (bool), error words. */
  status: 'status',
  lastSeen: 'last_seen',
  motion: 'motion',
  error: 'error',
  /** Optional: privacy mode as last polled (null when unknown), so every viewer sees it. */
  privacy: 'privacy_mode',
} as const;

/**
 * Field names the panel reads from a live metrics packet (channel camera/<id>/metrics, one row per
 * poll, as the sidecar's pollFrame writes them): a video tile's status, reason, privacy state and
 * motion badge follow the camera there.
 */
export const POLL_FIELDS = {
  time: 'time',
  cameraId: 'camera_id',
  status: 'status',
  privacy: 'privacy_mode',
  error: 'last_error',
  /** The camera's latest motion, person or ring event (time, null when none yet); a motion event resends the row. */
  lastMotion: 'last_motion',
} as const;

/**
 * Field names of a live video packet (channel camera/<id>/video/<main|sub>). Each row is one piece of
 * fMP4: `kind` 'init' (the init segment, sent before every keyframe so a viewer can start there),
 * 'fragment' (one picture), or 'problem' (no video, `error` says why, e.g. H.265 is not playable in
 * the browser: show pictures instead). A packet may hold several rows; apply them in order.
 */
export const VIDEO_FIELDS = {
  time: 'time',
  /** Fragment sequence number: a gap means pictures were dropped, so wait for the next keyframe. */
  seq: 'seq',
  kind: 'kind',
  keyframe: 'keyframe',
  /** MSE codec string, e.g. avc1.64001f; 'h265' in a problem row for such cameras. */
  codec: 'codec',
  width: 'width',
  height: 'height',
  /** The fMP4 bytes as base64. */
  data: 'data',
  error: 'error',
} as const;
export type VideoPacketKind = 'init' | 'fragment' | 'problem';

/**
 * Field names of the frame a video query answers, one row per camera: the panel subscribes to
 * `video_channel` itself (every packet counts, none may be merged away) and to `frames_channel`
 * when it must fall back to pictures.
 */
export const VIDEO_TILE_FIELDS = {
  cameraId: 'camera_id',
  cameraName: 'camera_name',
  status: 'status',
  stream: 'stream',
  videoChannel: 'video_channel',
  framesChannel: 'frames_channel',
  error: 'error',
  /** Privacy mode as last polled (null when unknown). */
  privacy: 'privacy_mode',
} as const;

/** Pan/tilt step directions in degrees, the camera's own convention (pytapo: clockwise = 0, vertical = 90). */
export const PTZ_DIRECTIONS = { right: 0, up: 90, left: 180, down: 270 } as const;

/** Body of POST resources.ptz: one step towards `direction` degrees (0..359), or go to a preset. */
export type PtzRequest = { direction: number } | { preset: string };

/** Row of GET resources.presets. */
export interface PtzPreset {
  id: string;
  name: string;
}

/** Body of POST resources.privacy. */
export interface PrivacyRequest {
  enabled: boolean;
}

// ---- Event pictures (issue 21): one picture kept per event, served as datasource resources ----

/** Extra fields of the events frame (queryType 'events') for events that have a picture. */
export const EVENT_PICTURE_FIELDS = {
  /** The event's id (hex): names its picture. Empty for status-change rows. */
  eventId: 'event_id',
  /** The picture's resource path (`events/<id>/picture`), empty when the event has none. */
  picture: 'picture',
  /** A small JPEG as a `data:image/jpeg;base64,` URL (Grafana's table shows it as an image cell). */
  thumbnail: 'thumbnail',
} as const;

/** CallResource paths of an event's picture and thumbnail (GET, image/jpeg; whoever may see live view). */
export const eventPictureResources = {
  picture: (eventId: string) => `events/${eventId}/picture`,
  thumbnail: (eventId: string) => `events/${eventId}/thumbnail`,
};

/** What an event id looks like: 16 hex digits, nothing a path could escape with. */
export const EVENT_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * Bounds of the event pictures in `<data-dir>/event-pictures/`: the oldest go first when either is
 * reached. Defaults a home user never needs to change: 16 cameras at 50 events a day for a month
 * stay well under the size bound.
 */
export const EVENT_PICTURE_LIMITS = {
  maxBytes: { default: 512 * 1024 * 1024, min: 1024 * 1024 },
  maxAgeDays: { default: 30, min: 1 },
  /** Width of the kept picture and of the thumbnail (px). */
  pictureWidth: 640,
  thumbnailWidth: 160,
  /** An events frame carries the thumbnails of its newest rows only, so it stays small. */
  thumbnailsPerFrame: 200,
} as const;

/** Annotation text suffix for an event with a picture. */
export const WITH_PICTURE = 'with picture';
// ---- Recordings: the camera's own SD card (issue 21) -------------------------------------------

export const RECORDINGS_FORMATS = ['clips', 'timeline'] as const;
export type RecordingsFormat = (typeof RECORDINGS_FORMATS)[number];

/** How a recordings format reads in the query editor. */
export const RECORDINGS_FORMAT_LABELS: Record<RecordingsFormat, string> = {
  clips: 'Clips (one row each)',
  timeline: 'Timeline (state timeline per camera)',
};

/** Bounds of the recordings query and of a clip to play or download. */
export const RECORDINGS_LIMITS = {
  /** The widest range one query reads (each day is one search on the camera). */
  maxDays: 31,
  /** The longest clip the panel plays or downloads in one piece, in seconds. */
  maxClipSeconds: 3600,
} as const;

/**
 * What the camera says a recorded clip holds: its event-type codes (recordings sheet §5.1, the
 * app's table), as the timeline and the clip list show them. Codes not named here read "Event <n>".
 */
export const RECORDED_EVENT_LABELS: Readonly<Record<number, string>> = {
  1: 'Continuous',
  2: 'Motion',
  3: 'Tamper',
  4: 'Line crossing',
  5: 'Area intrusion',
  6: 'Person',
  7: 'Baby cry',
  8: 'Vehicle',
  9: 'Pet',
  10: 'Ring alarm',
  11: 'Bark',
  12: 'Meow',
  13: 'Glass break',
  14: 'Smoke alarm',
  15: 'Package delivered',
  16: 'Package picked up',
  17: 'Doorbell ring',
  18: 'Doorbell answered',
  19: 'Anti-theft',
  20: 'Face',
  21: 'Unfamiliar face',
  22: 'Unfamiliar person',
  33: 'Animal',
  36: 'CO alarm',
};

/** The label of a clip: its most telling event (the highest code), or its recording type. */
export function recordedClipLabel(events: readonly number[], videoType: number): string {
  const code = events.length ? Math.max(...events) : videoType === 1 ? 1 : 2;
  return RECORDED_EVENT_LABELS[code] ?? `Event ${code}`;
}

/** The error of the problem row that ends a playback channel once the whole clip was sent. */
export const PLAYBACK_END = 'end of the recording';

/**
 * Which clip plays when a user clicks "Play recording" on an event: the card's clip that holds the
 * event's time, else one that starts a little after it (a detection clip starts when the camera
 * has decided) or ended just before it (an event learnt from a poll is stamped late); it plays
 * from a few seconds before the event, as a viewer wants to see what led up to it.
 */
export const EVENT_CLIP = {
  leadSeconds: 5,
  lateStartSeconds: 30,
  earlyEndSeconds: 10,
  /** An event this recent whose clip is not in the cached searches is searched for afresh (the camera closes a clip after the event). */
  recentSeconds: 600,
} as const;

/** Why an event has no clip to play: nothing recorded then, or the card's own reasons. */
export const EVENT_RECORDING_REASONS = ['nothing', 'no_card', 'card_error', 'not_supported', 'search_failed'] as const;
export type EventRecordingReason = (typeof EVENT_RECORDING_REASONS)[number];

/** Answer of GET resources.recordingAt: the clip to play for an event (times UTC epoch s, inclusive). */
export interface EventRecording {
  cameraId: string;
  cameraName: string;
  start: number;
  end: number;
  /** recordedClipLabel of the clip, and all its event labels, comma separated. */
  event: string;
  events: string;
  /** Where playback starts, in whole seconds into the clip (EVENT_CLIP.leadSeconds before the event). */
  offsetS: number;
  /** channels.cameraPlayback of the clip (the panel puts ds/<uid>/ before it) and resources.recordingDownload. */
  channel: string;
  download: string;
}

/** The error answer of GET resources.recordingAt (404 for 'nothing' and 'no_card'). */
export interface EventRecordingRefusal {
  error: string;
  reason: EventRecordingReason;
}

/** Field names of the recordings frame (format `clips`), one row per clip. */
export const RECORDING_FIELDS = {
  time: 'time',
  timeEnd: 'time_end',
  cameraId: 'camera_id',
  cameraName: 'camera_name',
  /** recordedClipLabel: what the state timeline colours by. */
  event: 'event',
  /** Every event label of the clip, comma separated. */
  events: 'events',
  durationS: 'duration_s',
  /** The Live channel that plays it (channels.cameraPlayback, under ds/<uid>/). */
  playbackChannel: 'playback_channel',
  /** The resource that downloads it as MP4 (resources.recordingDownload). */
  download: 'download',
} as const;
// ---- What the device says about itself (issue 24) ------------------------------------------

/** Recording status words: the record plan's ('scheduled', 'off'), or no card in the slot. */
export const RECORDING_NO_CARD = 'no_card';
export const RECORDING_STATUS_LABELS: Record<string, string> = {
  scheduled: 'Scheduled',
  off: 'Off',
  [RECORDING_NO_CARD]: 'No card',
};

/** Extra status-table fields (queryType 'status'): what the device reports about itself. */
export const DEVICE_FIELDS = {
  /** Motion now: an event in progress or started within the last poll interval ("Motion Active"). */
  motionNow: 'motion_now',
  /** The motion detection setting (the seed's `motion_detected` carried this). */
  motionDetection: 'motion_detection',
  appName: 'app_name',
  mac: 'mac',
  linkType: 'link_type',
  ssid: 'ssid',
  led: 'led',
  recording: 'recording',
  loopRecording: 'loop_recording',
  firmwareUpdate: 'firmware_update',
  firmwareUpgradeFailed: 'firmware_upgrade_failed',
} as const;

/** Sensors behind a hub (issue 24): what kind each is, from its category in the hub's list. */
export const SENSOR_KINDS = ['temp_humidity', 'contact', 'motion', 'water_leak', 'button'] as const;
export type SensorKind = (typeof SENSOR_KINDS)[number];
/** Field names of the sensors table (queryType 'sensors'), one row per sensor. */
export const SENSOR_FIELDS = {
  id: 'sensor_id',
  name: 'name',
  kind: 'kind',
  model: 'model',
  status: 'status',
  temperature: 'temperature_c',
  humidity: 'humidity_pct',
  contactOpen: 'contact_open',
  motion: 'motion_detected',
  waterLeak: 'water_leak',
  batteryPct: 'battery_pct',
  batteryLow: 'battery_low',
  rssi: 'rssi_dbm',
  lastSeen: 'last_seen',
} as const;

export const SENSOR_KIND_LABELS: Record<SensorKind, string> = {
  temp_humidity: 'Temperature and humidity',
  contact: 'Door/window contact',
  motion: 'Motion sensor',
  water_leak: 'Water leak sensor',
  button: 'Button',
};
