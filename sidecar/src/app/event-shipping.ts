/**
 * Shipping events and status changes to a Loki push endpoint, when --loki-url is set: the secret
 * files are read once here (a missing or empty one stops the start with the file's name), and the
 * shipper starts and stops with the app, before the store closes.
 */
import type { Logger } from 'pino';
import { httpPush } from '../ship/push-http.ts';
import { readShipAuth, type ShipOptions } from '../ship/options.ts';
import { EventShipper } from '../ship/shipper.ts';
import type { Store } from '../store/types.ts';

export interface EventShipping {
  start(): void;
  stop(): Promise<void>;
}

export function eventShipping(opts: ShipOptions | null, store: Store, log: Logger): EventShipping {
  if (!opts) {
    return { start() {}, async stop() {} };
  }
  const push = httpPush({ url: opts.url, auth: readShipAuth(opts), tenant: opts.tenant });
  const shipLog = log.child({ module: 'ship' });
  const shipper = new EventShipper(
    { site: opts.site, maxLinesPerSecond: opts.maxLinesPerSecond },
    { store, push, log: shipLog }
  );
  return {
    start() {
      // Origin and path only: a query string may hold a key.
      const u = new URL(opts.url);
      shipLog.info({ endpoint: `${u.origin}${u.pathname}`, site: opts.site }, 'shipping events to Loki');
      shipper.start();
    },
    stop: () => shipper.stop(),
  };
}
