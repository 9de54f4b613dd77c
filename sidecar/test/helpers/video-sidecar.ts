/**
 * A sidecar for browser tests and benchmarks of the Live video channel until the real RTSP feeds
 * are wired in: the datasource's gRPC server (real RunStream, real fMP4 relay) over an in-memory
 * fleet whose cameras replay ffmpeg-made H.264 at the camera's pace (ReplayFeeds).
 * Both streams of each camera replay the same clip.
 * Run: node --import tsx test/helpers/video-sidecar.ts [cameras] [WxH] [fps] [kbit/s]; prints
 * {"grpc":"127.0.0.1:port","cameras":[...],...} on stdout once serving; stops on SIGTERM
 * (or at stdin's end with STOP_ON_STDIN_EOF=1).
 */
import { createLogger } from '../../src/log.ts';
import { startGrpcServer } from '../../src/grafana/server.ts';
import { createDatasource } from '../../src/datasource/plugin.ts';
import { MemoryFleet, poll } from './memory-fleet.ts';
import { makeH264Clip } from './h264.ts';
import { ReplayFeed, ReplayFeeds } from './replay-feeds.ts';

export async function startVideoSidecar(opts: {
  cameras: number;
  width: number;
  height: number;
  fps: number;
  kbps?: number;
}) {
  const rate = opts.kbps ? [`${opts.kbps}k`] : [];
  const clip = await makeH264Clip({
    width: opts.width,
    height: opts.height,
    fps: opts.fps,
    seconds: 4,
    // A keyframe every 2 s, as the cameras do; a camera-like constant bit rate when asked.
    gop: opts.fps * 2,
    extra: rate.length ? ['-b:v', rate[0], '-maxrate', rate[0], '-bufsize', rate[0]] : [],
  });
  const fleet = new MemoryFleet();
  const feeds = new ReplayFeeds();
  const ids: string[] = [];
  for (let i = 1; i <= opts.cameras; i++) {
    const id = `cam-${i}`;
    ids.push(id);
    fleet.addCamera(id, `Camera ${i}`, poll(id, Date.now()));
    feeds.add(new ReplayFeed(id, 'main', clip.info, clip.aus, { paced: true, fps: opts.fps }));
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
  const [cams, size, fps, kbps] = process.argv.slice(2);
  const [width, height] = (size ?? '640x360').split('x').map(Number);
  const s = await startVideoSidecar({
    cameras: Number(cams ?? 4),
    width,
    height,
    fps: Number(fps ?? 15),
    kbps: kbps ? Number(kbps) : undefined,
  });
  const clipBytes = s.clip.aus.reduce((n, au) => n + au.nalus.reduce((m, x) => m + x.length, 0), 0);
  const seconds = s.clip.aus.length / Number(fps ?? 15);
  process.stdout.write(
    `${JSON.stringify({ grpc: s.address, cameras: s.ids, bitsPerSecond: Math.round((clipBytes * 8) / seconds), pid: process.pid })}\n`
  );
  const stop = () => void s.server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  if (process.env.STOP_ON_STDIN_EOF) {
    // A test that dies closes our stdin: go with it.
    process.stdin.on('end', stop);
    process.stdin.resume();
  }
}
