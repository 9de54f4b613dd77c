/** The demo fleet as the demo tests run it: on a fresh fleet over a temporary store, stopped after the test. */
import { startDemoFleet, type DemoFleet, type DemoFleetOptions } from '../../src/demo/fleet.ts';
import { Fleet, type FleetOptions } from '../../src/fleet/fleet.ts';
import { tempStore } from '../fleet/helpers.ts';

type After = (fn: () => unknown) => void;

/** Demo options for a test that watches the fleet: polled every 150 ms, random motion about once an hour. */
export const WATCHED = { pollIntervalMs: 150, motionMeanMs: 3_600_000 } satisfies DemoFleetOptions;

/**
 * A started fleet (no start spread; timeouts only for a real hang, as a loaded machine's TPAP
 * login can take seconds) running the demo without its timed flaps and motion bursts, which a
 * test drives itself if at all. `fleet` and `demo` add to or override those options.
 */
export async function startDemo(
  t: { after: After },
  demo: DemoFleetOptions,
  fleet: Partial<Omit<FleetOptions, 'store'>> = {}
): Promise<{ fleet: Fleet; demo: DemoFleet }> {
  const { store } = await tempStore(t);
  const f = new Fleet({ store, startSpreadMs: 0, requestTimeoutMs: 30_000, ...fleet });
  t.after(() => f.stop());
  await f.start();
  const d = await startDemoFleet(f, { flapEveryMs: 0, burstEveryMs: 0, ...demo });
  t.after(() => d.stop());
  return { fleet: f, demo: d };
}
