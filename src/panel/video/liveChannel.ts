/** Subscribes to a Grafana Live channel by its address and hands each message to the caller. */
import { isLiveChannelMessageEvent, LiveChannelScope, type LiveChannelAddress } from '@grafana/data';
import { getGrafanaLiveSrv } from '@grafana/runtime';

/** `ds/<uid>/<path>` → a Live address; undefined for anything else. */
export function parseLiveAddress(address: string): LiveChannelAddress | undefined {
  const m = /^ds\/([^/]+)\/(.+)$/.exec(address);
  // `stream` is the datasource uid since Grafana 12; `namespace` (its older name) for older runtimes.
  return m ? { scope: LiveChannelScope.DataSource, stream: m[1], namespace: m[1], path: m[2] } : undefined;
}

/**
 * Every message of a Live channel, in order (no buffer merges them away, as a data stream's would).
 * The first subscriber in the browser also gets the sidecar's initial data (where a video starts).
 */
export function watchChannel(address: string, onMessage: (json: unknown) => void): () => void {
  const addr = parseLiveAddress(address);
  const live = getGrafanaLiveSrv();
  if (!addr || !live) {
    return () => undefined;
  }
  const sub = live.getStream<unknown>(addr).subscribe({
    next: (evt) => {
      if (isLiveChannelMessageEvent(evt)) {
        onMessage(evt.message);
      }
    },
  });
  return () => sub.unsubscribe();
}
