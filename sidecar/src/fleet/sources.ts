/**
 * The fleet's cameras as the union of its sources ('yaml', 'datasource:<uid>', 'demo', a hub's
 * children 'hub:<id>'). A camera id or a camera address claimed by two sources goes to the one of
 * higher priority (the YAML file over datasources); between equals, to the source that holds it:
 * the one that had it first keeps it until it drops it. A save never moves a camera, so one
 * client per camera, and another datasource's password is not tried just because it was saved.
 * Who holds what is kept across restarts by the caller (`holders()`, `restoreHolders()`).
 */
import type { CameraConfig } from '../config/types.ts';

/** A camera a source lists but does not get, and who polls it instead. */
export interface OwnershipConflict {
  /** The source that lists the camera and does not get it. */
  source: string;
  /** Its id there. */
  cameraId: string;
  /** The source that polls the camera. */
  heldBy: string;
  /** The camera's id in that source. */
  heldAs: string;
}

const idKey = (id: string) => `id:${id}`;
const addressKey = (c: CameraConfig) =>
  // Children share their hub's address; each is its own camera.
  c.hubChild ? `at:${c.host}:${c.port}#${c.hubChild.deviceId}` : `at:${c.host}:${c.port}`;

export class CameraSources {
  private readonly sources = new Map<string, { priority: number; cameras: CameraConfig[] }>();
  /** Claim key ('id:…', 'at:host:port') → the source holding it. */
  private held = new Map<string, string>();
  /** Holders restored from before a restart whose source has not been set again yet. */
  private pending = new Map<string, string>();
  private lost: OwnershipConflict[] = [];

  /** Sets (or, with no cameras, removes) the cameras of one source. */
  set(source: string, configs: CameraConfig[], priority: number): void {
    if (configs.length === 0) {
      this.sources.delete(source);
    } else {
      this.sources.set(source, { priority, cameras: configs.map((c) => ({ ...c, source })) });
    }
    for (const [key, holder] of this.pending) {
      if (holder === source) {
        this.pending.delete(key);
      }
    }
  }

  priority(source: string): number {
    return this.sources.get(source)?.priority ?? 0;
  }

  /** Who holds which camera (claim key → source), to keep across a restart. */
  holders(): Record<string, string> {
    return Object.fromEntries(this.held);
  }

  /**
   * Holders from before a restart (call before the sources are set again). Until its source is
   * set again (or `forgetAbsentHolders`), a held camera goes to no other source.
   */
  restoreHolders(holders: Record<string, string>): void {
    for (const [key, source] of Object.entries(holders)) {
      if (typeof source === 'string' && !this.sources.has(source)) {
        this.pending.set(key, source);
        this.held.set(key, source);
      }
    }
  }

  /** Restored holders whose source did not come back (expired, deleted): their cameras are free. */
  forgetAbsentHolders(): void {
    for (const [key, source] of this.pending) {
      if (this.held.get(key) === source) {
        this.held.delete(key);
      }
    }
    this.pending.clear();
  }

  /** Every camera some source lists without getting it (as of the last resolve). */
  conflicts(): OwnershipConflict[] {
    return this.lost.map((c) => ({ ...c }));
  }

  /**
   * The cameras the fleet runs, by id, and the ids of `source` that lost to another source.
   * Children of a hub that is no longer configured (or no longer a hub) go with it.
   */
  resolve(source: string): { wanted: Map<string, CameraConfig>; conflicts: string[] } {
    const wanted = new Map<string, CameraConfig>();
    const byAddress = new Map<string, CameraConfig>();
    const lost: OwnershipConflict[] = [];
    const entries = [...this.sources.values()].flatMap(({ priority, cameras }) =>
      cameras.map((c) => ({
        c,
        priority,
        holds: this.held.get(idKey(c.id)) === c.source || this.held.get(addressKey(c)) === c.source,
      }))
    );
    // Higher priority first; between equals, the holder first (a stable sort keeps the rest in order).
    entries.sort((a, b) => b.priority - a.priority || Number(b.holds) - Number(a.holds));
    const hubs = new Set(entries.filter((e) => e.c.kind === 'hub').map((e) => e.c.id));
    // A camera behind a hub that the hub's own source lists as a row of its own (to name it, pick its
    // stream or switch it off) is that row: the hub's list does not claim it against it.
    const hubSource = new Map(entries.filter((e) => e.c.kind === 'hub').map((e) => [e.c.id, e.c.source]));
    const rowsBehindHubs = new Set(
      entries
        .filter((e) => e.c.hubChild && hubSource.get(e.c.hubChild.hubId) === e.c.source)
        .map((e) => addressKey(e.c))
    );
    for (const { c } of entries) {
      if (c.hubChild && !hubs.has(c.hubChild.hubId)) {
        continue;
      }
      if (c.source === `hub:${c.hubChild?.hubId}` && rowsBehindHubs.has(addressKey(c))) {
        continue;
      }
      const address = addressKey(c);
      const sameId = wanted.get(c.id);
      const sameAddress = byAddress.get(address);
      const winner = sameId ?? (sameAddress && sameAddress.source !== c.source ? sameAddress : undefined);
      const waitingFor = [this.pending.get(idKey(c.id)), this.pending.get(address)].find(
        (s) => s !== undefined && s !== c.source
      );
      if (winner || waitingFor !== undefined) {
        lost.push({
          source: c.source,
          cameraId: c.id,
          heldBy: winner?.source ?? waitingFor!,
          heldAs: winner?.id ?? c.id,
        });
        continue;
      }
      wanted.set(c.id, c);
      byAddress.set(address, c);
    }
    this.held = new Map(this.pending);
    for (const c of wanted.values()) {
      this.held.set(idKey(c.id), c.source);
      this.held.set(addressKey(c), c.source);
    }
    this.lost = lost;
    return { wanted, conflicts: lost.filter((l) => l.source === source).map((l) => l.cameraId) };
  }
}
