/**
 * The datasources this sidecar serves. Their settings arrive with Grafana's calls (never older
 * ones over newer), each call keeps its datasource alive, one not seen within the datasource
 * retention is treated as deleted (its cameras stop), and the persisted lists let cameras resume
 * after a restart before Grafana calls again. Which datasources are alive is `DatasourceLiveness`'s
 * record; this class acts on it.
 */
import type { Logger } from 'pino';
import { camerasFromDatasource } from '../config/datasource.ts';
import type { DatasourceLiveness } from '../datasource/liveness.ts';
import { datasourceSource, ownCamerasOnly } from '../datasource/scope.ts';
import type { DataSourceInstanceSettings } from '../grafana/protocol.ts';
import type { SavedCameraLists } from './camera-lists.ts';
import type { ConfigSources } from './config-sources.ts';
import type { CameraOwnershipRecord } from './camera-ownership.ts';

export interface DatasourceRegistryDeps {
  liveness: DatasourceLiveness;
  lists: SavedCameraLists;
  sources: ConfigSources;
  ownership?: CameraOwnershipRecord;
  /** After the resume: cameras held by datasources that did not come back are free. */
  settleHolders?: () => Promise<void>;
  log: Logger;
  syncVideo: () => void;
  /** The set of datasources (or whether they have cameras) may have changed. */
  changed: () => Promise<void>;
}

export class DatasourceRegistry {
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: DatasourceRegistryDeps) {}

  // Settings arrive with every Grafana call; the instance manager calls this only when they change.
  async applySettings(settings: DataSourceInstanceSettings): Promise<void> {
    const { liveness, log } = this.deps;
    const source = datasourceSource(settings.uid || String(settings.id));
    const updatedMs = Number(settings.lastUpdatedMS) || 0;
    const now = Date.now();
    if (liveness.isOutdated(source, updatedMs)) {
      // E.g. a call from a Grafana replica that has not seen the latest save: never go back to
      // older settings, whose passwords may be the ones the user just replaced.
      log.warn({ source }, 'ignoring datasource settings older than the ones applied');
      liveness.seen(source, now);
      return;
    }
    // Settings that are not valid count as the datasource's own (empty) list: no demo for it.
    liveness.applied(source, updatedMs, ownCamerasOnly(settings.jsonData), now);
    let jsonData: unknown = {};
    let notJson = false;
    try {
      jsonData = settings.jsonData?.length ? JSON.parse(settings.jsonData.toString('utf8')) : {};
    } catch {
      notJson = true;
    }
    const loaded = camerasFromDatasource(jsonData, settings.decryptedSecureJsonData, source);
    if (notJson) {
      // Kept with the source's issues, so Save & test names it (and the apply below logs it).
      loaded.issues.unshift({
        severity: 'error',
        source,
        cameraId: null,
        field: 'jsonData',
        message: 'is not valid JSON',
      });
    }
    this.deps.ownership?.named(source, settings.name);
    await this.deps.sources.apply(source, loaded);
    await this.deps.lists.save(source, loaded.cameras, { updatedMs, seenAt: now });
    liveness.persisted(source, now);
    await this.deps.changed();
  }

  /** Every call with a datasource: keeps it alive; one that expired earlier comes back whole. */
  async seen(settings: DataSourceInstanceSettings): Promise<void> {
    const { liveness } = this.deps;
    const source = datasourceSource(settings.uid || String(settings.id));
    const now = Date.now();
    if (!liveness.get(source)) {
      await this.applySettings(settings);
      return;
    }
    if (liveness.seen(source, now)) {
      liveness.persisted(source, now);
      await this.deps.lists.touch(source, now);
    }
  }

  /** Resumes the persisted lists of datasources seen within the retention (at start). */
  async resume(): Promise<void> {
    const { liveness, log } = this.deps;
    const now = Date.now();
    for (const resumed of await this.deps.lists.load()) {
      if (liveness.isExpired(resumed.seenAt, now)) {
        log.info(
          { source: resumed.source },
          'not resuming the cameras of a datasource Grafana has not called for within the datasource retention'
        );
        await this.deps.lists.save(resumed.source, []);
        continue;
      }
      liveness.resumed(resumed.source, resumed.updatedMs, resumed.seenAt, resumed.cameras.length > 0);
      if (resumed.secretsMissing) {
        log.warn(
          { source: resumed.source },
          'resuming cameras without their passwords (no TAPO_SECRET_KEY): polling resumes at Grafana’s next call'
        );
      }
      await this.deps.sources.apply(resumed.source, {
        cameras: resumed.cameras,
        issues: [],
        retentionHours: null,
        defaultPollIntervalSeconds: null,
      });
    }
    // Holders from before the restart that did not come back free their cameras now.
    await this.deps.settleHolders?.();
  }

  /** Datasources not seen within the retention are treated as deleted: their cameras stop. */
  async expire(): Promise<void> {
    const { liveness, log } = this.deps;
    for (const source of liveness.expire(Date.now())) {
      log.info(
        { source, retentionHours: Math.round(liveness.retentionMs / 360_000) / 10 },
        'no call for this datasource within the datasource retention: treating it as deleted and stopping its cameras'
      );
      await this.deps.sources.remove(source);
      await this.deps.lists.save(source, []);
    }
    this.deps.syncVideo();
    await this.deps.changed();
  }

  /** Looks for expired datasources a few times per retention (at most every 10 minutes). */
  startExpiry(): void {
    const retentionMs = this.deps.liveness.retentionMs;
    this.expiryTimer = setInterval(() => void this.expire(), Math.max(1000, Math.min(retentionMs / 4, 600_000)));
    this.expiryTimer.unref();
  }

  stop(): void {
    if (this.expiryTimer) {
      clearInterval(this.expiryTimer);
    }
  }
}
