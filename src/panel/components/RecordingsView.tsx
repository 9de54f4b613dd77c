/**
 * The camera's own recordings in the panel: the clips of a Tapo recordings query, newest first,
 * over a timeline of the dashboard's range; a click on a clip (or a time) plays it from the
 * camera's SD card in the ClipPlayer (the same MSE player as live video, seeking, the channel's
 * words for busy, no card or nothing there, the MP4 download for Editors and Admins).
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import { clipAt, clipLabel, type RecordedClip } from '../playback/clips';
import { ClipPlayer, type PlayRequest } from './ClipPlayer';

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

export function RecordingsView({ clips, notices, width, height, range, mayDownload, download }: Props) {
  const styles = useStyles2(getStyles);
  const [request, setRequest] = useState<PlayRequest | null>(null);
  const selected = request?.clip ?? null;

  const play = (clip: RecordedClip, offsetS = 0) => setRequest({ clip, offsetS });
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

  return (
    <div className={styles.root} style={{ width, height }} data-testid="recordings-view">
      <div className={styles.player}>
        {request ? (
          <ClipPlayer request={request} mayDownload={mayDownload(request.clip.datasourceUid)} download={download} />
        ) : (
          <div className={styles.hint}>Click a clip to play it from the camera’s SD card</div>
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
  hint: css({
    flex: '1 1 auto',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    color: theme.colors.text.secondary,
    textAlign: 'center',
    padding: theme.spacing(2),
  }),
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
