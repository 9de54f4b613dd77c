/**
 * The camera's own recordings in the panel: the clips of a Tapo recordings query, newest first; a
 * click plays the clip from the camera's SD card through the same MSE player as live video (its
 * playback channel), a slider seeks within it (a new channel from that second), and the channel's
 * words say when the card has nothing there, the camera is busy with another client or has no card.
 * Editors and Admins may download the clip as MP4.
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';
import React, { useEffect, useRef, useState } from 'react';

import { clipAt, clipLabel, playbackMessage, seekChannel, type RecordedClip } from '../playback/clips';
import { watchChannel } from '../video/liveChannel';
import { MsePlayer } from '../video/msePlayer';
import { toVideoRow, videoReader } from '../video/packets';

interface Props {
  clips: RecordedClip[];
  /** Notices of the query ("Attic: the camera has no SD card"). */
  notices: string[];
  width: number;
  height: number;
  /** The dashboard's time range (epoch ms): the timeline spans it. */
  range: { from: number; to: number };
  /** Whether this user may download from the clip's datasource (the sidecar checks the same rule). */
  mayDownload: (uid: string | undefined) => boolean;
  download: (clip: RecordedClip) => Promise<void>;
}

/** Plays a playback channel into the video element; reports the camera's time of each picture and the end. */
function usePlayback(
  channel: string | null,
  video: React.RefObject<HTMLVideoElement>,
  onTime: (ms: number) => void,
  onMessage: (m: { text: string; ended: boolean } | null) => void
) {
  useEffect(() => {
    const el = video.current;
    if (!channel || !el) {
      return;
    }
    onMessage(null);
    const player = new MsePlayer(el, (text) => onMessage({ text, ended: false }));
    const reader = videoReader();
    const stop = watchChannel(channel, (json) => {
      for (const raw of reader.read(json)) {
        const row = toVideoRow(raw);
        if (!row) {
          continue;
        }
        if (row.kind === 'problem') {
          onMessage(playbackMessage(row.error));
          continue;
        }
        if (row.kind === 'fragment' && row.time > 0) {
          onTime(row.time);
        }
        player.push(row);
      }
    });
    return () => {
      stop();
      player.dispose();
    };
    // The callbacks are state setters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [channel, video]);
}

export function RecordingsView({ clips, notices, width, height, range, mayDownload, download }: Props) {
  const styles = useStyles2(getStyles);
  const videoRef = useRef<HTMLVideoElement>(null);
  const [selected, setSelected] = useState<RecordedClip | null>(null);
  const [channel, setChannel] = useState<string | null>(null);
  const [position, setPosition] = useState(0);
  const [message, setMessage] = useState<{ text: string; ended: boolean } | null>(null);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [downloading, setDownloading] = useState(false);

  usePlayback(
    channel,
    videoRef,
    (ms) => selected && setPosition(Math.max(0, Math.round((ms - selected.start) / 1000))),
    setMessage
  );

  const play = (clip: RecordedClip, offsetS = 0) => {
    setSelected(clip);
    setChannel(offsetS > 0 ? seekChannel(clip.channel, offsetS) : clip.channel);
    setPosition(offsetS);
    setDownloadError(null);
  };
  const span = Math.max(1, range.to - range.from);
  const pct = (t: number) => `${(Math.min(Math.max(t - range.from, 0), span) / span) * 100}%`;
  const onTimeline = (e: React.MouseEvent<HTMLDivElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const t = range.from + ((e.clientX - box.left) / Math.max(1, box.width)) * span;
    const hit = clipAt(clips, t);
    if (hit) {
      play(hit.clip, hit.offsetS);
    }
  };
  const duration = selected ? Math.max(1, Math.round((selected.end - selected.start) / 1000) + 1) : 0;

  return (
    <div className={styles.root} style={{ width, height }} data-testid="recordings-view">
      <div className={styles.player}>
        <video
          ref={videoRef}
          className={cx(styles.video, !selected && styles.hidden)}
          data-testid="recording-video"
          aria-label={selected ? `${selected.cameraName} recording` : 'recording'}
          muted
          autoPlay
          playsInline
        />
        {!selected && <div className={styles.hint}>Click a clip to play it from the camera’s SD card</div>}
        {message && (
          <div className={styles.message} role="status" data-testid="recording-message">
            {message.text}
          </div>
        )}
        {selected && (
          <div className={styles.bar}>
            <span className={styles.title}>
              {selected.cameraName} · {selected.event}
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
                setChannel(seekChannel(selected.channel, at));
              }}
            />
            <span className={styles.time}>
              {position} / {duration} s
            </span>
            {mayDownload(selected.datasourceUid) && (
              <Button
                size="sm"
                variant="secondary"
                icon="download-alt"
                disabled={downloading}
                onClick={() => {
                  setDownloading(true);
                  setDownloadError(null);
                  download(selected)
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
        )}
        <div
          className={styles.timeline}
          data-testid="recordings-timeline"
          title="Click a time to play what was recorded then (or the next clip)"
          onClick={onTimeline}
        >
          {clips.map((c) => (
            <span
              key={c.key}
              className={cx(styles.segment, selected?.key === c.key && styles.segmentActive)}
              style={{ left: pct(c.start), width: `max(2px, calc(${pct(c.end + 1000)} - ${pct(c.start)}))` }}
            />
          ))}
        </div>
        {downloadError && (
          <div className={styles.message} role="alert">
            {downloadError}
          </div>
        )}
      </div>
      <div className={styles.list} aria-label="Recorded clips">
        {notices.map((n) => (
          <div key={n} className={styles.notice}>
            {n}
          </div>
        ))}
        {clips.map((c) => (
          <button
            key={c.key}
            type="button"
            className={cx(styles.clip, selected?.key === c.key && styles.active)}
            aria-pressed={selected?.key === c.key}
            onClick={() => play(c)}
          >
            <span className={styles.event}>{c.event}</span> {clipLabel(c)} · {c.cameraName}
          </button>
        ))}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', gap: theme.spacing(1), overflow: 'hidden' }),
  player: css({
    position: 'relative',
    flex: '3 1 0',
    minWidth: 0,
    display: 'flex',
    flexDirection: 'column',
    background: theme.colors.background.canvas,
  }),
  video: css({ flex: '1 1 auto', minHeight: 0, width: '100%', objectFit: 'contain', background: '#000' }),
  hidden: css({ visibility: 'hidden' }),
  hint: css({
    position: 'absolute',
    inset: 0,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    color: theme.colors.text.secondary,
    textAlign: 'center',
    padding: theme.spacing(2),
  }),
  message: css({
    padding: theme.spacing(0.5, 1),
    background: theme.colors.background.secondary,
    color: theme.colors.text.primary,
  }),
  bar: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), padding: theme.spacing(0.5) }),
  title: css({ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', maxWidth: '30%' }),
  seek: css({ flex: '1 1 auto', minWidth: 40 }),
  timeline: css({
    position: 'relative',
    height: 14,
    margin: theme.spacing(0, 0.5, 0.5),
    background: theme.colors.background.secondary,
    cursor: 'pointer',
    flex: '0 0 auto',
  }),
  segment: css({ position: 'absolute', top: 2, bottom: 2, background: theme.colors.primary.main, opacity: 0.7 }),
  segmentActive: css({ opacity: 1, background: theme.colors.primary.text }),
  time: css({ whiteSpace: 'nowrap', color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
  list: css({ flex: '1 1 0', minWidth: 140, overflowY: 'auto', display: 'flex', flexDirection: 'column', gap: 2 }),
  notice: css({ color: theme.colors.warning.text, padding: theme.spacing(0.5) }),
  clip: css({
    textAlign: 'left',
    border: 'none',
    background: 'transparent',
    color: theme.colors.text.primary,
    padding: theme.spacing(0.5),
    borderRadius: theme.shape.radius.default,
    cursor: 'pointer',
    '&:hover': { background: theme.colors.action.hover },
  }),
  active: css({ background: theme.colors.action.selected }),
  event: css({ fontWeight: theme.typography.fontWeightMedium }),
});
