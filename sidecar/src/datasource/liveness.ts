/**
 * Which datasources are alive. Grafana never tells a plugin that a datasource was deleted, so a
 * datasource counts as alive while calls for it keep arriving: one not seen for the retention
 * (`--datasource-retention`, default 3 days) is treated as deleted and its cameras stop. Also
 * keeps each datasource's last applied update (lastUpdatedMS) so older settings never replace
 * newer ones, and which datasources have no cameras of their own (they get the demo fleet).
 */

export interface DatasourceRecord {
  /** lastUpdatedMS of the settings last applied (0 when unknown). */
  updatedMs: number;
  /** Last call seen for it (epoch ms). */
  seenAt: number;
  /** The seenAt last written to disk. */
  persistedSeenAt: number;
  hasCameras: boolean;
}

export class DatasourceLiveness {
  private readonly records = new Map<string, DatasourceRecord>();

  constructor(readonly retentionMs: number) {}

  /** How stale the seen time on disk may get: a small part of the retention, at most an hour. */
  private get refreshMs(): number {
    return Math.min(Math.floor(this.retentionMs / 8), 3_600_000);
  }

  get(source: string): DatasourceRecord | undefined {
    return this.records.get(source);
  }

  isExpired(seenAt: number, now: number): boolean {
    return now - seenAt > this.retentionMs;
  }

  /** Known from the persisted list (not yet seen in this run). */
  resumed(source: string, updatedMs: number, seenAt: number, hasCameras: boolean): void {
    this.records.set(source, { updatedMs, seenAt, persistedSeenAt: seenAt, hasCameras });
  }

  /** True when these settings are older than the ones applied: they must not replace them. */
  isOutdated(source: string, updatedMs: number): boolean {
    const known = this.records.get(source);
    return known !== undefined && updatedMs < known.updatedMs;
  }

  /** Settings applied (a call carried them). */
  applied(source: string, updatedMs: number, hasCameras: boolean, at: number): void {
    const prev = this.records.get(source);
    this.records.set(source, { updatedMs, seenAt: at, persistedSeenAt: prev?.persistedSeenAt ?? 0, hasCameras });
  }

  /** A call for the datasource arrived; true when its seen time should be written to disk again. */
  seen(source: string, at: number): boolean {
    const r = this.records.get(source);
    if (!r) {
      return false;
    }
    r.seenAt = Math.max(r.seenAt, at);
    return r.hasCameras && r.seenAt - r.persistedSeenAt >= this.refreshMs;
  }

  persisted(source: string, seenAt: number): void {
    const r = this.records.get(source);
    if (r) {
      r.persistedSeenAt = seenAt;
    }
  }

  /** Removes and returns the datasources not seen within the retention. */
  expire(now: number): string[] {
    const gone = [...this.records].filter(([, r]) => this.isExpired(r.seenAt, now)).map(([s]) => s);
    for (const s of gone) {
      this.records.delete(s);
    }
    return gone;
  }

  /** Some datasource seen in this run has no cameras of its own: it shows the demo fleet. */
  anyWithoutCameras(): boolean {
    return [...this.records.values()].some((r) => !r.hasCameras);
  }

  /** Some datasource has cameras of its own. */
  anyWithCameras(): boolean {
    return [...this.records.values()].some((r) => r.hasCameras);
  }
}
