/**
 * The fleet's cameras as the union of its sources ('yaml', 'datasource:<uid>', 'demo', a hub's
 * children 'hub:<id>'). A camera id or a camera address claimed by two sources goes to the one of
 * higher priority (then the first): one client per camera, and an older datasource's password
 * never competes with a newer one's.
 */
import type { CameraConfig } from '../config/types.ts';

export class CameraSources {
  private readonly sources = new Map<string, { priority: number; cameras: CameraConfig[] }>();

  /** Sets (or, with no cameras, removes) the cameras of one source. */
  set(source: string, configs: CameraConfig[], priority: number): void {
    if (configs.length === 0) {
      this.sources.delete(source);
    } else {
      this.sources.set(source, { priority, cameras: configs.map((c) => ({ ...c, source })) });
    }
  }

  priority(source: string): number {
    return this.sources.get(source)?.priority ?? 0;
  }

  /**
   * The cameras the fleet runs, by id, and the ids of `source` that lost to another source.
   * Children of a hub that is no longer configured (or no longer a hub) go with it.
   */
  resolve(source: string): { wanted: Map<string, CameraConfig>; conflicts: string[] } {
    const wanted = new Map<string, CameraConfig>();
    const addresses = new Map<string, string>();
    const conflicts: string[] = [];
    const ordered = [...this.sources.values()].sort((a, b) => b.priority - a.priority);
    const hubs = new Set(ordered.flatMap((s) => s.cameras.filter((c) => c.kind === 'hub').map((c) => c.id)));
    for (const { cameras } of ordered) {
      for (const c of cameras) {
        if (c.hubChild && !hubs.has(c.hubChild.hubId)) {
          continue;
        }
        // Children share their hub's address; each is its own camera.
        const address = c.hubChild ? `${c.host}:${c.port}#${c.hubChild.deviceId}` : `${c.host}:${c.port}`;
        const owner = addresses.get(address);
        if (wanted.has(c.id) || (owner !== undefined && owner !== c.source)) {
          if (c.source === source) {
            conflicts.push(c.id);
          }
          continue;
        }
        wanted.set(c.id, c);
        addresses.set(address, c.source);
      }
    }
    return { wanted, conflicts };
  }
}
