/**
 * A sidecar for browser tests and benchmarks of the Live video channel until the real RTSP feeds
 * are wired in: the datasource's gRPC server (real RunStream, real fMP4 relay) over an in-memory
 * fleet whose cameras replay ffmpeg-made H.264 at the camera's pace (ReplayFeeds).
 * Run: node --import tsx test/helpers/video-sidecar.ts [cameras] [WxH] [fps]; prints
 * {"grpc":"127.0.0.1:port","cameras":[...]} on stdout once serving, stops on SIGTERM or stdin EOF.
 */
import { createLogger } from '../../src/log.ts';
import { startGrpcServer } from '../../src/grafana/server.ts';
import { createDatasource } from '../../src/datasource/plugin.ts';
import { MemoryFleet, poll } from './memory-fleet.ts';
import { makeH264Clip } from './h264.ts';
import { ReplayFeed, ReplayFeeds } from './replay-feeds.ts';

export async function startVideoSidecar(opts: { cameras: number; width: number; height: number; fps: number }) {
  const clip = await makeH264Clip({
    width: opts.width,
    height: opts.height,
    fps: opts.fps,
    seconds: 4,
    gop: opts.fps * 2,
  });
  const fleet = new MemoryFleet();
  const feeds = new ReplayFeeds();
  const ids: string[] = [];
  for (let i = 1; i <= opts.cameras; i++) {
    const id = `cam-${i}`;
    ids.push(id);
    fleet.addCamera(id, `Camera ${i}`, poll(id, Date.now()));
    feeds.add(new ReplayFeed(id, 'sub', clip.info, clip.aus, { paced: true, fps: opts.fps }));
  }
  const log = createLogger('silent');
  const datasource = createDatasource({ fleet, log, video: feeds, metricsText: async () => '' });
  const server = await startGrpcServer({
    address: '127.0.0.1:0',
    handlers: datasource,
    log,
    onShutdown: () => undefined,
  });
  return { server, feeds, ids, clip, address: `127.0.0.1:${server.port}` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cams, size, fps] = process.argv.slice(2);
  const [width, height] = (size ?? '640x360').split('x').map(Number);
  const s = await startVideoSidecar({ cameras: Number(cams ?? 4), width, height, fps: Number(fps ?? 15) });
  process.stdout.write(`${JSON.stringify({ grpc: s.address, cameras: s.ids })}\n`);
  const stop = () => void s.server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}
