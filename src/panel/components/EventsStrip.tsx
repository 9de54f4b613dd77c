/**
 * The panel's events view: the newest events of the shown cameras as thumbnails with their kind
 * and time; a click shows the event's picture full size (fetched from the datasource) and looks up
 * the clip the camera's SD card recorded then: "Play recording" plays it in the ClipPlayer from a
 * few seconds before the event, or the view says why there is none (no card, nothing recorded then).
 * Escape or the close button goes back.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, IconButton, useStyles2 } from '@grafana/ui';
import React, { useEffect, useState } from 'react';

import { EVENT_CLIP, type EventRecording } from '../../shared/query';
import type { EventItem } from '../events';
import { eventClip, type RecordedClip } from '../playback/clips';
import { ClipPlayer, type PlayRequest } from './ClipPlayer';

export const EVENTS_STRIP_PX = 96;

interface Props {
  events: EventItem[];
  /** Fetches an event's full-size picture. */
  fetchPicture: (uid: string, eventId: string) => Promise<Blob>;
  /** Finds the clip the camera recorded at an event (resources.recordingAt); without it, no recordings are offered. */
  findRecording?: (uid: string, event: EventItem) => Promise<EventRecording>;
  mayDownload?: (uid: string | undefined) => boolean;
  download?: (clip: RecordedClip) => Promise<void>;
}

/** The event's clip: being looked up, found (ready to play), or why there is none. */
type Recording = { state: 'looking' } | { state: 'found'; request: PlayRequest } | { state: 'none'; text: string };

type Shown = { event: EventItem; url?: string; error?: string; recording?: Recording; playing?: PlayRequest };

function clock(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Why an event has no clip, in the viewer's words and clock (the sidecar's EventRecordingRefusal). */
function noRecording(event: EventItem, err: unknown): string {
  const e = err as { data?: { error?: string; reason?: string }; message?: string };
  if (e?.data?.reason === 'nothing') {
    // A camera lists a clip once it has closed it: a fresh event's may come in a moment.
    const recent = Date.now() - event.time < EVENT_CLIP.recentSeconds * 1000;
    return `Nothing on ${event.cameraName}’s SD card at ${clock(event.time)}${recent ? ' yet: open the event again in a moment' : ''}`;
  }
  return e?.data?.error ?? e?.message ?? 'The recording cannot be found';
}

export function EventsStrip({ events, fetchPicture, findRecording, mayDownload, download }: Props) {
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

  const recordable = (e: EventItem) => Boolean(findRecording && e.datasourceUid);
  const open = (event: EventItem) => {
    const uid = event.datasourceUid;
    if (!uid || (!event.pictureId && !recordable(event))) {
      return;
    }
    // Results of an earlier event's calls are dropped once another event is shown.
    const update = (patch: Partial<Shown>) => setShown((s) => (s?.event.key === event.key ? { ...s, ...patch } : s));
    setShown({ event, ...(recordable(event) ? { recording: { state: 'looking' } } : {}) });
    if (event.pictureId) {
      fetchPicture(uid, event.pictureId).then(
        (blob) => update({ url: URL.createObjectURL(blob) }),
        (err: unknown) => update({ error: err instanceof Error ? err.message : 'no picture' })
      );
    }
    if (findRecording && recordable(event)) {
      findRecording(uid, event).then(
        (r) => update({ recording: { state: 'found', request: { clip: eventClip(uid, r), offsetS: r.offsetS } } }),
        (err: unknown) => update({ recording: { state: 'none', text: noRecording(event, err) } })
      );
    }
  };

  if (events.length === 0) {
    return (
      <div className={styles.strip} data-testid="events-strip">
        <span className={styles.none}>No events of these cameras in the time range</span>
      </div>
    );
  }
  const rec = shown?.recording;
  return (
    <>
      <div className={styles.strip} data-testid="events-strip" role="list" aria-label="Recent events">
        {events.map((e) => (
          <button
            key={e.key}
            type="button"
            role="listitem"
            className={styles.item}
            disabled={!e.datasourceUid || (!e.pictureId && !recordable(e))}
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
            <span className={styles.fullTitle}>
              {shown.event.cameraName}: {shown.event.label} at {clock(shown.event.time)}
            </span>
            <span className={styles.actions}>
              {rec?.state === 'looking' && <span className={styles.note}>Looking for the recording…</span>}
              {rec?.state === 'none' && (
                <span className={styles.note} data-testid="event-recording-none">
                  {rec.text}
                </span>
              )}
              {rec?.state === 'found' &&
                (shown.playing ? (
                  <Button
                    size="sm"
                    variant="secondary"
                    icon="camera"
                    onClick={() => setShown({ ...shown, playing: undefined })}
                  >
                    Picture
                  </Button>
                ) : (
                  <Button size="sm" icon="play" onClick={() => setShown({ ...shown, playing: { ...rec.request } })}>
                    Play recording
                  </Button>
                ))}
              <IconButton name="times" aria-label="Close the picture" onClick={() => setShown(null)} />
            </span>
          </div>
          {shown.playing ? (
            <ClipPlayer
              request={shown.playing}
              mayDownload={mayDownload?.(shown.event.datasourceUid) ?? false}
              download={download ?? (() => Promise.reject(new Error('Downloads are not available here')))}
            />
          ) : shown.url ? (
            <img className={styles.fullImg} src={shown.url} alt={`${shown.event.label}, ${shown.event.cameraName}`} />
          ) : (
            <div className={styles.none}>
              {shown.error ?? (shown.event.pictureId ? 'Loading the picture…' : 'No picture was kept with this event')}
            </div>
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
    color: theme.colors.text.primary,
    zIndex: 2,
  }),
  fullBar: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 1),
  }),
  fullTitle: css({ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', minWidth: 0 }),
  actions: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flex: '0 1 auto', minWidth: 0 }),
  note: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  fullImg: css({ flex: 1, minHeight: 0, objectFit: 'contain', width: '100%' }),
});
