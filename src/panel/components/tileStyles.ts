/** Styles both tile kinds share (the JPEG tile and the video tile): theme colours, light and dark. */
import { css } from '@emotion/css';
import { type GrafanaTheme2, colorManipulator } from '@grafana/data';

export const getTileStyles = (theme: GrafanaTheme2) => ({
  tile: css({
    boxSizing: 'border-box',
    position: 'relative',
    display: 'flex',
    flexDirection: 'column',
    minWidth: 0,
    minHeight: 0,
    overflow: 'hidden',
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    color: theme.colors.text.primary,
  }),
  picture: css({ position: 'relative', flex: 1, minHeight: 0, overflow: 'hidden' }),
  media: css({ width: '100%', height: '100%', display: 'block' }),
  dimmed: css({ opacity: 0.35, filter: 'grayscale(1)' }),
});

export type TileStyles = ReturnType<typeof getTileStyles>;

/** A label over a picture: a near-opaque theme background so its text reads on any picture. */
export function chip(theme: GrafanaTheme2) {
  return {
    boxSizing: 'border-box' as const,
    padding: theme.spacing(0, 0.75),
    borderRadius: theme.shape.radius.default,
    background: colorManipulator.alpha(theme.colors.background.primary, 0.88),
    color: theme.colors.text.primary,
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: '20px',
    whiteSpace: 'nowrap' as const,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    maxWidth: '100%',
    minWidth: 0,
  };
}
