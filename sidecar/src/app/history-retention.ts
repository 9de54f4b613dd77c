/**
 * How long history is kept. History is one store for every source (the YAML file, each
 * datasource): the longest retention any source asks for wins, so one datasource (perhaps another
 * org's) cannot shorten the history of the others. The store's maintenance restarts only when the
 * winning figure changes.
 */
import type { Logger } from 'pino';
import { DEFAULT_RETENTION_HOURS, type SqliteStore } from '../store/sqlite.ts';

export class HistoryRetention {
  private readonly bySource = new Map<string, number>();
  private hours = DEFAULT_RETENTION_HOURS;

  constructor(
    private readonly store: Pick<SqliteStore, 'startMaintenance'>,
    private readonly log: Logger
  ) {}

  /** The retention a source asks for (null: none of its own, e.g. a source that is gone). */
  apply(source: string, hours: number | null): void {
    if (hours) {
      this.bySource.set(source, hours);
    } else {
      this.bySource.delete(source);
    }
    const next = this.bySource.size ? Math.max(...this.bySource.values()) : DEFAULT_RETENTION_HOURS;
    if (next !== this.hours) {
      this.hours = next;
      this.log.info({ hours: next }, 'history retention');
      this.store.startMaintenance({ retentionMs: next * 3_600_000 });
    }
  }
}
