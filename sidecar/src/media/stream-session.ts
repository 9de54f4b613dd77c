/**
 * What a camera's RTSP session and a hub child's port-8800 session share: errors that name the
 * camera and its masked URL (never a secret, see scrubSecrets), and ending once — torn down, and
 * reported through onEnd unless the owner closed it.
 */
import { MediaError, type MediaErrorKind } from './types.ts';
import { scrubSecrets } from '../util/scrub.ts';

export interface StreamSessionIdentity {
  cameraId: string;
  /** The source URL with its credentials (only ever scrubbed out of messages). */
  url: string;
  maskedUrl: string;
  /** The session ended by itself (never called after close()). */
  onEnd(err: MediaError): void;
}

export abstract class StreamSession {
  protected ended = false;
  protected closed = false;

  constructor(
    private readonly identity: StreamSessionIdentity,
    private readonly words: Partial<Record<MediaErrorKind, string>>
  ) {}

  /** "camera <id> (<masked url>): <what the kind means here>[: detail]". */
  error(kind: MediaErrorKind, detail = ''): MediaError {
    const { cameraId, url, maskedUrl } = this.identity;
    const tail = detail ? `: ${scrubSecrets(detail, url).slice(0, 200)}` : '';
    return new MediaError(kind, `camera ${cameraId} (${maskedUrl}): ${this.words[kind] ?? kind}${tail}`, cameraId);
  }

  protected end(err: MediaError): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.teardown();
    if (!this.closed) {
      this.identity.onEnd(err);
    }
  }

  /** Stops timers and drops the connection. */
  protected abstract teardown(): void;
}

/** A percent-decoded URL part, or the part as it is when it does not decode. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
