/** Status query: a table, one row per camera, with the seed's columns. */
import { storageUsedPct as usedPct, type TapoQuery } from '../../../../src/shared/query.ts';
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
          name: 'motion_detection',
          type: 'boolean',
          values: col((c) => c.last?.motionDetectionEnabled ?? null),
          nullable: true,
          config: { displayName: 'Motion Active' },
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
