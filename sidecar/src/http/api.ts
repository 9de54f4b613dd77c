/**
 * The sidecar's HTTP API for standalone mode: the seed's endpoints and shapes, Prometheus
 * exposition on /metrics for clients that ask for it, a WebSocket (/ws) pushing polls and motion
 * events, and a status page for browsers.
 *
 *   GET /                          health JSON; the status page when the client accepts text/html
 *   GET /metrics                   Prometheus text (Accept: text/plain or openmetrics), else the JSON summary
 *   GET /metrics/cameras           camera ids
 *   GET /metrics/cameras/{id}      one camera (404 when unknown)
 *   GET /metrics/history/{id}?hours=N   raw history of the last N hours (default 1)
 *   GET /frames/{id}.jpg           the latest picture (when a frame provider is given)
 *   WS  /ws                        {"type":"poll"|"motion_event", "camera_id", "timestamp", "data"}
 *
 * Auth: `Authorization: Bearer <token>` (any case of "Bearer", or `?token=` for browsers and
 * WebSockets), compared in constant time. Without a token the API refuses to start unless auth is
 * explicitly off, and with auth off it answers only requests that arrive on a loopback address,
 * name a loopback Host and come from no other web site (loopback-guard.ts).
 */
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HttpFleetView } from './deps.ts';
import type { MotionEvent, PollResult } from '../model.ts';
import { logger } from '../log.ts';
import { isLoopbackHost } from '../util/loopback.ts';
import { loopbackRequestProblem } from './loopback-guard.ts';
import { parseDecimal } from './params.ts';
import { fleetMetrics, type FleetMetrics } from './prometheus.ts';
import { seedCamera, seedHistory, seedSummary } from './seed-shapes.ts';
import { renderStatusPage } from './status-page.ts';

export interface HttpFrameProvider {
  latest(cameraId: string): { jpeg: Buffer; time: number } | undefined;
  /** A fresh picture when there is no recent one (starts the camera's stream for a moment). */
  snapshot?(cameraId: string): Promise<{ jpeg: Buffer; time: number }>;
}

export interface HttpApiOptions {
  fleet: HttpFleetView;
  /** Bearer token (TAPO_API_TOKEN). */
  token?: string | null;
  /** Serve without a token; only requests to a loopback address are answered then. */
  noAuth?: boolean;
  frameProvider?: HttpFrameProvider;
  metrics?: FleetMetrics;
  /** Longest history a request may ask for, hours (default 24 * 366). */
  maxHistoryHours?: number;
  /** A WebSocket client further behind than this many bytes gets no more messages until it catches up (default 1 MiB). */
  wsMaxBufferedBytes?: number;
}

export class HttpApiConfigError extends Error {
  override name = 'HttpApiConfigError';
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const BEARER = /^bearer\s+(\S+)\s*$/i;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Whether the Accept header asks for Prometheus exposition (Prometheus sends openmetrics and text/plain). */
export function wantsPrometheus(accept: string | undefined): boolean {
  return !!accept && /(^|,)\s*(text\/plain|application\/openmetrics-text)\s*(;|,|$)/i.test(accept);
}

export function createHttpApi(opts: HttpApiOptions): http.Server {
  const { fleet } = opts;
  const token = opts.token && opts.token.length > 0 ? opts.token : null;
  if (!token && !opts.noAuth) {
    throw new HttpApiConfigError(
      'the HTTP API needs a bearer token (set TAPO_API_TOKEN) or --no-auth on a loopback address'
    );
  }
  const tokenDigest = token ? digest(token) : null;
  const metrics = opts.metrics ?? fleetMetrics(fleet);
  const maxHours = opts.maxHistoryHours ?? 24 * 366;
  const log = logger.child({ module: 'http' });

  /** null when allowed; otherwise [status, message]. */
  const authProblem = (req: http.IncomingMessage, url: URL): [number, string] | null => {
    if (!tokenDigest) {
      const local = req.socket.localAddress ?? '';
      return isLoopbackHost(local)
        ? loopbackRequestProblem(req.headers, local)
        : [403, 'authentication is off, so only loopback requests are answered'];
    }
    // The scheme is case-insensitive (RFC 9110 §11.1).
    const bearer = BEARER.exec(req.headers.authorization ?? '');
    const given = bearer ? bearer[1] : url.searchParams.get('token');
    if (!given) {
      return [401, 'a bearer token is required (Authorization: Bearer <token>)'];
    }
    return timingSafeEqual(digest(given), tokenDigest) ? null : [401, 'the bearer token is not valid'];
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err) => {
      log.error({ err: (err as Error).message, path: req.url?.split('?')[0] }, 'HTTP request failed');
      if (!res.headersSent) {
        sendJson(res, 500, { detail: 'internal error' });
      } else {
        res.destroy();
      }
    });
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sidecar');
    } catch {
      return sendJson(res, 400, { detail: 'malformed request URL' });
    }
    const problem = authProblem(req, url);
    if (problem) {
      if (problem[0] === 401) {
        res.setHeader('www-authenticate', 'Bearer realm="tapo-sidecar"');
      }
      return sendJson(res, problem[0], { detail: problem[1] });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { detail: `method ${req.method} is not allowed` });
    }
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const seg = path
      .split('/')
      .slice(1)
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return '\u0000';
        }
      });
    const accept = req.headers.accept ?? '';

    if (path === '/') {
      if (/text\/html/i.test(accept)) {
        const t = url.searchParams.get('token');
        const html = renderStatusPage(fleet, {
          hasFrame: (id) => !!opts.frameProvider?.latest(id),
          canSnapshot: !!opts.frameProvider?.snapshot,
          ...(t ? { query: `?token=${encodeURIComponent(t)}` } : {}),
        });
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        });
        res.end(req.method === 'HEAD' ? undefined : html);
        return;
      }
      return sendJson(res, 200, { status: 'healthy', service: 'tapo-camera-metrics' });
    }
    if (path === '/metrics') {
      if (wantsPrometheus(accept)) {
        const body = await metrics.bytes();
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      return sendJson(res, 200, seedSummary(fleet));
    }
    if (path === '/metrics/cameras') {
      return sendJson(
        res,
        200,
        fleet.cameras().map((c) => c.id)
      );
    }
    if (seg.length === 3 && seg[0] === 'metrics' && seg[1] === 'cameras') {
      const snap = fleet.camera(seg[2]!);
      if (!snap) {
        return sendJson(res, 404, { detail: `camera "${seg[2]!.slice(0, 80)}" not found` });
      }
      return sendJson(res, 200, seedCamera(fleet, snap));
    }
    if (seg.length === 3 && seg[0] === 'metrics' && seg[1] === 'history') {
      const id = seg[2]!;
      if (!fleet.camera(id)) {
        return sendJson(res, 404, { detail: `camera "${id.slice(0, 80)}" not found` });
      }
      const raw = url.searchParams.get('hours');
      const hours = raw === null ? 1 : parseDecimal(raw);
      if (hours === null || hours <= 0 || hours > maxHours) {
        return sendJson(res, 400, {
          detail: `hours must be a number greater than 0 and at most ${maxHours}, in decimal digits (e.g. 1, 24 or 0.5); got "${(raw ?? '').slice(0, 40)}"`,
        });
      }
      const now = Date.now();
      const points = await fleet.points(id, now - hours * 3_600_000, now);
      return sendJson(res, 200, seedHistory(id, points));
    }
    if (seg.length === 2 && seg[0] === 'frames' && seg[1]!.endsWith('.jpg')) {
      const id = seg[1]!.slice(0, -4);
      if (!fleet.camera(id)) {
        return sendJson(res, 404, { detail: `camera "${id.slice(0, 80)}" not found` });
      }
      let f = opts.frameProvider?.latest(id);
      if (!f && opts.frameProvider?.snapshot) {
        try {
          f = await opts.frameProvider.snapshot(id);
        } catch (err) {
          return sendJson(res, 503, { detail: `no picture of camera "${id}": ${(err as Error).message}` });
        }
      }
      if (!f) {
        return sendJson(res, 404, { detail: `no picture of camera "${id}" yet` });
      }
      res.writeHead(200, {
        'content-type': 'image/jpeg',
        'content-length': f.jpeg.length,
        'cache-control': 'no-store',
        'last-modified': new Date(f.time).toUTCString(),
      });
      res.end(req.method === 'HEAD' ? undefined : f.jpeg);
      return;
    }
    if (path === '/ws') {
      return sendJson(res, 426, { detail: 'this is a WebSocket endpoint (Upgrade: websocket)' });
    }
    return sendJson(res, 404, { detail: `no such endpoint: ${path.slice(0, 100)}` });
  };

  // ---- WebSocket push ---------------------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const maxBuffered = opts.wsMaxBufferedBytes ?? 1024 * 1024;
  const broadcast = (msg: object) => {
    if (wss.clients.size === 0) {
      return;
    }
    const text = JSON.stringify(msg);
    for (const ws of wss.clients) {
      // A slow reader loses messages rather than growing our memory.
      if (ws.readyState === ws.OPEN && ws.bufferedAmount <= maxBuffered) {
        ws.send(text);
      }
    }
  };
  const offPoll = fleet.on('poll', (p: PollResult) =>
    broadcast({ type: 'poll', camera_id: p.cameraId, timestamp: new Date(p.time).toISOString(), data: p })
  );
  const offEvent = fleet.on('event', (e: MotionEvent) =>
    broadcast({ type: 'motion_event', camera_id: e.cameraId, timestamp: new Date(e.start).toISOString(), data: e })
  );
  const alive = new WeakSet<WebSocket>();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, 30_000);
  heartbeat.unref();

  server.on('upgrade', (req, socket: Socket, head) => {
    const reject = (status: number, message: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ detail: message })}`
      );
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sidecar');
    } catch {
      return reject(400, 'malformed request URL');
    }
    if (url.pathname !== '/ws') {
      return reject(404, 'WebSockets are served at /ws');
    }
    const problem = authProblem(req, url);
    if (problem) {
      return reject(problem[0], problem[1]);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      ws.on('error', () => ws.terminate());
      // Clients only listen; anything they send is ignored.
      ws.send(
        JSON.stringify({
          type: 'hello',
          timestamp: new Date().toISOString(),
          cameras: fleet.cameras().map((c) => c.id),
        })
      );
    });
  });

  // Upgraded sockets keep server.close() from finishing: end them (and our listeners) first.
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    offPoll();
    offEvent();
    clearInterval(heartbeat);
    for (const ws of wss.clients) {
      ws.terminate();
    }
    wss.close();
    return close(cb);
  }) as typeof server.close;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}

export function splitAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!m) {
    throw new HttpApiConfigError(`HTTP address must be host:port, got "${address}"`);
  }
  const port = Number(m[3]);
  if (port > 65535) {
    throw new HttpApiConfigError(`HTTP port out of range: ${port}`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export interface RunningHttpApi {
  server: http.Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Creates and starts the API on `address` (host:port); --no-auth is refused on a non-loopback address. */
export async function startHttpApi(opts: HttpApiOptions & { address: string }): Promise<RunningHttpApi> {
  const { host, port } = splitAddress(opts.address);
  if (opts.noAuth && !opts.token && !isLoopbackHost(host)) {
    throw new HttpApiConfigError(
      `--no-auth is only allowed on a loopback address, not ${host}; set TAPO_API_TOKEN instead`
    );
  }
  const server = createHttpApi(opts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const shownHost = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server,
    port: a.port,
    url: `http://${shownHost}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
