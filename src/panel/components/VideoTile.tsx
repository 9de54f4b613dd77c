import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { FRAME_FIELDS } from '../../shared/query';
import type { CameraApi } from '../api';
import { statusLabel } from '../format';
import { isOffline } from '../frames';
import type { PanelOptions } from '../types';
import { watchChannel } from '../video/liveChannel';
import { browserMse, chooseMode, type MseSupport } from '../video/mode';
import { MsePlayer } from '../video/msePlayer';
import { base64ToBytes, framesReader, toVideoRow, videoReader } from '../video/packets';
import { mainStreamChannel, type VideoTileInfo } from '../video/videoTiles';
import { TileControls } from './TileControls';

interface Props {
  tile: VideoTileInfo;
  options: PanelOptions;
  controls: boolean;
  api?: CameraApi;
  ptz: boolean;
  privacy?: boolean;
  /** Injectable for tests; the browser's MediaSource otherwise. */
  mse?: MseSupport;
}

/** Plays the video channel into the <video> element; reports the codec and problems the channel names. */
function useVideo(
  channel: string,
  enabled: boolean,
  video: React.RefObject<HTMLVideoElement>,
  onCodec: (codec: string | undefined, unavailable?: string) => void,
  onProblem: (message: string | null) => void
) {
  useEffect(() => {
    const el = video.current;
    if (!enabled || !el) {
      return;
    }
    const player = new MsePlayer(el, (message) => onProblem(message));
    const reader = videoReader();
    const stop = watchChannel(channel, (json) => {
      for (const raw of reader.read(json)) {
        const row = toVideoRow(raw);
        if (!row) {
          continue;
        }
        if (row.kind === 'problem') {
          if (row.codec === 'h264') {
            onProblem(row.error); // the camera's stream failed; the sidecar reconnects
          } else {
            onCodec(row.codec || undefined, row.error ?? 'no video');
          }
          continue;
        }
        if (row.kind === 'init') {
          onCodec(row.codec);
          onProblem(null);
        }
        player.push(row);
      }
    });
    return () => {
      stop();
      player.dispose();
    };
    // onCodec/onProblem are state setters wrapped once per tile.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [channel, enabled, video]);
}

/** JPEG pictures from the camera's frames channel, as an object URL that is released when replaced. */
function usePictures(channel: string | undefined, enabled: boolean): { url?: string; error?: string } {
  const [state, setState] = useState<{ url?: string; error?: string }>({});
  useEffect(() => {
    if (!enabled || !channel) {
      return;
    }
    const reader = framesReader();
    let url: string | undefined;
    const stop = watchChannel(channel, (json) => {
      const rows = reader.read(json);
      const row = rows[rows.length - 1];
      const jpeg = row?.[FRAME_FIELDS.jpeg];
      if (typeof jpeg === 'string' && jpeg.length > 0) {
        const next = URL.createObjectURL(new Blob([base64ToBytes(jpeg)], { type: 'image/jpeg' }));
        if (url) {
          URL.revokeObjectURL(url);
        }
        url = next;
        setState({ url });
      } else if (row) {
        const error = row[FRAME_FIELDS.error];
        setState((s) => ({ url: s.url, error: typeof error === 'string' ? error : 'No picture yet' }));
      }
    });
    return () => {
      stop();
      if (url) {
        URL.revokeObjectURL(url);
      }
      setState({});
    };
  }, [channel, enabled]);
  return state;
}

/**
 * One camera of a video query: its own video through MSE, or JPEG pictures (when asked for, when the
 * browser cannot play it, or for H.265 cameras), saying why. Full screen may play the main stream.
 */
export function VideoTile({ tile, options, controls, api, ptz, privacy, mse: mseProp }: Props) {
  const styles = useStyles2(getStyles);
  const ref = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const mse = useMemo(() => mseProp ?? browserMse(), [mseProp]);
  const [codec, setCodec] = useState<{ codec?: string; unavailable?: string }>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [full, setFull] = useState(false);

  useEffect(() => {
    const onChange = () => setFull(document.fullscreenElement === ref.current && ref.current !== null);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  const choice = chooseMode({ preferred: options.liveMode, mse, ...codec });
  const channel = full && options.fullscreenMain ? mainStreamChannel(tile.videoChannel) : tile.videoChannel;
  const playing = choice.mode === 'video';
  useVideo(
    channel,
    playing,
    videoRef,
    (c, unavailable) =>
      setCodec((prev) => (prev.codec === c && prev.unavailable === unavailable ? prev : { codec: c, unavailable })),
    setProblem
  );
  const pictures = usePictures(tile.framesChannel, !playing);

  const offline = isOffline(tile);
  return (
    <div
      ref={ref}
      className={styles.tile}
      data-testid="camera-tile"
      data-camera={tile.cameraId ?? tile.key}
      data-mode={choice.mode}
      data-offline={offline ? 'true' : 'false'}
    >
      <div className={styles.picture}>
        {playing ? (
          <video
            ref={videoRef}
            className={styles.media}
            style={{ objectFit: options.fit }}
            data-testid="camera-video"
            aria-label={`${tile.name} camera video`}
            muted
            autoPlay
            playsInline
          />
        ) : pictures.url ? (
          <img
            src={pictures.url}
            alt={`${tile.name} camera`}
            className={styles.media}
            style={{ objectFit: options.fit }}
          />
        ) : (
          <div className={styles.empty}>{pictures.error ?? 'No picture yet'}</div>
        )}
        {options.overlay && (
          <div className={styles.topLeft}>
            <span className={styles.label}>{tile.name}</span>
            {tile.status && <span className={styles.label}>{statusLabel(tile.status)}</span>}
          </div>
        )}
        {choice.reason && (
          <div className={cx(styles.label, styles.bottom)} data-testid="mode-reason" role="status">
            {choice.reason}
          </div>
        )}
        {playing && problem && (
          <div className={cx(styles.label, styles.bottom)} data-testid="video-problem" role="status">
            {problem}
          </div>
        )}
      </div>
      {controls && (
        <TileControls
          view={tile}
          api={api}
          ptz={ptz}
          privacy={privacy ?? tile.privacy}
          onFullscreen={() => ref.current?.requestFullscreen?.()}
        />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
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
  media: css({ width: '100%', height: '100%', display: 'block' }),
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
  }),
  label: css({
    padding: theme.spacing(0.25, 0.75),
    borderRadius: theme.shape.radius.default,
    background: 'rgba(0, 0, 0, 0.55)',
    color: '#fff',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  bottom: css({
    position: 'absolute',
    bottom: theme.spacing(0.5),
    left: theme.spacing(0.5),
    right: theme.spacing(0.5),
  }),
});
