/**
 * Applies a configuration source (the YAML file, a datasource's settings, a resumed list) to the
 * fleet: its issues are logged and kept per source for Save & test, its cameras join the fleet at
 * the source's priority (an id or address claimed twice goes to the YAML file, then to the
 * datasource that had it first: a save never moves a camera), its history retention counts, and
 * the video follows.
 */
import type { Logger } from 'pino';
import { formatIssue, type LoadedConfig } from '../config/types.ts';
import { loadYamlConfig } from '../config/yaml.ts';
import type { Fleet } from '../fleet/index.ts';
import type { HistoryRetention } from './history-retention.ts';
import type { CameraOwnershipRecord } from './camera-ownership.ts';

/**
 * Higher wins an id or address claimed twice: the YAML file. Datasources are equals (whichever
 * had the camera first keeps it), above the demo fleet (0).
 */
export function priorityOf(source: string): number {
  return source === 'yaml' ? Number.MAX_SAFE_INTEGER : 1;
}

export class ConfigSources {
  // Errors in each source's settings (a camera left out), for Save & test.
  private readonly issuesBySource = new Map<string, string[]>();

  constructor(
    private readonly deps: {
      fleet: Fleet;
      log: Logger;
      retention: HistoryRetention;
      syncVideo: () => void;
      ownership?: CameraOwnershipRecord;
    }
  ) {}

  /** The errors in a source's settings, in words. */
  problemsOf(source: string): string[] {
    return this.issuesBySource.get(source) ?? [];
  }

  async apply(source: string, loaded: LoadedConfig): Promise<void> {
    const { fleet, log } = this.deps;
    this.logIssues(loaded);
    this.issuesBySource.set(
      source,
      loaded.issues.filter((i) => i.severity === 'error').map((i) => formatIssue(i))
    );
    const { conflicts } = await fleet.applyCameras(loaded.cameras, {
      source,
      priority: priorityOf(source),
    });
    for (const id of conflicts) {
      log.error(
        { source, camera: id },
        `camera "${id}": its id or address is configured by another source too, which had it first and keeps it`
      );
    }
    this.deps.ownership?.persist();
    this.deps.retention.apply(source, loaded.retentionHours);
    this.deps.syncVideo();
  }

  /** A source that is gone: its cameras stop and its retention no longer counts (the caller syncs the video). */
  async remove(source: string): Promise<void> {
    await this.deps.fleet.applyCameras([], { source });
    this.deps.ownership?.persist();
    this.deps.retention.apply(source, null);
  }

  /** Applies the YAML file; true when it configures cameras. A file that cannot be read is logged. */
  async applyYaml(path: string): Promise<boolean> {
    let hasCameras = false;
    try {
      const loaded = await loadYamlConfig(path);
      hasCameras = loaded.cameras.length > 0;
      await this.apply('yaml', loaded);
    } catch (err) {
      this.deps.log.error(
        { file: path, error: (err as Error).message },
        'the camera configuration file could not be loaded'
      );
    }
    return hasCameras;
  }

  private logIssues(loaded: LoadedConfig): void {
    for (const issue of loaded.issues) {
      this.deps.log[issue.severity === 'error' ? 'error' : 'warn'](
        { source: issue.source },
        `configuration: ${formatIssue(issue)}`
      );
    }
  }
}
