/** SubscribeStream / RunStream for our Live channels: poll results, camera pictures and video. */
import type { StreamSink } from '../grafana/handlers.ts';
import { frameToJSON } from '../grafana/frame.ts';
import type { SubscribeStatus } from '../grafana/protocol.ts';
import type { MotionEvent, PollResult } from '../model.ts';
import { parseChannel, type Channel } from './channels.ts';
import type { DatasourceDeps } from './deps.ts';
import { pictureFrame, pollFrame, problemFrame } from './live-frames.ts';
import { videoPacketsJSON } from './video-frames.ts';
import { relaysFor, type VideoPacket, type VideoRelay } from './video-relay.ts';
import { ClipPackager, clipProblem, problemPacket } from './playback.ts';

function known(deps: DatasourceDeps, ch: Channel): boolean {
  return ch.kind === 'fleet-metrics' || deps.fleet.camera(ch.cameraId) !== undefined;
}

export async function subscribe(
  deps: DatasourceDeps,
  path: string
): Promise<{ status: SubscribeStatus; data?: Buffer }> {
  const ch = parseChannel(path);
  if (!ch || !known(deps, ch)) {
    return { status: 'NOT_FOUND' };
  }
  if (ch.kind === 'playback') {
    return { status: 'OK' }; // the clip starts when the stream runs (one camera session per channel)
  }
  if (ch.kind === 'video') {
    // A viewer starts at the last keyframe: init + the current group of pictures (or why none).
    const relay = videoRelay(deps, ch);
    const packets = relay ? relay.joinPackets() : [noVideo(deps)];
    return { status: 'OK', data: packets.length ? videoPacketsJSON(packets) : undefined };
  }
  // Initial data, so a panel never starts blank.
  if (ch.kind === 'frames') {
    const latest = deps.frames?.latest(ch.cameraId);
    return {
      status: 'OK',
      data: latest ? frameToJSON(pictureFrame(latest, deps.fleet.camera(ch.cameraId))) : undefined,
    };
  }
  const cams = ch.kind === 'fleet-metrics' ? deps.fleet.cameras() : [deps.fleet.camera(ch.cameraId)!];
  const polls = cams.filter((c) => c.last).map((c) => ({ poll: c.last!, name: c.name, lastMotion: c.lastMotion }));
  return { status: 'OK', data: polls.length ? frameToJSON(pollFrame(polls)) : undefined };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
    } else {
      signal.addEventListener('abort', () => resolve(), { once: true });
    }
  });
}

export async function run(deps: DatasourceDeps, path: string, sink: StreamSink): Promise<void> {
  const ch = parseChannel(path);
  if (!ch || !known(deps, ch)) {
    throw new Error(`unknown channel "${path}"`);
  }
  let schemaSent = false;
  const sendJSON = (encode: (withSchema: boolean) => Buffer): boolean => {
    // Grafana wants the schema once, then data only; if a schema packet is dropped, resend it.
    if (sink.send(encode(!schemaSent))) {
      schemaSent = true;
      return true;
    }
    return false;
  };
  const send = (frame: Parameters<typeof frameToJSON>[0]): boolean => sendJSON((s) => frameToJSON(frame, s));

  if (ch.kind === 'playback') {
    await runPlayback(deps, ch, sink.signal, (packets) => sendJSON((s) => videoPacketsJSON(packets, s)));
    return;
  }

  if (ch.kind === 'video') {
    await runVideo(deps, ch, sink.signal, (packets) => sendJSON((s) => videoPacketsJSON(packets, s)));
    return;
  }

  if (ch.kind === 'frames') {
    if (!deps.frames) {
      throw new Error('live frames are not available in this sidecar');
    }
    let lastProblem: string | null = null;
    const unsubscribe = deps.frames.subscribe(
      ch.cameraId,
      { fps: ch.fps, width: ch.width },
      (f) => {
        lastProblem = null;
        send(pictureFrame(f, deps.fleet.camera(ch.cameraId)));
      },
      (e) => {
        // The pipeline keeps retrying; the channel says why there is no picture (once per reason).
        if (e.message !== lastProblem) {
          lastProblem = e.message;
          send(problemFrame(ch.cameraId, deps.fleet.camera(ch.cameraId), e.message));
        }
      }
    );
    try {
      await untilAborted(sink.signal);
    } finally {
      unsubscribe();
    }
    return;
  }

  const wanted = ch.kind === 'camera-metrics' ? ch.cameraId : null;
  const off = deps.fleet.on('poll', (p: PollResult) => {
    if (wanted && p.cameraId !== wanted) {
      return;
    }
    const cam = deps.fleet.camera(p.cameraId);
    send(pollFrame([{ poll: p, name: cam?.name ?? p.cameraId, lastMotion: cam?.lastMotion }]));
  });
  // Motion between polls: the camera's last poll again with its new last_motion, so a badge lights now.
  const offEvents = deps.fleet.on('event', (e: MotionEvent) => {
    const cam = wanted && e.cameraId !== wanted ? undefined : deps.fleet.camera(e.cameraId);
    if (cam?.last) {
      send(pollFrame([{ poll: cam.last, name: cam.name, lastMotion: cam.lastMotion }]));
    }
  });
  try {
    await untilAborted(sink.signal);
  } finally {
    off();
    offEvents();
  }
}

type VideoChannel = Extract<Channel, { kind: 'video' }>;

function videoRelay(deps: DatasourceDeps, ch: VideoChannel): VideoRelay | undefined {
  return deps.video ? relaysFor(deps.video).get(ch.cameraId, ch.stream) : undefined;
}

function noVideo(deps: DatasourceDeps): VideoPacket {
  return {
    kind: 'problem',
    time: Date.now(),
    seq: 0,
    keyframe: false,
    codec: '',
    width: 0,
    height: 0,
    data: Buffer.alloc(0),
    error: deps.video ? 'this camera has no video stream' : 'live video is not available in this sidecar',
    receivedAt: performance.now(),
  };
}

/**
 * Relays the camera's fMP4 to Grafana. A refused packet (the consumer is behind) makes the rest of
 * its group useless, so everything is dropped until the next keyframe, which travels with the init
 * segment: a stalled viewer loses whole groups and nothing queues up.
 */
async function runVideo(
  deps: DatasourceDeps,
  ch: VideoChannel,
  signal: AbortSignal,
  send: (packets: VideoPacket[]) => boolean
): Promise<void> {
  const relay = videoRelay(deps, ch);
  if (!relay) {
    send([noVideo(deps)]);
    await untilAborted(signal);
    return;
  }
  let skipping = true;
  let lastProblem: string | null = null;
  let off: (() => void) | null = null;
  let release = false;
  off = relay.listen((packets) => {
    const first = packets[0];
    if (first.kind === 'problem') {
      if (first.error !== lastProblem) {
        lastProblem = first.error;
        send([first]);
      }
      skipping = true;
      if (first.codec === 'h265') {
        // Not playable here: free the camera's stream (cameras serve only two) until the viewer goes.
        release = true;
        off?.();
        off = null;
      }
      return;
    }
    lastProblem = null;
    if (skipping && first.kind !== 'init') {
      return;
    }
    skipping = !send(packets);
  });
  if (release) {
    off();
    off = null;
  }
  try {
    await untilAborted(signal);
  } finally {
    off?.();
  }
}

type PlaybackChannel = Extract<Channel, { kind: 'playback' }>;

/**
 * Plays a recorded clip from the camera's SD card: one camera media session for the channel's
 * life. A refused packet drops the rest of its group (as live video does); the end of the clip or
 * the camera's refusal is one problem row, after which the channel idles until the viewer leaves.
 */
async function runPlayback(
  deps: DatasourceDeps,
  ch: PlaybackChannel,
  signal: AbortSignal,
  send: (packets: VideoPacket[]) => boolean
): Promise<void> {
  const invalid = deps.recordings ? clipProblem(ch.start, ch.end) : 'recordings are not available in this sidecar';
  if (invalid || !deps.recordings) {
    send([problemPacket(invalid ?? '')]);
    await untilAborted(signal);
    return;
  }
  let skipping = true;
  let over = false;
  const packager = new ClipPackager(
    (packets) => {
      if (over || (skipping && packets[0].kind !== 'init')) {
        return;
      }
      skipping = !send(packets);
    },
    (problem) => {
      if (!over) {
        over = true;
        send([problem]);
      }
    }
  );
  try {
    await deps.recordings.open(ch.cameraId, { start: ch.start, end: ch.end }, 'playback', packager, signal);
  } catch (e) {
    packager.onEnd(e as Error);
  }
  await untilAborted(signal);
}
