/**
 * The camera panel: picks the grid, then draws a video tile per video channel and a picture tile per camera in
 * the data, with controls where the datasource allows them.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React, { useEffect, useMemo, useState, useSyncExternalStore } from 'react';

import type { CameraListItem } from '../../shared/query';
import { type CameraApi, cameraApi, eventPicture, eventRecording } from '../api';
import { extractEvents } from '../events';
import { FrameStore } from '../frameStore';
import { extractTiles, filterTiles } from '../frames';
import { chooseGrid, GRID_GAP_PX, tileLayout } from '../layout';
import { useControlAccess } from '../permissions';
import { DEFAULT_OPTIONS, type PanelOptions } from '../types';
import { extractVideoTiles } from '../video/videoTiles';
import { CameraTile } from './CameraTile';
import { EVENTS_STRIP_PX, EventsStrip } from './EventsStrip';
import { downloadClip } from '../playback/download';
import { recordedClips, recordingNotices } from '../playback/clips';
import { RecordingsView } from './RecordingsView';
import { VideoTile } from './VideoTile';

type Props = PanelProps<PanelOptions>;

/** A clock for ages and the motion window; ticking does not touch the frames. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** PTZ capability and privacy state per camera, from each Tapo datasource's `cameras` resource. */
function useCameraInfo(apis: Map<string, CameraApi>, enabled: boolean): Map<string, Map<string, CameraListItem>> {
  const [info, setInfo] = useState<Map<string, Map<string, CameraListItem>>>(() => new Map());
  useEffect(() => {
    if (!enabled) {
      return;
    }
    const subscriptions = Array.from(apis.entries()).map(([uid, api]) =>
      api.cameras().subscribe({
        next: (list) => setInfo((prev) => new Map(prev).set(uid, new Map(list.map((c) => [c.id, c])))),
        error: () => undefined, // Controls then fall back to what the frames say.
      })
    );
    return () => subscriptions.forEach((s) => s.unsubscribe());
  }, [apis, enabled]);
  return info;
}

export function CameraPanel({ data, options: rawOptions, width, height }: Props) {
  const options: PanelOptions = { ...DEFAULT_OPTIONS, ...rawOptions };
  const styles = useStyles2(getStyles);
  const [store] = useState(() => new FrameStore());
  // Declared before the push effect, so a remount (StrictMode) disposes first and then re-applies.
  useEffect(() => () => store.dispose(), [store]);
  const now = useNow(1000);

  const tiles = useMemo(
    () => filterTiles(extractTiles(data.series, data.request), options.cameraFilter),
    [data.series, data.request, options.cameraFilter]
  );
  useEffect(() => store.push(tiles, options.maxFps), [store, tiles, options.maxFps]);
  const views = useSyncExternalStore(store.subscribe, store.getSnapshot);
  // Tapo video queries: the tiles watch their cameras' channels themselves.
  const videoTiles = useMemo(
    () => filterTiles(extractVideoTiles(data.series), options.cameraFilter),
    [data.series, options.cameraFilter]
  );

  // Tapo recordings queries: the camera's own clips, played from its SD card.
  const clips = useMemo(() => recordedClips(data.series), [data.series]);

  // The events view: the newest events of the cameras shown (all cameras when there are no tiles).
  const shownKey = [...tiles, ...videoTiles]
    .map((t) => t.cameraId)
    .filter(Boolean)
    .sort()
    .join(',');
  const events = useMemo(
    () =>
      options.eventsView
        ? extractEvents(
            data.series,
            data.request,
            shownKey ? new Set(shownKey.split(',')) : undefined,
            options.eventsCount
          )
        : [],
    [options.eventsView, options.eventsCount, data.series, data.request, shownKey]
  );
  // Events' datasources too: their clips' download follows the same rule.
  const uidKey = Array.from(
    new Set([...videoTiles, ...views, ...clips, ...events].map((v) => v.datasourceUid).filter(Boolean))
  )
    .sort()
    .join(',');
  const apis = useMemo(
    () => new Map(uidKey ? uidKey.split(',').map((uid) => [uid, cameraApi(uid)] as const) : []),
    [uidKey]
  );
  // Controls where the datasource's sidecar says this user may use them (it enforces the same rule).
  const allowed = useControlAccess(apis, options.showControls);
  const controlApis = useMemo(() => new Map(Array.from(apis).filter(([uid]) => allowed.has(uid))), [apis, allowed]);
  const info = useCameraInfo(controlApis, controlApis.size > 0);
  const controls = (uid: string | undefined) => uid !== undefined && allowed.has(uid);

  const strip = options.eventsView ? (
    <EventsStrip
      events={events}
      fetchPicture={(uid, id) => eventPicture(uid, id)}
      findRecording={(uid, e) => eventRecording(uid, e.cameraId, e.time)}
      mayDownload={(uid) => uid !== undefined && allowed.has(uid)}
      download={(clip) => downloadClip(clip)}
    />
  ) : null;
  if (tiles.length === 0 && videoTiles.length === 0 && (clips.length > 0 || recordingNotices(data.series).length)) {
    return (
      <RecordingsView
        clips={clips}
        notices={recordingNotices(data.series)}
        width={width}
        height={height}
        range={{ from: data.timeRange.from.valueOf(), to: data.timeRange.to.valueOf() }}
        mayDownload={(uid) => uid !== undefined && allowed.has(uid)}
        download={(clip) => downloadClip(clip)}
      />
    );
  }

  // The data decides; views catch up in the effect right after the first render.
  if (tiles.length === 0 && videoTiles.length === 0 && strip) {
    return (
      <div className={styles.column} style={{ width, height }}>
        {strip}
      </div>
    );
  }
  if (tiles.length === 0 && videoTiles.length === 0) {
    return (
      <div className={styles.empty}>
        No camera pictures in the data. Use a Tapo Cameras query of type Live → Video or Camera frames, or any query
        whose frames carry a JPEG as base64 or an image URL.
      </div>
    );
  }

  const sized = views.find((v) => v.width && v.height);
  const gridHeight = strip ? Math.max(0, height - EVENTS_STRIP_PX - GRID_GAP_PX) : height;
  const grid = chooseGrid({
    count: videoTiles.length + views.length,
    width,
    height: gridHeight,
    columns: options.columns,
    controls: allowed.size > 0,
    aspect: sized ? sized.width! / sized.height! : undefined,
  });
  const layout = tileLayout(grid);
  const gridElement = (
    <div
      className={styles.grid}
      data-testid="camera-grid"
      data-columns={grid.columns}
      data-rows={grid.rows}
      style={{
        width,
        height: gridHeight,
        gridTemplateColumns: `repeat(${grid.columns}, minmax(0, 1fr))`,
        gridTemplateRows: `repeat(${grid.rows}, minmax(0, 1fr))`,
      }}
    >
      {videoTiles.map((tile) => {
        const known =
          tile.datasourceUid && tile.cameraId ? info.get(tile.datasourceUid)?.get(tile.cameraId) : undefined;
        return (
          <VideoTile
            key={`video:${tile.key}`}
            tile={tile}
            now={now}
            options={options}
            layout={layout}
            controls={controls(tile.datasourceUid)}
            api={tile.datasourceUid && tile.cameraId ? apis.get(tile.datasourceUid) : undefined}
            ptz={known?.ptz ?? false}
            privacy={known?.privacyMode ?? undefined}
          />
        );
      })}
      {views.map((view) => {
        const api = view.datasourceUid && view.cameraId ? apis.get(view.datasourceUid) : undefined;
        const known =
          view.datasourceUid && view.cameraId ? info.get(view.datasourceUid)?.get(view.cameraId) : undefined;
        return (
          <CameraTile
            key={view.key}
            view={view}
            now={now}
            options={options}
            layout={layout}
            controls={controls(view.datasourceUid)}
            api={api}
            ptz={known?.ptz ?? view.ptz ?? false}
            privacy={known?.privacyMode ?? undefined}
          />
        );
      })}
    </div>
  );
  if (!strip) {
    return gridElement;
  }
  return (
    <div className={styles.column} style={{ width, height }}>
      {gridElement}
      {strip}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({ display: 'grid', gap: GRID_GAP_PX }),
  column: css({ position: 'relative', display: 'flex', flexDirection: 'column', gap: GRID_GAP_PX }),
  empty: css({
    height: '100%',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    textAlign: 'center',
    padding: theme.spacing(2),
    color: theme.colors.text.secondary,
  }),
});
