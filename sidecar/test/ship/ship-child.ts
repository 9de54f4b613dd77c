/**
 * A shipper in a process of its own, for the kill -9 test: opens the store in argv[2], writes
 * argv[4] events when asked (the first run), and ships them to argv[3] slowly (20 lines a push, 40
 * lines a second) until it is killed.
 */
import { createLogger } from '../../src/log.ts';
import { httpPush } from '../../src/ship/push-http.ts';
import { EventShipper } from '../../src/ship/shipper.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const [dataDir, url, write] = process.argv.slice(2);
const store = await openSqliteStore({ dataDir: dataDir! });
for (let i = 0; i < Number(write ?? 0); i++) {
  await store.writeEvent({
    cameraId: `cam${i % 4}`,
    start: 1_700_000_000_000 + i * 1000,
    end: null,
    kind: 'motion',
    source: 'onvif',
  });
}
const shipper = new EventShipper(
  { site: 'west', maxLinesPerSecond: 40, batchLines: 20, minBackoffMs: 50, maxBackoffMs: 200, idleMs: 50 },
  { store, push: httpPush({ url: url!, auth: null }), log: createLogger('warn') }
);
shipper.start();
process.stdout.write('shipping\n');
