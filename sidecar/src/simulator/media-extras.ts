/**
 * The fleet's `extras` hook for video and events: per simulated camera an RTSP server (stream1,
 * stream2, the camera account, two sessions at most) and an ONVIF endpoint fed by the camera's
 * motion events. Models without RTSP/ONVIF (battery cameras) get neither, as on real hardware.
 *
 * Ports: free ones, or with a fleet base port P, camera i gets RTSP P+1000+i, ONVIF P+2000+i and
 * its subscription port P+3000+i, and cameras with a card slot their SD card's port-8800 playback P+4000+i.
 */
import type { FleetExtras, FleetExtrasContext, FleetExtrasFactory } from './fleet.ts';
import type { SimulatedCamera } from './camera.ts';
import { startSimRtspServer, type SimRtspOptions, type SimRtspServer } from './rtsp.ts';
import { startSimOnvifServer, type SimOnvifOptions, type SimOnvifServer } from './onvif.ts';
import { SIM_DETECTIONS } from './detections.ts';
import type { ModelId } from './profiles.ts';
import { startPlaybackServer, type PlaybackServer, type PlaybackServerOptions } from './playback8800.ts';

export interface MediaExtrasOptions {
  rtsp?: boolean;
  onvif?: boolean;
  /** The SD card's port-8800 playback/download server (cameras with a card slot). */
  playback?: boolean;
  playbackOptions?: Partial<Pick<PlaybackServerOptions, 'spec' | 'playbackSpeed' | 'downloadSpeed'>>;
  ffmpegPath?: string;
  streams?: SimRtspOptions['streams'];
  onvifOptions?: Partial<
    Pick<SimOnvifOptions, 'clockOffsetMs' | 'maxPullWaitMs' | 'maxTerminationSec' | 'maxSubscriptions'>
  >;
}

export interface MediaExtras extends FleetExtras {
  rtsp: SimRtspServer | null;
  onvif: SimOnvifServer | null;
  playback: PlaybackServer | null;
}

function derivedPort(ctx: FleetExtrasContext, offset: number): number {
  if (ctx.basePort === undefined) {
    return 0;
  }
  const p = ctx.basePort + offset + ctx.index;
  if (p > 65535) {
    throw new RangeError(`derived port ${p} is out of range (base port too high)`);
  }
  return p;
}

export function mediaExtras(options: MediaExtrasOptions = {}): FleetExtrasFactory {
  return async (cam: SimulatedCamera, ctx: FleetExtrasContext): Promise<MediaExtras> => {
    let rtsp: SimRtspServer | null = null;
    let onvif: SimOnvifServer | null = null;
    let playback: PlaybackServer | null = null;
    try {
      if (options.rtsp !== false && cam.profile.rtsp) {
        rtsp = await startSimRtspServer({
          name: cam.name,
          model: cam.model,
          username: cam.cameraAccount.username,
          password: cam.cameraAccount.password,
          host: ctx.host,
          port: derivedPort(ctx, 1000),
          ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
          ...(options.streams ? { streams: options.streams } : {}),
        });
      }
      if (options.onvif !== false && cam.profile.onvif) {
        onvif = await startSimOnvifServer({
          name: cam.name,
          username: cam.cameraAccount.username,
          password: cam.cameraAccount.password,
          events: cam.events,
          host: ctx.host,
          port: derivedPort(ctx, 2000),
          eventPort: derivedPort(ctx, 3000),
          model: cam.model,
          firmware: cam.profile.firmware,
          kinds: SIM_DETECTIONS[cam.profile.model as ModelId] ?? ['motion', 'person'],
          ...(options.onvifOptions ?? {}),
        });
      }
      if (options.playback !== false && cam.profile.sdCardBytes > 0) {
        playback = await startPlaybackServer({
          host: ctx.host,
          port: derivedPort(ctx, 4000),
          password: cam.cloudPassword,
          card: cam.device.card,
          name: cam.name,
          model: cam.model,
          ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
          ...(options.playbackOptions ?? {}),
        });
      }
    } catch (e) {
      await Promise.allSettled([rtsp?.close(), onvif?.close()]);
      throw e;
    }
    return {
      rtsp,
      onvif,
      playback,
      ...(rtsp ? { rtspPort: rtsp.port } : {}),
      ...(onvif ? { onvifPort: onvif.port } : {}),
      ...(playback ? { playbackPort: playback.port } : {}),
      async close() {
        await Promise.allSettled([rtsp?.close(), onvif?.close(), playback?.close()]);
      },
    };
  };
}

/** The default hook, for `startSimulatedFleet({ extras: simulatedMediaExtras })` and the CLI. */
export const simulatedMediaExtras: FleetExtrasFactory = mediaExtras();
