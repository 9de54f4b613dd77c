/**
 * The fleet's data model: what one poll of a camera yields, what a motion event is, and the
 * read side the Grafana layer and the HTTP API consume. Implemented by the fleet (poller +
 * store); the Grafana layer depends only on these types.
 */
import type { CameraStatus, EventKind, MetricName, CameraListItem, SensorKind } from '../../src/shared/query.ts';

import type { Capabilities } from './tapo/capabilities.ts';
import type { LoginFlow } from './tapo/types.ts';

export type { Capabilities };

export type { CameraStatus, EventKind, MetricName, CameraListItem };

/** One poll of one camera. Null means "the camera does not report it", never a guess. */
export interface PollResult {
  cameraId: string;
  /** Epoch milliseconds when the poll finished. */
  time: number;
  status: CameraStatus;
  /** Words, never a secret; null when the poll succeeded. */
  error: string | null;
  latencyMs: number | null;
  uptimeSeconds: number | null;
  firmware: string | null;
  hardwareVersion: string | null;
  model: string | null;
  mac: string | null;
  rssiDbm: number | null;
  signalLevel: number | null;
  motionDetectionEnabled: boolean | null;
  personDetectionEnabled: boolean | null;
  privacyMode: boolean | null;
  recordingMode: string | null;
  storageUsedBytes: number | null;
  storageTotalBytes: number | null;
  sdCardStatus: string | null;
  temperatureC: number | null;
  /** Battery models only (they have no RTSP stream and no ONVIF). */
  batteryPercent?: number | null;
  /** Battery children of a hub: charging now, low battery, and 'BATTERY' | 'SOLAR' (as reported). */
  batteryCharging?: boolean | null;
  batteryLow?: boolean | null;
  powerSource?: string | null;
  /** Battery children of a hub: the battery reported itself overheated. */
  batteryOverheated?: boolean | null;
  /** The smart detections the camera has (vehicle, pet, baby cry, ...), each on or off; absent when not read. */
  detectionsEnabled?: Partial<Record<EventKind, boolean>> | null;
  /** Which login the camera uses: 'legacy', 'secure' or 'tpap' (2026 firmware); null before one worked. */
  login?: LoginFlow | null;
  /** Why the poll failed, for words a user can act on (absent on success and in resumed history). */
  reason?: ProblemReason;
  /** For 'locked': when the camera accepts logins again; 'logins_paused': when the sidecar risks one (epoch ms). */
  until?: number;
  // What the device says about itself (issue 24); absent in history written before them.
  /** The name the owner gave the device in the Tapo app. */
  alias?: string | null;
  /** 'wifi' | 'ethernet' as reported. */
  linkType?: string | null;
  ssid?: string | null;
  /** The LED's mode: 'on', 'off' or 'auto'. */
  led?: string | null;
  /** 'normal' when no firmware upgrade runs, else the camera's word for the step it is in. */
  firmwareUpdateState?: string | null;
  /** The last firmware upgrade failed. */
  firmwareUpgradeFailed?: boolean | null;
  /** The card overwrites its oldest footage: a full card is normal then. */
  loopRecording?: boolean | null;
  /** From the device's component list; null when it sent none. */
  capabilities?: Capabilities | null;
  // Sensors behind a hub (issue 24); temperature is `temperatureC`, battery `batteryPercent`/`batteryLow`.
  humidityPct?: number | null;
  contactOpen?: boolean | null;
  /** A motion sensor (T100) sees motion now. */
  motionDetected?: boolean | null;
  waterLeak?: boolean | null;
}

/** Why a camera is not answering, in the terms the user can act on. */
export type ProblemReason =
  | 'wrong_password'
  | 'unreachable'
  | 'locked'
  /** The sidecar's failed-login budget is spent: no login until its window frees (never a camera lockout). */
  | 'logins_paused'
  | 'needs_newer_login'
  | 'certificate_changed'
  | 'waiting_password'
  | 'error';

/** The latest state of a camera: its settings' identity plus the last poll. */
export interface CameraSnapshot {
  id: string;
  name: string;
  host: string;
  /** From the device's component list (false until it has sent one). */
  ptz: boolean;
  /** What the device can do, from its component list; null until it has sent one. */
  capabilities?: Capabilities | null;
  /** Motion now: an event in progress, or one started within the last poll interval. */
  motionNow?: boolean;
  /** Last successful contact, epoch ms. */
  lastSeen: number | null;
  /** The most recent poll, or null before the first one. */
  last: PollResult | null;
  /** Motion events in the last minute. */
  motionEventsLastMinute: number;
  /** Epoch ms of the latest motion/person event. */
  lastMotion: number | null;
  /** Disabled in its settings: kept, not polled, not part of health. */
  disabled?: boolean;
  /** Pictures come from a restream (override URL), not from the camera itself. */
  restream?: boolean;
  /** A Tapo hub (H200/H500): it has battery children, and no picture of its own. */
  hub?: boolean;
  /** A sensor behind a hub (no picture): what kind. */
  sensor?: SensorKind;
}

export interface MotionEvent {
  cameraId: string;
  /** Epoch ms. */
  start: number;
  end: number | null;
  kind: EventKind;
  /** 'trigger_log': a sensor's log kept by its hub (button presses, a motion sensor's motion). */
  source: 'onvif' | 'last_alarm' | 'simulator' | 'trigger_log';
}

/** One downsampled series: bucket times (epoch ms) and values (null where no data). */
export interface Series {
  cameraId: string;
  metric: MetricName;
  times: number[];
  values: Array<number | null>;
  /** Each bucket's minimum and maximum, when the request asked withMinMax. */
  min?: Array<number | null>;
  max?: Array<number | null>;
}

/**
 * A Series as typed arrays, NaN where a bucket has no value: what the metrics query turns into
 * Arrow frames without a JavaScript value per point.
 */
export interface SeriesColumns {
  cameraId: string;
  metric: MetricName;
  times: Float64Array;
  values: Float64Array;
  min?: Float64Array;
  max?: Float64Array;
}

export interface HistoryRequest {
  cameraIds: string[];
  metrics: MetricName[];
  from: number;
  to: number;
  maxPoints: number;
  /** Also each bucket's minimum and maximum (Series.min, Series.max). */
  withMinMax?: boolean;
}

export interface FleetEvents {
  poll: (result: PollResult) => void;
  event: (event: MotionEvent) => void;
}

/** Per-camera counts since the sidecar started (Prometheus, the seed API). */
export interface CameraCounters {
  polls: Record<CameraStatus, number>;
  events: Record<EventKind, number>;
}

/** The read side of the fleet. */
export interface FleetView {
  cameras(): CameraSnapshot[];
  camera(id: string): CameraSnapshot | undefined;
  history(req: HistoryRequest): Promise<Series[]>;
  /** The same as typed arrays (where the fleet offers it; the metrics query falls back to history). */
  historyColumns?(req: HistoryRequest): Promise<SeriesColumns[]>;
  events(cameraIds: string[], from: number, to: number, kinds?: EventKind[]): Promise<MotionEvent[]>;
  /** Status changes (went offline, came back) in range, for annotations. */
  statusChanges(
    cameraIds: string[],
    from: number,
    to: number
  ): Promise<Array<{ cameraId: string; time: number; from: CameraStatus; to: CameraStatus; error: string | null }>>;
  on<K extends keyof FleetEvents>(event: K, listener: FleetEvents[K]): () => void;
}
