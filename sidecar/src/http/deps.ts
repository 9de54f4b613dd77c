/**
 * What the HTTP API reads of the fleet: the datasource's FleetView plus the figures only the API
 * shows (model labels, counters, raw history). The concrete Fleet satisfies it; http/ never sees
 * the fleet's store.
 */
import type { CameraCounters, FleetView } from '../model.ts';
import type { PollPoint } from '../store/types.ts';

export interface HttpFleetView extends Pick<FleetView, 'cameras' | 'camera' | 'on'> {
  /** The last model a camera reported, for labels. */
  model(id: string): string | null;
  counters(id: string): CameraCounters | undefined;
  points(id: string, from: number, to: number): Promise<PollPoint[]>;
}
