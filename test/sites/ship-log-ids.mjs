// Prints the ids of every event and status change in a stopped sidecar's store, as its shipper
// computes them: node --import tsx test/sites/ship-log-ids.mjs <data dir> <site>
import { eventId, statusChangeId } from '../../sidecar/src/ship/loki-push.ts';
import { openSqliteStore } from '../../sidecar/src/store/sqlite.ts';

const [dataDir, site] = process.argv.slice(2);
const store = await openSqliteStore({ dataDir });
const ids = { events: [], statusChanges: [] };
let cursor = { events: 0, statusChanges: 0 };
for (;;) {
  const b = await store.shipLogAfter(cursor, 1000);
  if (b.events.length + b.statusChanges.length === 0) {
    break;
  }
  ids.events.push(...b.events.map((e) => eventId(site, e.event)));
  ids.statusChanges.push(...b.statusChanges.map((c) => statusChangeId(site, c.change)));
  cursor = {
    events: b.events.at(-1)?.seq ?? cursor.events,
    statusChanges: b.statusChanges.at(-1)?.seq ?? cursor.statusChanges,
  };
}
await store.close();
process.stdout.write(JSON.stringify(ids));
