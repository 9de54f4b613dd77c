/**
 * The simulated hub the hub tests start: an H200 named Hub with a battery child, Garden (a C420),
 * its port 8800 serving small camera-sized clips; and a past day to record on.
 */
import { SimulatedHub } from '../../src/simulator/hub/hub.ts';
import { HubClient } from '../../src/tapo/hub/index.ts';
import { dayWindow } from '../../src/util/zoned-day.ts';

/** A small stream: enough for ffmpeg and ffprobe, cheap on a shared machine. */
export const SMALL_STREAM = { width: 320, height: 180, fps: 15, kbps: 300, gop: 15 };

export interface GardenHubOptions {
  /** Garden behind the hub (default); false: a hub without children. */
  garden?: boolean;
  /** How long Garden stays awake when idle (default: the simulator's). */
  idleSleepMs?: number;
  /** Recordings too: main and sub streams, and clips played at 4x so a test waits less. */
  playback?: boolean;
}

/** The hub on loopback, with Garden (or no child) and its port 8800. */
export function startGardenHub(opts: GardenHubOptions = {}): Promise<SimulatedHub> {
  const { garden: withGarden = true, idleSleepMs, playback = false } = opts;
  const garden = { alias: 'Garden', model: 'C420' as const, ...(idleSleepMs === undefined ? {} : { idleSleepMs }) };
  return SimulatedHub.start({
    host: '127.0.0.1',
    name: 'Hub',
    children: withGarden ? [garden] : [],
    stream: playback
      ? { specs: { main: SMALL_STREAM, sub: SMALL_STREAM }, playbackSpeed: 4 }
      : { specs: { sub: SMALL_STREAM } },
  });
}

/** A recording hub (Garden awake for 10 minutes) and the production hub client for it. */
export async function startHubWithClient(): Promise<{ hub: SimulatedHub; client: HubClient; close(): Promise<void> }> {
  const hub = await startGardenHub({ idleSleepMs: 600_000, playback: true });
  const client = new HubClient({ host: hub.host, port: hub.port, password: hub.cloudPassword, timeoutMs: 5000 });
  return {
    hub,
    client,
    close: async () => {
      await client.close();
      await hub.close();
    },
  };
}

/** Yesterday in the simulated devices' zone (Europe/Berlin): a past day, cached for minutes. */
export function yesterdayWindow(): { start: number; end: number } {
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  return dayWindow('Europe/Berlin', day);
}
