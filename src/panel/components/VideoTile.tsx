/**
 * A tile that plays a camera's H.264 from its Live video channel through Media Source Extensions, falling back
 * to pictures where the browser cannot play the codec.
 */
import { cx } from '@emotion/css';
import { useStyles2 } from '@grafana/ui';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { FRAME_FIELDS } from '../../shared/query';
import type { CameraApi } from '../api';
import { isOffline } from '../frames';
import type { TileLayout } from '../layout';
import { tileMessage } from '../tileMessage';
import type { PanelOptions } from '../types';
import { watchChannel } from '../video/liveChannel';
import { browserMse, chooseMode, type MseSupport } from '../video/mode';
import { MsePlayer } from '../video/msePlayer';
import { base64ToBytes, framesReader, toVideoRow, videoReader } from '../video/packets';
import { mainStreamChannel, type VideoTileInfo } from '../video/videoTiles';
import { TileShell } from './TileShell';
import { getTileStyles } from './tileStyles';
import { usePrivacy } from './usePrivacy';

interface Props {
  tile: VideoTileInfo;
  now: number;
  options: PanelOptions;
  layout: TileLayout;
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
interface Pictures {
  url?: string;
  /** The picture's time (epoch ms). */
  time?: number;
  error?: string;
}

function usePictures(channel: string | undefined, enabled: boolean): Pictures {
  const [state, setState] = useState<Pictures>({});
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
        const time = row[FRAME_FIELDS.time];
        setState({ url, time: typeof time === 'number' ? time : undefined });
      } else if (row) {
        const error = row[FRAME_FIELDS.error];
        setState((s) => ({ ...s, error: typeof error === 'string' ? error : 'No picture yet' }));
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
export function VideoTile({ tile, now, options, layout, controls, api, ptz, privacy: reported, mse: mseProp }: Props) {
  const styles = useStyles2(getTileStyles);
  const [privacy, setPrivacy] = usePrivacy(reported ?? tile.privacy);
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
  const shown = playing || pictures.url !== undefined;
  const message = tileMessage({
    status: tile.status,
    offline,
    privacy,
    hasPicture: shown,
    reason: tile.error,
    noPicture: pictures.error,
  });
  const notices = [
    ...(choice.reason ? [{ testId: 'mode-reason', text: choice.reason }] : []),
    ...(playing && problem ? [{ testId: 'video-problem', text: problem }] : []),
  ];
  return (
    <TileShell
      tileRef={ref}
      cameraKey={tile.cameraId ?? tile.key}
      offline={offline}
      privacy={privacy === true}
      mode={choice.mode}
      layout={layout}
      media={
        playing ? (
          <video
            ref={videoRef}
            className={cx(styles.media, (offline || privacy) && styles.dimmed)}
            style={{ objectFit: options.fit }}
            data-testid="camera-video"
            aria-label={`${tile.name} camera video`}
            muted
            autoPlay
            playsInline
          />
        ) : (
          pictures.url && (
            <img
              src={pictures.url}
              alt={`${tile.name} camera`}
              className={cx(styles.media, (offline || privacy) && styles.dimmed)}
              style={{ objectFit: options.fit }}
            />
          )
        )
      }
      overlay={{
        name: tile.name,
        status: tile.status,
        offline,
        now,
        pictureTime: !playing && pictures.url ? pictures.time : undefined,
        motion: false,
        message,
        notices,
        labels: options.overlay,
        corner: options.overlayCorner,
        compact: layout.compact,
      }}
      controls={controls ? { view: tile, api, ptz, privacy, onPrivacyChange: setPrivacy } : undefined}
    />
  );
}
