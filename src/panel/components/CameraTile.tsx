import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React, { useRef } from 'react';

import type { CameraApi } from '../api';
import { formatAge, statusLabel } from '../format';
import type { TileView } from '../frameStore';
import { isOffline } from '../frames';
import type { PanelOptions } from '../types';
import { TileControls } from './TileControls';

interface Props {
  view: TileView;
  now: number;
  options: PanelOptions;
  controls: boolean;
  api?: CameraApi;
  ptz: boolean;
  privacy?: boolean;
}

export function motionLit(view: TileView, now: number, windowSeconds: number): boolean {
  if (view.motion === true) {
    return true;
  }
  return view.lastMotion !== undefined && now - view.lastMotion <= windowSeconds * 1000;
}

/** One camera: its latest picture with name, status, motion badge and frame age; dimmed with the reason when offline. */
export function CameraTile({ view, now, options, controls, api, ptz, privacy }: Props) {
  const styles = useStyles2(getStyles);
  const ref = useRef<HTMLDivElement>(null);
  const offline = isOffline(view);
  const lit = motionLit(view, now, options.motionWindowSeconds);
  const status = view.status ?? (offline ? 'offline' : undefined);
  const reason = view.error ?? (offline ? statusLabel(view.status) : undefined);
  // A row without a picture may say why (e.g. ffmpeg failing while the camera is online); offline
  // tiles already show their reason over the picture area.
  const noPicture = view.imageError ?? (offline ? undefined : view.error) ?? 'No picture yet';

  return (
    <div
      ref={ref}
      className={styles.tile}
      data-testid="camera-tile"
      data-camera={view.cameraId ?? view.key}
      data-offline={offline ? 'true' : 'false'}
    >
      <div className={styles.picture}>
        {view.imageUrl ? (
          <img
            src={view.imageUrl}
            alt={`${view.name} camera`}
            className={cx(styles.image, offline && styles.dimmed)}
            style={{ objectFit: options.fit }}
          />
        ) : (
          <div className={styles.empty}>{noPicture}</div>
        )}
        {options.overlay && (
          <>
            <div className={styles.topLeft}>
              <span className={styles.name}>{view.name}</span>
              {status && (
                <span
                  className={cx(styles.status, offline ? styles.statusOff : status === 'online' && styles.statusOn)}
                >
                  {statusLabel(status)}
                </span>
              )}
              {offline && view.lastSeen !== undefined && (
                <span className={styles.muted}>last seen {formatAge(now - view.lastSeen)} ago</span>
              )}
            </div>
            <div
              className={cx(styles.motion, lit && styles.motionLit)}
              data-testid="motion-badge"
              data-lit={lit ? 'true' : 'false'}
              aria-label={lit ? 'Motion detected' : 'No recent motion'}
            >
              Motion
            </div>
            {view.time !== undefined && (
              <div className={styles.age} data-testid="frame-age">
                {formatAge(now - view.time)} old
              </div>
            )}
          </>
        )}
        {offline && reason && (
          <div className={styles.reason} role="status">
            {reason}
          </div>
        )}
      </div>
      {controls && (
        <TileControls
          view={view}
          api={api}
          ptz={ptz}
          privacy={privacy ?? view.privacy}
          onFullscreen={() => ref.current?.requestFullscreen?.()}
        />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => {
  const label = css({
    padding: theme.spacing(0.25, 0.75),
    borderRadius: theme.shape.radius.default,
    background: 'rgba(0, 0, 0, 0.55)',
    color: '#fff',
    fontSize: theme.typography.bodySmall.fontSize,
  });
  return {
    tile: css({
      display: 'flex',
      flexDirection: 'column',
      minWidth: 0,
      minHeight: 0,
      overflow: 'hidden',
      borderRadius: theme.shape.radius.default,
      background: '#000',
    }),
    picture: css({ position: 'relative', flex: 1, minHeight: 0 }),
    image: css({ width: '100%', height: '100%', display: 'block' }),
    dimmed: css({ opacity: 0.35, filter: 'grayscale(1)' }),
    empty: css({
      height: '100%',
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'center',
      color: theme.colors.text.secondary,
    }),
    topLeft: css({
      position: 'absolute',
      top: theme.spacing(0.5),
      left: theme.spacing(0.5),
      display: 'flex',
      gap: theme.spacing(0.5),
      flexWrap: 'wrap',
    }),
    name: cx(label, css({ fontWeight: theme.typography.fontWeightMedium })),
    status: label,
    statusOn: css({ color: theme.colors.success.text }),
    statusOff: css({ color: theme.colors.error.text }),
    muted: label,
    motion: cx(label, css({ position: 'absolute', top: theme.spacing(0.5), right: theme.spacing(0.5), opacity: 0.45 })),
    motionLit: css({ opacity: 1, background: theme.colors.warning.main, color: theme.colors.warning.contrastText }),
    age: cx(label, css({ position: 'absolute', bottom: theme.spacing(0.5), left: theme.spacing(0.5) })),
    reason: cx(
      label,
      css({
        position: 'absolute',
        top: '50%',
        left: '50%',
        transform: 'translate(-50%, -50%)',
        maxWidth: '90%',
        textAlign: 'center',
        color: theme.colors.error.text,
      })
    ),
  };
};
