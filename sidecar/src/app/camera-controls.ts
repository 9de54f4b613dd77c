/**
 * The camera controls the datasource offers (PTZ, presets, privacy, reboot), carried out through
 * the fleet's connected clients, so a control uses the same login, lockout and session as polling.
 */
import type { CameraControls } from '../datasource/deps.ts';
import type { Fleet } from '../fleet/index.ts';
import type { TapoClient } from '../tapo/client.ts';

/** PTZ, privacy and reboot through the fleet's connected clients. */
export function cameraControls(fleet: Fleet, nameOf: (id: string) => string): CameraControls {
  function clientOf(id: string): TapoClient {
    const client = fleet.client(id);
    if (!client) {
      throw new Error(`${nameOf(id)} is not connected yet`);
    }
    return client;
  }
  return {
    async ptz(id, cmd) {
      const c = clientOf(id);
      if ('preset' in cmd) {
        await c.gotoPreset(cmd.preset);
      } else if ('direction' in cmd) {
        await c.ptzMoveStep(cmd.direction);
      } else {
        await c.ptzMove(cmd.x, cmd.y);
      }
    },
    async presets(id) {
      return (await clientOf(id).getPresets()).map((p) => ({ id: String(p.id), name: p.name }));
    },
    async setPrivacy(id, enabled) {
      await clientOf(id).setPrivacyMode(enabled);
      await fleet.pollNow([id]);
    },
    async reboot(id) {
      await clientOf(id).reboot();
    },
  };
}
