/**
 * What is behind a hub, for its row in the config editor: the cameras added as rows of their own,
 * and the cameras and sensors the sidecar runs from the hub's list (ids `<hub id>.<8 hex>`, as the
 * sidecar makes them), each once, with words for the row's summary.
 */
import { SENSOR_KIND_LABELS, type CameraListItem, type CameraSettings, type SensorKind } from '../../shared/query';

export interface HubDevice {
  name: string;
  /** 'row': added as a row of this datasource (its number in `row`); 'camera' or a sensor: run by the sidecar. */
  kind: 'row' | 'camera' | SensorKind;
  row?: number;
  model?: string | null;
}

/** The sidecar's id for a device of hub `hubId` it runs from the hub's list. */
const isListedUnder = (hubId: string, id: string) =>
  id.startsWith(`${hubId}.`) && /^[0-9a-f]{8}$/.test(id.slice(hubId.length + 1));

/** Rows behind the hub first, then what the sidecar runs from its list (cameras, then sensors by name). */
export function hubDevices(hub: CameraSettings, cameras: CameraSettings[], live: CameraListItem[]): HubDevice[] {
  const rows: HubDevice[] = cameras
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.hubChild?.hubId === hub.id)
    .map(({ c, i }) => ({ name: c.name || c.id, kind: 'row', row: i + 1 }));
  const listed = live
    .filter((d) => isListedUnder(hub.id, d.id))
    .map((d): HubDevice => ({ name: d.name, kind: d.sensor ?? 'camera', model: d.model }))
    // A camera added as a row runs under the row's id; the same name listed too is that one.
    .filter((d) => d.kind !== 'camera' || !rows.some((r) => r.name === d.name))
    .sort((a, b) => Number(a.kind !== 'camera') - Number(b.kind !== 'camera') || a.name.localeCompare(b.name));
  return [...rows, ...listed];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 cameras · 3 sensors" (nothing known: undefined). */
export function hubSummary(devices: HubDevice[]): string | undefined {
  const sensors = devices.filter((d) => d.kind !== 'row' && d.kind !== 'camera').length;
  const cameras = devices.length - sensors;
  const parts = [cameras ? plural(cameras, 'camera') : '', sensors ? plural(sensors, 'sensor') : ''].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}

/** What a device is, in words: "camera 5" for a row, the model for a camera, the sensor's kind. */
export function hubDeviceWords(d: HubDevice): string {
  if (d.kind === 'row') {
    return `camera ${d.row}`;
  }
  if (d.kind === 'camera') {
    return d.model ? `camera, ${d.model}` : 'camera';
  }
  return d.model ? `${SENSOR_KIND_LABELS[d.kind]}, ${d.model}` : SENSOR_KIND_LABELS[d.kind];
}
