/** SubscribeStream / RunStream for our Live channels: poll results and camera pictures. */
import type { StreamSink } from '../grafana/handlers.ts';
import { frameToJSON } from '../grafana/frame.ts';
import type { SubscribeStatus } from '../grafana/protocol.ts';
import type { PollResult } from '../fleet/model.ts';
import { parseChannel, type Channel } from './channels.ts';
import type { DatasourceDeps } from './deps.ts';
import { pictureFrame, pollFrame, problemFrame } from './live-frames.ts';

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
  // Initial data, so a panel never starts blank.
  if (ch.kind === 'frames') {
    const latest = deps.frames?.latest(ch.cameraId);
    return {
      status: 'OK',
      data: latest ? frameToJSON(pictureFrame(latest, deps.fleet.camera(ch.cameraId))) : undefined,
    };
  }
  const cams = ch.kind === 'fleet-metrics' ? deps.fleet.cameras() : [deps.fleet.camera(ch.cameraId)!];
  const polls = cams.filter((c) => c.last).map((c) => ({ poll: c.last!, name: c.name }));
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
  const send = (frame: Parameters<typeof frameToJSON>[0]) => {
    // Grafana wants the schema once, then data only; if a schema packet is dropped, resend it.
    if (sink.send(frameToJSON(frame, !schemaSent))) {
      schemaSent = true;
    }
  };

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
    send(pollFrame([{ poll: p, name: deps.fleet.camera(p.cameraId)?.name ?? p.cameraId }]));
  });
  try {
    await untilAborted(sink.signal);
  } finally {
    off();
  }
}
