/**
 * The fleet in Prometheus exposition format: per-camera gauges and counters labelled camera_id,
 * camera_name and model, fleet totals, and the process's own metrics (prom-client). Values are read
 * from the fleet at scrape time, so removed cameras disappear and labels follow renames. A figure a
 * camera does not report (temperature on wired models, say) has no series, never a made-up zero.
 *
 * The per-camera families are written as text directly, from one read of the fleet per scrape with
 * each camera's labels escaped once: through prom-client's label maps a scrape of 1,000 cameras
 * (25,000 series) took about 10x as long as sending the same text (`npm run bench -- scale`).
 */
import { powerSourceCode } from '../store/columns.ts';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { HttpFleetView } from './deps.ts';
import type { CameraCounters, CameraSnapshot, PollResult } from '../model.ts';
import { CAMERA_STATUSES } from '../../../src/shared/query.ts';
import { LineBuffer } from './line-buffer.ts';

export interface FleetMetrics {
  registry: Registry;
  /** Exposition text (text/plain; version=0.0.4). */
  text(): Promise<string>;
  /** The same as UTF-8 bytes, as the HTTP API sends them (no string of the whole text is made). */
  bytes(): Promise<Buffer>;
  contentType: string;
}

export interface FleetMetricsOptions {
  /** Include process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
  /** Metric name prefix (default 'tapo_'). */
  prefix?: string;
}

/** One camera as a scrape sees it: its snapshot and its label set, escaped once. */
interface ScrapedCamera {
  s: CameraSnapshot;
  labels: string;
}

/** One metric family: its HELP and TYPE lines, then the series `write` appends. */
interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  write(out: LineBuffer, cams: ScrapedCamera[]): void;
}

/** A label value as the text format wants it (backslash, double quote and newline escaped). */
export function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** A sample value as the text format writes it. */
function sampleValue(v: number): string {
  return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

const registries = new WeakMap<HttpFleetView, FleetMetrics>();

/** One metrics registry per fleet (created on first use): the HTTP /metrics and Grafana's CollectMetrics share it. */
export function fleetMetrics(fleet: HttpFleetView, opts: FleetMetricsOptions = {}): FleetMetrics {
  let m = registries.get(fleet);
  if (!m) {
    m = createFleetMetrics(fleet, opts);
    registries.set(fleet, m);
  }
  return m;
}

/** Prometheus text of the fleet and the process, for Diagnostics.CollectMetrics. */
export function fleetMetricsText(fleet: HttpFleetView): Promise<string> {
  return fleetMetrics(fleet).text();
}

export function createFleetMetrics(fleet: HttpFleetView, opts: FleetMetricsOptions = {}): FleetMetrics {
  const registry = new Registry();
  const p = opts.prefix ?? 'tapo_';
  const families: Family[] = [];
  const family = (name: string, help: string, type: Family['type'], write: Family['write']) =>
    families.push({ name: p + name, help, type, write });
  const labelsOf = (s: CameraSnapshot): string =>
    `camera_id="${escapeLabel(s.id)}",camera_name="${escapeLabel(s.name)}",model="${escapeLabel(fleet.model(s.id) ?? s.last?.model ?? '')}"`;
  /**
   * A per-camera counter family read from the fleet's counters at scrape time: one series per
   * camera and `[label value, count]` pair of `values` (labelled `label`, or with no extra label
   * when null). A camera without counters is skipped.
   */
  const cameraCounter = (
    name: string,
    help: string,
    label: string | null,
    values: (c: CameraCounters) => Array<[string, number]>
  ) =>
    family(name, help, 'counter', (out, cams) => {
      for (const { s, labels } of cams) {
        const c = fleet.counters(s.id);
        if (!c) {
          continue;
        }
        for (const [v, n] of values(c)) {
          out.push(`${p}${name}{${labels}${label ? `,${label}="${escapeLabel(v)}"` : ''}} ${sampleValue(n)}`);
        }
      }
    });

  /** A per-camera gauge whose value comes from the snapshot; null values produce no series. */
  const cameraGauge = (
    name: string,
    help: string,
    value: (s: CameraSnapshot, last: PollResult | null) => number | boolean | null | undefined
  ) =>
    family(name, help, 'gauge', (out, cams) => {
      for (const { s, labels } of cams) {
        const v = value(s, s.last);
        if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) {
          continue;
        }
        out.push(`${p}${name}{${labels}} ${typeof v === 'boolean' ? Number(v) : sampleValue(v)}`);
      }
    });
  // A sleeping battery child is reachable through its hub, and its readings are current.
  const online = (l: PollResult | null) => l?.status === 'online' || l?.status === 'sleeping';
  const ifOnline = <T>(l: PollResult | null, v: T | null | undefined): T | null => (online(l) ? (v ?? null) : null);

  cameraGauge('camera_up', 'Whether the last poll reached the camera (1) or not (0).', (_s, l) =>
    l ? online(l) : null
  );
  cameraGauge('camera_last_seen_timestamp_seconds', 'When the camera last answered a poll.', (s) =>
    s.lastSeen === null ? null : s.lastSeen / 1000
  );
  cameraGauge('camera_last_poll_timestamp_seconds', 'When the camera was last polled.', (_s, l) =>
    l ? l.time / 1000 : null
  );
  cameraGauge('camera_network_latency_seconds', 'Round trip of the last poll request.', (_s, l) => {
    const v = ifOnline(l, l?.latencyMs);
    return v === null ? null : v / 1000;
  });
  cameraGauge('camera_uptime_seconds', 'Uptime as the camera reports it (battery models only).', (_s, l) =>
    ifOnline(l, l?.uptimeSeconds)
  );
  cameraGauge('camera_wifi_rssi_dbm', 'Wi-Fi signal strength.', (_s, l) => ifOnline(l, l?.rssiDbm));
  cameraGauge('camera_wifi_signal_level', 'Wi-Fi signal level, 0 to 4.', (_s, l) => ifOnline(l, l?.signalLevel));
  cameraGauge('camera_temperature_celsius', 'Temperature, only where the model reports one.', (_s, l) =>
    ifOnline(l, l?.temperatureC)
  );
  cameraGauge('camera_battery_percent', 'Battery charge (battery cameras behind a hub).', (_s, l) =>
    ifOnline(l, l?.batteryPercent)
  );
  cameraGauge('camera_battery_charging', 'Whether the battery is charging (1) or not (0).', (_s, l) =>
    ifOnline(l, l?.batteryCharging)
  );
  cameraGauge('camera_battery_low', 'Whether the camera reports a low battery.', (_s, l) => ifOnline(l, l?.batteryLow));
  cameraGauge('camera_power_source', 'Power source: 0 mains, 1 battery, 2 solar.', (_s, l) =>
    ifOnline(l, powerSourceCode(l?.powerSource))
  );
  cameraGauge('camera_storage_used_bytes', 'SD card space used.', (_s, l) => ifOnline(l, l?.storageUsedBytes));
  cameraGauge('camera_storage_total_bytes', 'SD card capacity.', (_s, l) => ifOnline(l, l?.storageTotalBytes));
  cameraGauge('camera_motion_detection_enabled', 'Whether motion detection is switched on.', (_s, l) =>
    ifOnline(l, l?.motionDetectionEnabled)
  );
  cameraGauge('camera_person_detection_enabled', 'Whether person detection is switched on.', (_s, l) =>
    ifOnline(l, l?.personDetectionEnabled)
  );
  family(
    'camera_detection_enabled',
    'Whether each detection the camera has is switched on (motion and person too), by detection.',
    'gauge',
    (out, cams) => {
      for (const { s, labels } of cams) {
        const l = s.last;
        const known: Array<[string, boolean | null | undefined]> = [
          ['motion', l?.motionDetectionEnabled],
          ['person', l?.personDetectionEnabled],
          ...Object.entries(l?.detectionsEnabled ?? {}),
        ];
        for (const [detection, on] of known) {
          const v = ifOnline(l, on);
          if (v !== null) {
            out.push(`${p}camera_detection_enabled{${labels},detection="${escapeLabel(detection)}"} ${Number(v)}`);
          }
        }
      }
    }
  );
  cameraGauge('camera_privacy_mode', 'Whether privacy mode (lens mask) is on.', (_s, l) => ifOnline(l, l?.privacyMode));
  // Sensors behind a hub (issue 24), and what cameras say about themselves.
  cameraGauge('camera_humidity_percent', 'Relative humidity (T310/T315 sensors).', (_s, l) =>
    ifOnline(l, l?.humidityPct)
  );
  cameraGauge('camera_contact_open', 'Whether a door/window contact (T110) is open.', (_s, l) =>
    ifOnline(l, l?.contactOpen)
  );
  cameraGauge('camera_sensor_motion', 'Whether a motion sensor (T100) sees motion now.', (_s, l) =>
    ifOnline(l, l?.motionDetected)
  );
  cameraGauge('camera_water_leak', 'Whether a water leak sensor (T300) is in alarm.', (_s, l) =>
    ifOnline(l, l?.waterLeak)
  );
  cameraGauge(
    'camera_motion_now',
    'Whether the camera sees motion now (an event in progress or within a poll).',
    (s) => (s.motionNow === undefined ? null : s.motionNow)
  );
  cameraGauge(
    'camera_loop_recording',
    'Whether the card overwrites its oldest footage (a full card is normal).',
    (_s, l) => ifOnline(l, l?.loopRecording)
  );
  cameraGauge('camera_firmware_upgrade_failed', 'Whether the last firmware upgrade failed.', (_s, l) =>
    ifOnline(l, l?.firmwareUpgradeFailed)
  );
  cameraGauge(
    'camera_motion_events_last_minute',
    'Motion and person events in the last minute.',
    (s) => s.motionEventsLastMinute
  );
  cameraGauge('camera_last_motion_timestamp_seconds', 'When the latest motion or person event started.', (s) =>
    s.lastMotion === null ? null : s.lastMotion / 1000
  );

  family(
    'camera_status',
    'The camera status as one series per status, 1 for the current one.',
    'gauge',
    (out, cams) => {
      for (const { s, labels } of cams) {
        const cur = s.last?.status ?? 'unknown';
        for (const st of CAMERA_STATUSES) {
          out.push(`${p}camera_status{${labels},status="${st}"} ${st === cur ? 1 : 0}`);
        }
      }
    }
  );
  family('camera_info', 'Camera identity as labels (value always 1).', 'gauge', (out, cams) => {
    for (const { s, labels } of cams) {
      const fw = escapeLabel(s.last?.firmware ?? '');
      const hw = escapeLabel(s.last?.hardwareVersion ?? '');
      out.push(`${p}camera_info{${labels},firmware="${fw}",hardware_version="${hw}",host="${escapeLabel(s.host)}"} 1`);
    }
  });
  cameraCounter('camera_polls_total', 'Polls since the sidecar started, by outcome.', 'status', (c) =>
    Object.entries(c.polls).filter(([, n]) => n > 0)
  );
  cameraCounter(
    'camera_poll_errors_total',
    'Polls since the sidecar started that did not reach an online camera.',
    null,
    (c) => [['', Object.entries(c.polls).reduce((sum, [st, n]) => (st === 'online' ? sum : sum + n), 0)]]
  );
  cameraCounter(
    'camera_motion_events_total',
    'Motion and person events since the sidecar started (increase over 1m > 10 is a motion burst).',
    'kind',
    (c) => Object.entries(c.events)
  );
  family('cameras', 'Configured cameras by current status.', 'gauge', (out, cams) => {
    const counts = Object.fromEntries(CAMERA_STATUSES.map((st) => [st, 0])) as Record<string, number>;
    for (const { s } of cams) {
      counts[s.last?.status ?? 'unknown']!++;
    }
    for (const [status, n] of Object.entries(counts)) {
      out.push(`${p}cameras{status="${status}"} ${n}`);
    }
  });
  if (opts.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges *_total, which promtool (rightly) rejects; the per-type
    // nodejs_active_handles / _requests / _resources gauges carry the same information.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      registry.removeSingleMetric(name);
    }
  }
  // The last scrape's size: the next one starts with a buffer that fits, instead of growing into it.
  let lastBytes = 1 << 16;
  /** The fleet's families (one read of the fleet, labels escaped once), then the process's. */
  const bytes = async (): Promise<Buffer> => {
    const cams = fleet.cameras().map((s) => ({ s, labels: labelsOf(s) }));
    const out = new LineBuffer(lastBytes + (lastBytes >> 3));
    for (const f of families) {
      out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`);
      f.write(out, cams);
      out.push(''); // a blank line after each family, as prom-client writes them
    }
    const own = await registry.metrics();
    if (own.trim()) {
      out.push(own);
    }
    lastBytes = out.size;
    // Each scrape has its own buffer, so the view is the answer as it is.
    return out.joined();
  };
  const text = async (): Promise<string> => (await bytes()).toString('utf8');
  return { registry, contentType: registry.contentType, text, bytes };
}
