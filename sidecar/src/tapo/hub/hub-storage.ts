/**
 * Hub storage: Wi-Fi cameras paired to a hub (H200 "hub storage", H500) record onto the hub's own
 * disk, not a card of their own (recordings sheet §0, §13). The hub lists them with
 * `getGeneralDeviceList`; their days and clips are asked of the hub itself with the camera named
 * inline (`child_device_id` + `child_device_mac` inside the search object, no controlChild), and
 * their clips come from the hub's port 8800 with a `type=download` request.
 */
import { isObject } from '../decode.ts';
import { TapoError } from '../errors.ts';
import type { SubRequest, SubResponse } from '../types.ts';

/** A camera in the hub's general device list. */
export interface HubStorageCamera {
  /** 40 hex, as the camera's own getDeviceInfo gives it (upper case). */
  deviceId: string;
  /** 12 hex, upper case, no separators (how the hub writes it). */
  mac: string;
  model: string;
  alias: string;
  /** The hub records this camera. */
  storageEnabled: boolean;
}

export const hubStorageRequest = (): SubRequest => ({
  method: 'getGeneralDeviceList',
  params: { general_camera_manage: { paired_general_device_list: {} } },
});

/** A MAC in any of the devices' spellings ("40-AE-30-…", "8C902D40A6AE") as 12 upper-case hex. */
export function normalMac(mac: string): string {
  const hex = mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex.length === 12 ? hex : '';
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
/** The list writes flags as booleans on some firmware and as 0/1 or "on" on others. */
const flag = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 'on' || v === 'true';

/**
 * The cameras of a `getGeneralDeviceList` answer (issue #144's shape:
 * `general_camera_manage.paired_general_device_list[]`); entries without an id or a MAC are skipped.
 */
export function decodeHubStorageCameras(result: unknown): HubStorageCamera[] {
  const manage = isObject(result) ? result.general_camera_manage : undefined;
  const list = isObject(manage) ? manage.paired_general_device_list : undefined;
  if (!Array.isArray(list)) {
    throw new TapoError('protocol', 'getGeneralDeviceList: no paired_general_device_list in the answer', {
      method: 'getGeneralDeviceList',
    });
  }
  const out: HubStorageCamera[] = [];
  for (const e of list) {
    if (!isObject(e)) {
      continue;
    }
    const deviceId = text(e.device_id).toUpperCase();
    const mac = normalMac(text(e.mac));
    if (!/^[0-9A-F]{40}$/.test(deviceId) || !mac) {
      continue;
    }
    out.push({
      deviceId,
      mac,
      model: text(e.device_model),
      alias: text(e.alias),
      storageEnabled: flag(e.hub_storage_enabled),
    });
  }
  return out;
}

/** The playback searches and the search object each names its camera in (sheet §2, §3, §5). */
const SEARCH_OBJECT: Record<string, string> = {
  searchDateWithVideo: 'search_year_utility',
  searchVideoOfDay: 'search_video_utility',
  searchVideoWithUTC: 'search_video_with_utc',
  searchDetectionList: 'search_detection_list',
};

/** A search request for a camera on the hub's storage: the camera named inside its search object. */
export function onHubStorage(req: SubRequest, cam: Pick<HubStorageCamera, 'deviceId' | 'mac'>): SubRequest {
  const key = SEARCH_OBJECT[req.method];
  const params = req.params as { playback?: Record<string, unknown> } | undefined;
  const inner = key ? params?.playback?.[key] : undefined;
  if (!key || !isObject(inner)) {
    return req;
  }
  return {
    method: req.method,
    params: {
      ...params,
      playback: { ...params!.playback, [key]: { ...inner, child_device_id: cam.deviceId, child_device_mac: cam.mac } },
    },
  };
}

/** Reads the hub's general device list through a hub's request function. */
export async function listHubStorageCameras(
  call: (requests: SubRequest[]) => Promise<SubResponse[]>
): Promise<HubStorageCamera[]> {
  const [sub] = await call([hubStorageRequest()]);
  if (!sub || sub.errorCode !== 0) {
    throw new TapoError('protocol', `getGeneralDeviceList failed (${sub?.errorCode ?? 'no answer'})`, {
      method: 'getGeneralDeviceList',
      ...(sub ? { code: sub.errorCode } : {}),
    });
  }
  return decodeHubStorageCameras(sub.result);
}
