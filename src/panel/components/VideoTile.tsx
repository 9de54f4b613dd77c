/**
 * A tile that plays a camera's H.264 from its Live video channel through Media Source Extensions, falling back
 * to pictures where the browser cannot play the codec.
 */
import { cx } from '@emotion/css';
import { useStyles2 } from '@grafana/ui';
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { FRAME_FIELDS, POLL_FIELDS } from '../../shared/query';
import type { CameraApi } from '../api';
import { isOffline, liveIntervalOf } from '../frames';
import type { TileLayout } from '../layout';
import { tileMessage } from '../tileMessage';
import type { PanelOptions } from '../types';
import { applyPolls, metricsChannelOf, NO_POLL, type LiveCameraState } from '../video/cameraState';
import { watchChannel } from '../video/liveChannel';
import { browserMse, chooseMode, type MseSupport } from '../video/mode';
import { MsePlayer } from '../video/msePlayer';
import { base64ToBytes, framesReader, PacketReader, toVideoRow, videoReader } from '../video/packets';
import { mainStreamChannel, type VideoTileInfo } from '../video/videoTiles';
import { TileShell } from './TileShell';
import { getTileStyles } from './tileStyles';
import { usePrivacy } from './usePrivacy';
import { useStallWatch } from './useStallWatch';

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

/**
 * Plays the video channel into the <video> element; reports the codec, problems the channel names,
 * and each picture as it arrives. A new `generation` subscribes afresh with a new player (a reconnect).
 */
function useVideo(
  channel: string,
  enabled: boolean,
  generation: number,
  video: React.RefObject<HTMLVideoElement>,
  onCodec: (codec: string | undefined, unavailable?: string) => void,
  onProblem: (message: string | null) => void,
  onPicture: (time: number) => void
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
        } else {
          onPicture(row.time);
        }
        player.push(row);
      }
    });
    return () => {
      stop();
      player.dispose();
    };
    // onCodec/onProblem/onPicture are state setters and a stable callback, wrapped once per tile.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [channel, enabled, generation, video]);
}

/** The camera's polls from its metrics channel: status, reason, privacy and last answer as they change. */
function useCameraState(channel: string | undefined, cameraId: string | undefined): LiveCameraState {
  const [state, setState] = useState<LiveCameraState>(NO_POLL);
  useEffect(() => {
    if (!channel) {
      return;
    }
    const reader = new PacketReader(Object.values(POLL_FIELDS));
    const stop = watchChannel(channel, (json) => {
      const rows = reader.read(json);
      setState((prev) => applyPolls(prev, rows, cameraId));
    });
    return () => {
      stop();
      setState(NO_POLL);
    };
  }, [channel, cameraId]);
  return state;
}

/** JPEG pictures from the camera's frames channel, as an object URL that is released when replaced. */
interface Pictures {
  url?: string;
  /** The picture's time (epoch ms). */
  time?: number;
  error?: string;
}

function usePictures(
  channel: string | undefined,
  enabled: boolean,
  generation: number,
  onPicture: (time?: number) => void
): Pictures {
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
        onPicture(typeof time === 'number' ? time : undefined);
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
    // onPicture is stable (the stall watch's).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [channel, enabled, generation]);
  return state;
}

/**
 * Keeps the picture on screen across a reconnect: a new player empties the element, which then
 * shows its poster, so the poster becomes the current picture (when there is one to take).
 */
function holdLastPicture(el: HTMLVideoElement | null): void {
  if (!el || el.videoWidth === 0 || el.readyState < 2) {
    return;
  }
  try {
    const canvas = document.createElement('canvas');
    canvas.width = el.videoWidth;
    canvas.height = el.videoHeight;
    canvas.getContext('2d')?.drawImage(el, 0, 0);
    el.poster = canvas.toDataURL('image/jpeg', 0.8);
  } catch {
    // No canvas here: the tile still says how long it has had no picture.
  }
}

/**
 * One camera of a video query: its own video through MSE, or JPEG pictures (when asked for, when the
 * browser cannot play it, or for H.265 cameras), saying why. Full screen may play the main stream.
 */
export function VideoTile({ tile, now, options, layout, controls, api, ptz, privacy: reported, mse: mseProp }: Props) {
  const styles = useStyles2(getTileStyles);
  const live = useCameraState(metricsChannelOf(tile.videoChannel), tile.cameraId);
  // The camera's polls as they come win over the query's answer and the camera list, both read once.
  const [privacy, setPrivacy] = usePrivacy(live.polled ? live.privacy : (tile.privacy ?? reported));
  const ref = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const mse = useMemo(() => mseProp ?? browserMse(), [mseProp]);
  const [codec, setCodec] = useState<{ codec?: string; unavailable?: string }>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [full, setFull] = useState(false);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const onChange = () => setFull(document.fullscreenElement === ref.current && ref.current !== null);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  const choice = chooseMode({ preferred: options.liveMode, mse, ...codec });
  const channel = full && options.fullscreenMain ? mainStreamChannel(tile.videoChannel) : tile.videoChannel;
  const playing = choice.mode === 'video';
  const watched = playing ? channel : tile.framesChannel;
  const reconnect = useCallback(() => {
    holdLastPicture(videoRef.current);
    setGeneration((g) => g + 1);
  }, []);
  const stall = useStallWatch({
    active: watched !== undefined,
    resetKey: `${choice.mode}|${watched}`,
    intervalMs: playing ? undefined : liveIntervalOf(tile.framesChannel),
    video: playing ? videoRef : undefined,
    onReconnect: reconnect,
  });
  useVideo(
    channel,
    playing,
    generation,
    videoRef,
    (c, unavailable) =>
      setCodec((prev) => (prev.codec === c && prev.unavailable === unavailable ? prev : { codec: c, unavailable })),
    setProblem,
    stall.picture
  );
  const pictures = usePictures(tile.framesChannel, !playing, generation, stall.picture);

  const status = live.polled ? live.status : tile.status;
  const reason = live.polled ? live.error : tile.error;
  const offline = isOffline({ status, error: reason });
  const shown = playing ? stall.shown : pictures.url !== undefined;
  const message = tileMessage({
    status,
    offline,
    privacy,
    hasPicture: shown,
    reason,
    // In video, the channel's problem words are a notice of their own.
    noPicture: playing ? undefined : pictures.error,
    stalledMs: stall.stalledMs,
  });
  const dimmed = offline || privacy === true || stall.stalledMs !== undefined;
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
      stalled={stall.stalledMs !== undefined}
      layout={layout}
      media={
        playing ? (
          <video
            ref={videoRef}
            className={cx(styles.media, dimmed && styles.dimmed)}
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
              className={cx(styles.media, dimmed && styles.dimmed)}
              style={{ objectFit: options.fit }}
            />
          )
        )
      }
      overlay={{
        name: tile.name,
        status,
        offline,
        lastSeen: live.lastSeen,
        now,
        pictureTime: playing ? stall.pictureTime : pictures.url ? pictures.time : undefined,
        motion: live.lastMotion !== undefined && now - live.lastMotion <= options.motionWindowSeconds * 1000,
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
