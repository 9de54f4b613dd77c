/**
 * The simulated camera the picture pipeline tests read: one per test file, started (clips encoded)
 * before its tests and closed after them, with the most RTSP sessions it saw at once.
 */
import { before, after } from 'node:test';
import { startSimRtspServer, type SimRtspServer } from '../../src/simulator/rtsp.ts';
import type { CameraSource } from '../../src/media/types.ts';
import { maskUrl } from '../../src/tapo/rtsp.ts';

export interface PipelineSim {
  /** The running simulator (set once the file's `before` hook has run). */
  sim: SimRtspServer;
  /** Most sessions at once since the start (a test may reset it). */
  maxSessions: number;
  /** A pipeline source for one of the camera's streams, under the camera id `id`. */
  source(id: string, stream?: 'stream1' | 'stream2'): CameraSource;
}

export function pipelineSimulator(): PipelineSim {
  const ctx: PipelineSim = {
    sim: undefined as unknown as SimRtspServer,
    maxSessions: 0,
    source(id, stream = 'stream1') {
      const url = ctx.sim.url(stream);
      return { cameraId: id, url, maskedUrl: maskUrl(url) };
    },
  };
  before(async () => {
    ctx.sim = await startSimRtspServer({
      name: 'Garden',
      username: 'viewer',
      password: 'V1ew:er@pass',
      streams: { stream1: { fps: 10 } },
    });
    // The clips are encoded once per camera name and cached: not inside a test's deadline.
    await ctx.sim.prepare();
    ctx.sim.events.on(
      'session',
      (e: { sessions: number }) => (ctx.maxSessions = Math.max(ctx.maxSessions, e.sessions))
    );
  });
  after(async () => {
    await ctx.sim.close();
  });
  return ctx;
}
