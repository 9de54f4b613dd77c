/**
 * Several families of video feeds behind one VideoFeeds: a camera stream is served by the first
 * family whose resolver gives it a source (RTSP cameras, a hub's children over port 8800). A
 * camera that moves between families is dropped by the old one on refresh.
 */
import type { StreamName, VideoFeed } from './types.ts';
import type { FeedStats, ManagedVideoFeeds } from './feeds.ts';

export class CompositeVideoFeeds implements ManagedVideoFeeds {
  constructor(private readonly families: ManagedVideoFeeds[]) {}

  feed(cameraId: string, stream: StreamName): VideoFeed | undefined {
    for (const f of this.families) {
      const feed = f.feed(cameraId, stream);
      if (feed) {
        return feed;
      }
    }
    return undefined;
  }

  refresh(cameraId: string): void {
    this.families.forEach((f) => f.refresh(cameraId));
  }

  forget(cameraId: string): void {
    this.families.forEach((f) => f.forget(cameraId));
  }

  stats(): FeedStats[] {
    return this.families.flatMap((f) => f.stats());
  }

  close(): void {
    this.families.forEach((f) => f.close());
  }
}
