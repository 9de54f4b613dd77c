/**
 * What Save & test and the config editor ask the fleet now: each camera's health after a fresh
 * poll, and a hub's children listed through the fleet's own hub client (its login, lockout and
 * refused-password memory), so neither opens a second session to a camera.
 */
import type { DatasourceDeps } from '../datasource/deps.ts';
import { healthOf } from '../datasource/health.ts';
import { childCameraId, type Fleet } from '../fleet/index.ts';
import type { PollResult } from '../model.ts';

/** Polls the cameras now and says how each one is. */
export function checkCameras(fleet: Fleet): NonNullable<DatasourceDeps['checkCameras']> {
  return async (ids) => {
    const results: Array<PollResult | null> = await fleet.pollNow(ids);
    // A camera replaced while the check ran has no result of this generation: "not polled yet".
    return results.map((p, i) => healthOf(ids[i], fleet.camera(ids[i])?.name ?? ids[i], p));
  };
}

/** A hub's children (null: not a hub), or the hub's health when it cannot list them. */
export function hubChildren(fleet: Fleet): NonNullable<DatasourceDeps['hubChildren']> {
  return async (hubId, refresh) => {
    let list = fleet.hubChildren(hubId);
    if (list === undefined) {
      return null;
    }
    if (list === null || refresh) {
      // One poll of the hub through its own client: a refused password is not sent again.
      if (refresh) {
        fleet.forgetHubList(hubId);
      }
      const [result] = await fleet.pollNow([hubId]);
      list = fleet.hubChildren(hubId);
      if (!list || result?.status !== 'online') {
        return healthOf(hubId, fleet.camera(hubId)?.name ?? hubId, result ?? null);
      }
    }
    return {
      children: list.map((c) => ({
        deviceId: c.deviceId,
        name: c.alias || c.model,
        model: c.model,
        online: c.online,
        sleeping: c.sleeping,
        batteryPercent: c.batteryPercent,
        cameraId: childCameraId(hubId, c.deviceId),
      })),
    };
  };
}
