/**
 * One recorded clip playing from the camera's SD card: the video (usePlayback: its Live playback
 * channel through the MSE player), the channel's words (end, busy, no card), a slider that seeks
 * within the clip (a new channel from that second), and the MP4 download for those who may. The
 * recordings view and the events view both play clips through it.
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';
import React, { useRef, useState } from 'react';

import { seekChannel, type RecordedClip } from '../playback/clips';
import { type PlaybackMessage, usePlayback } from '../playback/usePlayback';

/** What to play: a new object (even of the same clip) starts it again from `offsetS`. */
export interface PlayRequest {
  clip: RecordedClip;
  /** Whole seconds into the clip. */
  offsetS: number;
}

interface Props {
  request: PlayRequest;
  mayDownload: boolean;
  download: (clip: RecordedClip) => Promise<void>;
  className?: string;
}

const startChannel = (r: PlayRequest) => (r.offsetS > 0 ? seekChannel(r.clip.channel, r.offsetS) : r.clip.channel);

export function ClipPlayer({ request, mayDownload, download, className }: Props) {
  const styles = useStyles2(getStyles);
  const videoRef = useRef<HTMLVideoElement>(null);
  const { clip } = request;
  const [channel, setChannel] = useState(() => startChannel(request));
  const [position, setPosition] = useState(request.offsetS);
  const [message, setMessage] = useState<PlaybackMessage | null>(null);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [downloading, setDownloading] = useState(false);
  // A new request starts over (React's "adjust state when a prop changes", without an effect's extra render).
  const [started, setStarted] = useState(request);
  if (started !== request) {
    setStarted(request);
    setChannel(startChannel(request));
    setPosition(request.offsetS);
    setDownloadError(null);
  }
  usePlayback(channel, videoRef, (ms) => setPosition(Math.max(0, Math.round((ms - clip.start) / 1000))), setMessage);

  const duration = Math.max(1, Math.round((clip.end - clip.start) / 1000) + 1);
  return (
    <div className={cx(styles.root, className)}>
      <video
        ref={videoRef}
        className={styles.video}
        data-testid="recording-video"
        aria-label={`${clip.cameraName} recording`}
        muted
        autoPlay
        playsInline
      />
      {message && (
        <div className={styles.message} role="status" data-testid="recording-message">
          {message.text}
        </div>
      )}
      <div className={styles.bar}>
        <span className={styles.title}>
          {clip.cameraName} · {clip.event}
        </span>
        <input
          type="range"
          min={0}
          max={duration - 1}
          step={1}
          value={Math.min(position, duration - 1)}
          aria-label="Position in the clip"
          className={styles.seek}
          onChange={(e) => {
            const at = Number(e.currentTarget.value);
            setPosition(at);
            setChannel(seekChannel(clip.channel, at));
          }}
        />
        <span className={styles.time}>
          {position} / {duration} s
        </span>
        {mayDownload && (
          <Button
            size="sm"
            variant="secondary"
            icon="download-alt"
            disabled={downloading}
            onClick={() => {
              setDownloading(true);
              setDownloadError(null);
              download(clip)
                .catch((e: { data?: { error?: string }; message?: string }) =>
                  setDownloadError(e?.data?.error ?? e?.message ?? 'The download failed')
                )
                .finally(() => setDownloading(false));
            }}
          >
            Download MP4
          </Button>
        )}
      </div>
      {downloadError && (
        <div className={styles.message} role="alert">
          {downloadError}
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    flexDirection: 'column',
    flex: '1 1 auto',
    minHeight: 0,
    color: theme.colors.text.primary,
  }),
  video: css({ flex: '1 1 auto', minHeight: 0, width: '100%', objectFit: 'contain', background: '#000' }),
  message: css({
    padding: theme.spacing(0.5, 1),
    background: theme.colors.background.secondary,
    color: theme.colors.text.primary,
  }),
  bar: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), padding: theme.spacing(0.5) }),
  title: css({ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', maxWidth: '30%' }),
  seek: css({ flex: '1 1 auto', minWidth: 40 }),
  time: css({ whiteSpace: 'nowrap', color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
});
