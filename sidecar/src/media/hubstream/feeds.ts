/**
 * Video feeds of a hub's child cameras: tapo:// sources, one port-8800 HubStreamSession per child
 * stream, with the fan-out, reconnect backoff, idle stop and limits of every SessionFeeds.
 */
import { SessionFeeds, type FeedResolver, type FeedsOptions } from '../video/feeds.ts';
import { HubStreamSession } from './session.ts';

export class HubStreamFeeds extends SessionFeeds {
  constructor(resolve: FeedResolver, opts: FeedsOptions = {}) {
    super(
      resolve,
      /^tapo:\/\//i,
      (cameraId, stream, source, timeoutMs, hooks) =>
        new HubStreamSession({ cameraId, stream, url: source.url, maskedUrl: source.maskedUrl, timeoutMs, ...hooks }),
      opts
    );
  }
}
