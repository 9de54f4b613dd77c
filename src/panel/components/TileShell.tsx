/**
 * The frame every tile shares: theme colours, picture area, overlay and a control bar of one height (over the
 * picture on hover for small tiles).
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';

import { CONTROL_BAR_PX, type TileLayout } from '../layout';
import { TileControls, type TileControlsProps } from './TileControls';
import { TileOverlay, type TileOverlayProps } from './TileOverlay';
import { getTileStyles } from './tileStyles';

interface Props {
  tileRef: React.RefObject<HTMLDivElement>;
  cameraKey: string;
  offline: boolean;
  privacy: boolean;
  /** Video tiles say whether they play video or pictures. */
  mode?: string;
  /** The stream stopped: the picture shown is old. */
  stalled?: boolean;
  layout: TileLayout;
  /** The picture or video element, or nothing. */
  media: React.ReactNode;
  overlay: TileOverlayProps;
  /** The camera's controls, for Editors and Admins (absent: no control bar). */
  controls?: Omit<TileControlsProps, 'narrow' | 'onFullscreen'>;
}

/**
 * The frame both tile kinds share: the picture area with its overlay, and the control bar below it
 * (the same height on every tile, so pictures in a row line up) or over it on hover for small tiles.
 */
export function TileShell({
  tileRef,
  cameraKey,
  offline,
  privacy,
  mode,
  stalled,
  layout,
  media,
  overlay,
  controls,
}: Props) {
  const tile = useStyles2(getTileStyles);
  const styles = useStyles2(getStyles);
  return (
    <div
      ref={tileRef}
      className={cx(tile.tile, layout.hoverControls && styles.hoverTile)}
      data-testid="camera-tile"
      data-camera={cameraKey}
      data-mode={mode}
      data-offline={offline ? 'true' : 'false'}
      data-privacy={privacy ? 'true' : 'false'}
      data-stalled={stalled ? 'true' : 'false'}
    >
      <div className={tile.picture}>
        {media}
        <TileOverlay {...overlay} />
      </div>
      {controls && (
        <div
          className={layout.hoverControls ? styles.hoverBar : styles.bar}
          data-testid="tile-control-bar"
          data-hover={layout.hoverControls ? 'true' : 'false'}
        >
          <TileControls
            {...controls}
            narrow={layout.narrowControls}
            onFullscreen={() => tileRef.current?.requestFullscreen?.()}
          />
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({ height: CONTROL_BAR_PX, flexShrink: 0, background: theme.colors.background.primary }),
  hoverBar: css({
    position: 'absolute',
    left: 0,
    right: 0,
    bottom: 0,
    height: CONTROL_BAR_PX,
    background: theme.colors.background.primary,
    opacity: 0,
    transition: 'opacity 120ms',
  }),
  hoverTile: css({
    '&:hover [data-testid="tile-control-bar"], &:focus-within [data-testid="tile-control-bar"]': { opacity: 1 },
  }),
});
