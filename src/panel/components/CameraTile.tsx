/** A tile that shows a camera's latest JPEG picture (or an image URL) in the shared tile shell and overlay. */
import { cx } from '@emotion/css';
import { useStyles2 } from '@grafana/ui';
import React, { useEffect, useRef } from 'react';

import type { CameraApi } from '../api';
import type { TileView } from '../frameStore';
import { isOffline } from '../frames';
import type { TileLayout } from '../layout';
import { tileMessage } from '../tileMessage';
import type { PanelOptions } from '../types';
import { TileShell } from './TileShell';
import { getTileStyles } from './tileStyles';
import { usePrivacy } from './usePrivacy';
import { useStallWatch } from './useStallWatch';

interface Props {
  view: TileView;
  now: number;
  options: PanelOptions;
  layout: TileLayout;
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

/** One camera of a pictures query: its latest picture with name, status, motion and the picture's age; dimmed with the reason when offline. */
export function CameraTile({ view, now, options, layout, controls, api, ptz, privacy: reported }: Props) {
  const styles = useStyles2(getTileStyles);
  const ref = useRef<HTMLDivElement>(null);
  // The live frames' privacy state wins over the camera list, which is read once.
  const [privacy, setPrivacy] = usePrivacy(view.privacy ?? reported);
  const stall = useStallWatch({
    active: view.liveIntervalMs !== undefined,
    resetKey: view.key,
    intervalMs: view.liveIntervalMs,
  });
  const { picture } = stall;
  useEffect(() => {
    if (view.imageUrl !== undefined && view.time !== undefined) {
      picture(view.time);
    }
  }, [view.imageUrl, view.time, picture]);
  const offline = isOffline(view);
  const status = view.status ?? (offline ? 'offline' : undefined);
  const hasPicture = view.imageUrl !== undefined;
  const message = tileMessage({
    status,
    offline,
    privacy,
    hasPicture,
    reason: view.error,
    // A row without a picture may say why (e.g. ffmpeg failing while the camera is online).
    noPicture: view.imageError ?? view.error,
    stalledMs: hasPicture ? stall.stalledMs : undefined,
  });
  const dimmed = offline || privacy === true || (hasPicture && stall.stalledMs !== undefined);

  return (
    <TileShell
      tileRef={ref}
      cameraKey={view.cameraId ?? view.key}
      offline={offline}
      privacy={privacy === true}
      stalled={hasPicture && stall.stalledMs !== undefined}
      layout={layout}
      media={
        hasPicture && (
          <img
            src={view.imageUrl}
            alt={`${view.name} camera`}
            className={cx(styles.media, dimmed && styles.dimmed)}
            style={{ objectFit: options.fit }}
          />
        )
      }
      overlay={{
        name: view.name,
        status,
        offline,
        lastSeen: view.lastSeen,
        pictureTime: hasPicture ? view.time : undefined,
        now,
        motion: motionLit(view, now, options.motionWindowSeconds),
        message,
        labels: options.overlay,
        corner: options.overlayCorner,
        compact: layout.compact,
      }}
      controls={controls ? { view, api, ptz, privacy, onPrivacyChange: setPrivacy } : undefined}
    />
  );
}
