/**
 * The panel's events view: the newest events of the shown cameras as thumbnails with their kind
 * and time; a click shows the event's picture full size (fetched from the datasource), Escape or
 * the close button goes back.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { IconButton, useStyles2 } from '@grafana/ui';
import React, { useEffect, useState } from 'react';

import type { EventItem } from '../events';

export const EVENTS_STRIP_PX = 96;

interface Props {
  events: EventItem[];
  /** Fetches an event's full-size picture. */
  fetchPicture: (uid: string, eventId: string) => Promise<Blob>;
}

type Shown = { event: EventItem; url?: string; error?: string };

function clock(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function EventsStrip({ events, fetchPicture }: Props) {
  const styles = useStyles2(getStyles);
  const [shown, setShown] = useState<Shown | null>(null);

  // The object URL lives as long as the picture is shown.
  useEffect(() => () => (shown?.url ? URL.revokeObjectURL(shown.url) : undefined), [shown?.url]);
  useEffect(() => {
    if (!shown) {
      return;
    }
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setShown(null);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shown]);

  const open = (event: EventItem) => {
    if (!event.pictureId || !event.datasourceUid) {
      return;
    }
    setShown({ event });
    fetchPicture(event.datasourceUid, event.pictureId).then(
      (blob) => setShown((s) => (s?.event.key === event.key ? { event, url: URL.createObjectURL(blob) } : s)),
      (err: unknown) =>
        setShown((s) =>
          s?.event.key === event.key ? { event, error: err instanceof Error ? err.message : 'no picture' } : s
        )
    );
  };

  if (events.length === 0) {
    return (
      <div className={styles.strip} data-testid="events-strip">
        <span className={styles.none}>No events of these cameras in the time range</span>
      </div>
    );
  }
  return (
    <>
      <div className={styles.strip} data-testid="events-strip" role="list" aria-label="Recent events">
        {events.map((e) => (
          <button
            key={e.key}
            type="button"
            role="listitem"
            className={styles.item}
            disabled={!e.pictureId}
            onClick={() => open(e)}
            title={`${e.cameraName}: ${e.label} at ${clock(e.time)}${e.pictureId ? '' : ' (no picture)'}`}
          >
            {e.thumbnail ? (
              <img className={styles.thumb} src={e.thumbnail} alt={`${e.label}, ${e.cameraName}`} />
            ) : (
              <div className={styles.noThumb}>no picture</div>
            )}
            <span className={styles.caption}>
              {e.label} · {clock(e.time)}
            </span>
          </button>
        ))}
      </div>
      {shown && (
        <div className={styles.full} role="dialog" aria-label={`${shown.event.cameraName}: ${shown.event.label}`}>
          <div className={styles.fullBar}>
            <span>
              {shown.event.cameraName}: {shown.event.label} at {clock(shown.event.time)}
            </span>
            <IconButton name="times" aria-label="Close the picture" onClick={() => setShown(null)} />
          </div>
          {shown.url ? (
            <img className={styles.fullImg} src={shown.url} alt={`${shown.event.label}, ${shown.event.cameraName}`} />
          ) : (
            <div className={styles.none}>{shown.error ?? 'Loading the picture…'}</div>
          )}
        </div>
      )}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  strip: css({
    height: EVENTS_STRIP_PX,
    display: 'flex',
    gap: theme.spacing(1),
    overflowX: 'auto',
    overflowY: 'hidden',
    alignItems: 'stretch',
  }),
  item: css({
    flex: '0 0 auto',
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'stretch',
    padding: 0,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    color: theme.colors.text.primary,
    cursor: 'pointer',
    overflow: 'hidden',
    '&:disabled': { cursor: 'default', opacity: 0.7 },
  }),
  thumb: css({ height: EVENTS_STRIP_PX - 24, width: 'auto', objectFit: 'cover', display: 'block' }),
  noThumb: css({
    height: EVENTS_STRIP_PX - 24,
    width: 96,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  caption: css({
    height: 22,
    lineHeight: '22px',
    padding: `0 ${theme.spacing(0.5)}`,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
  none: css({ color: theme.colors.text.secondary, margin: 'auto' }),
  full: css({
    position: 'absolute',
    inset: 0,
    display: 'flex',
    flexDirection: 'column',
    background: theme.colors.background.canvas,
    zIndex: 2,
  }),
  fullBar: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'center',
    padding: theme.spacing(0.5, 1),
  }),
  fullImg: css({ flex: 1, minHeight: 0, objectFit: 'contain', width: '100%' }),
});
