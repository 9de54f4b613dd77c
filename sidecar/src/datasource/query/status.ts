/** Status query: a table, one row per camera, with the seed's columns. */
import {
  DEVICE_FIELDS,
  RECORDING_STATUS_LABELS,
  storageUsedPct as usedPct,
  type TapoQuery,
} from '../../../../src/shared/query.ts';
import type { Frame } from '../../grafana/frame.ts';
import type { CameraSnapshot } from '../../model.ts';
import { alertTable, selectCameras, type QueryContext } from './context.ts';

export function storageUsedPct(c: CameraSnapshot): number | null {
  const pct = usedPct(c.last?.storageUsedBytes, c.last?.storageTotalBytes);
  return pct === null ? null : Math.round(pct * 10) / 10;
}

export async function statusQuery(ctx: QueryContext, query: TapoQuery): Promise<Frame[]> {
  let cameras = selectCameras(ctx.fleet, query);
  if (query.statuses?.length) {
    const wanted = new Set(query.statuses);
    cameras = cameras.filter((c) => wanted.has(c.last?.status ?? 'unknown'));
  }
  if (ctx.fromAlert) {
    // One instance per camera: online 1 or 0, e.g. a rule "online < 1".
    return [
      alertTable(
        'status',
        query.refId,
        cameras,
        'online',
        cameras.map((c) => (c.last?.status === 'online' ? 1 : 0))
      ),
    ];
  }
  const col = <T>(f: (c: CameraSnapshot) => T) => cameras.map(f);
  return [
    {
      name: 'status',
      refId: query.refId,
      meta: { type: 'table' },
      fields: [
        { name: 'camera_id', type: 'string', values: col((c) => c.id), config: { displayName: 'Camera ID' } },
        { name: 'name', type: 'string', values: col((c) => c.name), config: { displayName: 'Camera Name' } },
        {
          name: 'status',
          type: 'string',
          values: col((c) => c.last?.status ?? 'unknown'),
          config: { displayName: 'Status' },
        },
        {
          name: 'model',
          type: 'string',
          values: col((c) => c.last?.model ?? null),
          nullable: true,
          config: { displayName: 'Model' },
        },
        {
          name: 'firmware',
          type: 'string',
          values: col((c) => c.last?.firmware ?? null),
          nullable: true,
          config: { displayName: 'Firmware' },
        },
        {
          name: 'login',
          type: 'string',
          values: col((c) => c.last?.login ?? null),
          nullable: true,
          config: { displayName: 'Login' },
        },
        { name: 'ip', type: 'string', values: col((c) => c.host), config: { displayName: 'IP' } },
        {
          name: 'latency_ms',
          type: 'number',
          values: col((c) => c.last?.latencyMs ?? null),
          nullable: true,
          config: { displayName: 'Latency (ms)', unit: 'ms' },
        },
        {
          name: 'rssi_dbm',
          type: 'number',
          values: col((c) => c.last?.rssiDbm ?? null),
          nullable: true,
          config: { displayName: 'Signal (dBm)', unit: 'dBm' },
        },
        {
          name: 'signal_level',
          type: 'number',
          values: col((c) => c.last?.signalLevel ?? null),
          nullable: true,
          config: { displayName: 'Signal level' },
        },
        {
          name: DEVICE_FIELDS.motionNow,
          type: 'boolean',
          values: col((c) => c.motionNow ?? false),
          config: { displayName: 'Motion Active' },
        },
        {
          name: DEVICE_FIELDS.motionDetection,
          type: 'boolean',
          values: col((c) => c.last?.motionDetectionEnabled ?? null),
          nullable: true,
          config: { displayName: 'Motion detection' },
        },
        {
          name: 'person_detection',
          type: 'boolean',
          values: col((c) => c.last?.personDetectionEnabled ?? null),
          nullable: true,
          config: { displayName: 'Person detection' },
        },
        {
          name: 'privacy_mode',
          type: 'boolean',
          values: col((c) => c.last?.privacyMode ?? null),
          nullable: true,
          config: { displayName: 'Privacy' },
        },
        {
          name: 'storage_used_pct',
          type: 'number',
          values: col(storageUsedPct),
          nullable: true,
          config: { displayName: 'Storage used', unit: 'percent' },
        },
        {
          name: 'sd_card',
          type: 'string',
          values: col((c) => c.last?.sdCardStatus ?? null),
          nullable: true,
          config: { displayName: 'SD card' },
        },
        {
          name: DEVICE_FIELDS.recording,
          type: 'string',
          values: col((c) => {
            const r = c.last?.recordingMode ?? null;
            return r === null ? null : (RECORDING_STATUS_LABELS[r] ?? r);
          }),
          nullable: true,
          config: { displayName: 'Recording' },
        },
        {
          name: DEVICE_FIELDS.loopRecording,
          type: 'boolean',
          values: col((c) => c.last?.loopRecording ?? null),
          nullable: true,
          config: {
            displayName: 'Loop recording',
            description: 'A full card is normal: the oldest footage is overwritten',
          },
        },
        {
          name: DEVICE_FIELDS.appName,
          type: 'string',
          values: col((c) => c.last?.alias ?? null),
          nullable: true,
          config: { displayName: 'Name in the Tapo app' },
        },
        {
          name: DEVICE_FIELDS.mac,
          type: 'string',
          values: col((c) => c.last?.mac ?? null),
          nullable: true,
          config: { displayName: 'MAC' },
        },
        {
          name: DEVICE_FIELDS.linkType,
          type: 'string',
          values: col((c) => c.last?.linkType ?? null),
          nullable: true,
          config: { displayName: 'Link' },
        },
        {
          name: DEVICE_FIELDS.ssid,
          type: 'string',
          values: col((c) => c.last?.ssid ?? null),
          nullable: true,
          config: { displayName: 'Wi-Fi network' },
        },
        {
          name: DEVICE_FIELDS.led,
          type: 'string',
          values: col((c) => c.last?.led ?? null),
          nullable: true,
          config: { displayName: 'LED' },
        },
        {
          name: DEVICE_FIELDS.firmwareUpdate,
          type: 'string',
          values: col((c) => c.last?.firmwareUpdateState ?? null),
          nullable: true,
          config: { displayName: 'Firmware update' },
        },
        {
          name: DEVICE_FIELDS.firmwareUpgradeFailed,
          type: 'boolean',
          values: col((c) => c.last?.firmwareUpgradeFailed ?? null),
          nullable: true,
          config: { displayName: 'Last upgrade failed' },
        },
        {
          name: 'temperature_c',
          type: 'number',
          values: col((c) => c.last?.temperatureC ?? null),
          nullable: true,
          config: { displayName: 'Temperature (°C)', unit: 'celsius' },
        },
        {
          name: 'last_seen',
          type: 'time',
          values: col((c) => c.lastSeen),
          nullable: true,
          config: { displayName: 'Last seen' },
        },
        {
          name: 'last_error',
          type: 'string',
          values: col((c) => c.last?.error ?? null),
          nullable: true,
          config: { displayName: 'Last error' },
        },
      ],
    },
  ];
}
