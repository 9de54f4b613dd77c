/**
 * Per-datasource instances, as the Go SDK's instance manager keeps them: settings arrive in every
 * PluginContext; an instance is rebuilt when its lastUpdatedMS changes and the old one disposed of.
 */
import type { DataSourceInstanceSettings, PluginContext } from '../grafana/protocol.ts';

export interface Disposable {
  dispose(): void | Promise<void>;
}

export class InstanceManager<T extends Disposable> {
  private readonly instances = new Map<string, { updated: number; instance: T }>();

  constructor(private readonly build: (settings: DataSourceInstanceSettings) => T) {}

  /** The instance for this context's datasource, or null when the call carries no datasource. */
  get(ctx: PluginContext | null): T | null {
    const settings = ctx?.dataSourceInstanceSettings;
    if (!settings) {
      return null;
    }
    const key = settings.uid || String(settings.id);
    const known = this.instances.get(key);
    if (known && known.updated === settings.lastUpdatedMS) {
      return known.instance;
    }
    const instance = this.build(settings);
    this.instances.set(key, { updated: settings.lastUpdatedMS, instance });
    if (known) {
      void known.instance.dispose();
    }
    return instance;
  }

  all(): T[] {
    return [...this.instances.values()].map((i) => i.instance);
  }

  async disposeAll(): Promise<void> {
    const list = this.all();
    this.instances.clear();
    await Promise.all(list.map(async (i) => i.dispose()));
  }
}
