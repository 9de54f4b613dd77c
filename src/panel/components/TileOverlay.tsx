/**
 * What a tile says over its picture: name, status, picture age vs last answer, motion, privacy, and why there is
 * no picture; placed in the chosen corner, away from the camera's own burn-in.
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import React from 'react';

import { formatAge, statusLabel } from '../format';
import type { TileMessage } from '../tileMessage';
import type { OverlayCorner } from '../types';
import { chip } from './tileStyles';

/** A line at the other end from the labels: why pictures replace video, a stream problem. */
export interface TileNotice {
  testId: string;
  text: string;
}

export interface TileOverlayProps {
  name: string;
  status?: string;
  offline: boolean;
  /** When the camera last answered a status poll (epoch ms): said only when it is not online. */
  lastSeen?: number;
  /** Time of the picture shown (epoch ms): absent when no picture is shown. */
  pictureTime?: number;
  now: number;
  motion: boolean;
  message?: TileMessage;
  notices?: TileNotice[];
  /** Name and status labels (the panel's Overlay option); messages and notices show regardless. */
  labels: boolean;
  corner: OverlayCorner;
  compact: boolean;
}

/**
 * What both tile kinds draw over the picture: name, status, the picture's age, a motion badge
 * (only while there is motion), the reason there is no picture, and notices. One column that fills
 * the picture area, so labels, message and notices never overlap; the labels sit in a corner away
 * from Tapo's own date and time (top left), and every line ellipsises or wraps inside its tile.
 */
export function TileOverlay(p: TileOverlayProps) {
  const styles = useStyles2(getStyles);
  const top = p.corner.startsWith('top');
  const right = p.corner.endsWith('right');
  const online = p.status === 'online';
  const tone = p.offline ? styles.dotBad : online ? styles.dotGood : styles.dotNeutral;
  const pictureAge = p.pictureTime !== undefined ? `picture ${formatAge(p.now - p.pictureTime)} old` : undefined;
  // When a camera that is not answering last did: a sleeping camera is not expected to answer.
  const answeredAgo =
    !online && p.status !== 'sleeping' && p.lastSeen !== undefined ? `${formatAge(p.now - p.lastSeen)} ago` : undefined;
  const answered = answeredAgo && `last answered ${answeredAgo}`;

  const labels = p.labels && (
    <div className={cx(styles.labels, right && styles.right)} data-testid="tile-labels">
      <div className={cx(styles.row, right && styles.rowRight)}>
        <span className={cx(styles.chip, styles.name)} title={p.name}>
          {p.name}
        </span>
        {p.motion && (
          <span className={cx(styles.chip, styles.motion)} data-testid="motion-badge" aria-label="Motion detected">
            Motion
          </span>
        )}
      </div>
      {p.status && (
        <span
          className={styles.chip}
          data-testid="tile-status"
          title={answeredAgo && `The camera last answered a status poll ${answeredAgo}`}
        >
          <span className={cx(styles.dot, tone)} aria-hidden />
          <span>{statusLabel(p.status)}</span>
          {answered && <span> · {answered}</span>}
          {pictureAge && online && <span data-testid="frame-age"> · {pictureAge}</span>}
        </span>
      )}
      {pictureAge && !online && (
        <span className={styles.chip} data-testid="frame-age">
          {pictureAge}
        </span>
      )}
    </div>
  );

  const notices = (p.notices ?? []).length > 0 && (
    <div className={styles.notices}>
      {p.notices!.map((n) => (
        <span key={n.testId} className={styles.chip} data-testid={n.testId} role="status" title={n.text}>
          {n.text}
        </span>
      ))}
    </div>
  );

  return (
    <div className={styles.overlay} data-corner={p.corner}>
      {top ? labels : notices}
      <div className={styles.middle}>
        {p.message && (
          <div
            className={cx(
              styles.message,
              p.compact && styles.messageCompact,
              (p.message.kind === 'offline' || p.message.kind === 'stalled') && styles.bad
            )}
            role="status"
            data-testid={p.message.kind === 'privacy' ? 'privacy-state' : 'tile-message'}
            data-kind={p.message.kind}
          >
            {p.message.kind === 'privacy' && <Icon name="eye-slash" className={styles.icon} />}
            {p.message.text}
          </div>
        )}
      </div>
      {top ? notices : labels}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => {
  const base = chip(theme);
  return {
    overlay: css({
      position: 'absolute',
      inset: 0,
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(0.5),
      padding: theme.spacing(0.5),
      pointerEvents: 'none',
      minWidth: 0,
      overflow: 'hidden',
    }),
    labels: css({
      display: 'flex',
      flexDirection: 'column',
      alignItems: 'flex-start',
      gap: 2,
      minWidth: 0,
      maxWidth: '100%',
      flexShrink: 0,
    }),
    right: css({ alignItems: 'flex-end' }),
    row: css({ display: 'flex', gap: theme.spacing(0.5), minWidth: 0, maxWidth: '100%' }),
    rowRight: css({ justifyContent: 'flex-end' }),
    chip: css(base),
    name: css({ fontWeight: theme.typography.fontWeightMedium, flexShrink: 1 }),
    motion: css({
      flexShrink: 0,
      background: theme.colors.warning.main,
      color: theme.colors.warning.contrastText,
      fontWeight: theme.typography.fontWeightMedium,
    }),
    dot: css({
      display: 'inline-block',
      width: 8,
      height: 8,
      borderRadius: '50%',
      marginRight: theme.spacing(0.5),
      verticalAlign: 'baseline',
    }),
    dotGood: css({ background: theme.colors.success.main }),
    dotBad: css({ background: theme.colors.error.main }),
    dotNeutral: css({ background: theme.colors.text.disabled }),
    middle: css({
      flex: 1,
      minHeight: 0,
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'center',
      overflow: 'hidden',
    }),
    message: css({
      ...base,
      whiteSpace: 'normal',
      overflowWrap: 'anywhere',
      textAlign: 'center',
      maxWidth: '90%',
      maxHeight: '100%',
      padding: theme.spacing(0.5, 1),
      display: '-webkit-box',
      WebkitBoxOrient: 'vertical',
      WebkitLineClamp: 4,
    }),
    messageCompact: css({ WebkitLineClamp: 2, maxWidth: '100%' }),
    bad: css({ borderLeft: `3px solid ${theme.colors.error.main}` }),
    icon: css({ marginRight: theme.spacing(0.5), verticalAlign: 'middle' }),
    notices: css({ display: 'flex', flexDirection: 'column', gap: 2, minWidth: 0, flexShrink: 0 }),
  };
};
