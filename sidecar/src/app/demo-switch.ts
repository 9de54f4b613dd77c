/**
 * Starts and stops the demo fleet as the configuration changes. The demo is for datasources
 * without cameras of their own, when no YAML file configures any (and for a sidecar nobody has
 * configured yet); one datasource's cameras never take the demo away from another datasource that
 * has none. Changes run one after another, and a failed one is logged, never thrown.
 */
import type { Logger } from 'pino';
import { startDemoFleet, type DemoFleet } from '../demo/fleet.ts';
import type { Fleet } from '../fleet/index.ts';

export interface DemoSwitchDeps {
  fleet: Fleet;
  ffmpegPath: string;
  log: Logger;
  /** Whether the demo should run now. */
  wanted: () => boolean;
  /** The fleet's cameras changed (the video follows). */
  changed: () => void;
}

export class DemoSwitch {
  private demo: DemoFleet | null = null;
  private change: Promise<void> = Promise.resolve();
  /** Off before start and after stop: the demo is then never started. */
  private running = false;

  constructor(private readonly deps: DemoSwitchDeps) {}

  start(): void {
    this.running = true;
  }

  /** Starts or stops the demo fleet as `wanted` says. */
  reconcile(): Promise<void> {
    this.change = this.change.then(async () => {
      const wanted = this.deps.wanted();
      if (wanted && !this.demo && this.running) {
        this.demo = await startDemoFleet(this.deps.fleet, { ffmpegPath: this.deps.ffmpegPath });
        this.deps.changed();
      } else if (!wanted && this.demo) {
        this.deps.log.info('every datasource has cameras of its own: stopping the demo fleet');
        const d = this.demo;
        this.demo = null;
        await d.stop();
        this.deps.changed();
      }
    });
    return this.change.catch((err: unknown) =>
      this.deps.log.error({ error: (err as Error).message }, 'the demo fleet could not be started or stopped')
    );
  }

  /** No more starts; resolves when a change under way is done. */
  async halt(): Promise<void> {
    this.running = false;
    await this.change.catch(() => undefined);
  }

  /** Stops the demo fleet (after `halt`). */
  async stop(): Promise<void> {
    await this.demo?.stop();
  }
}
