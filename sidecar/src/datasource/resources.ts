/**
 * CallResource: the camera list, snapshots, camera controls, one camera's test, a hub's children and
 * discovery (Editor/Admin only), what the caller may do (`me`, which the panel's controls follow),
 * and which of the datasource's cameras another source lists too (`ownership`, for the editor).
 */
import {
  EVENT_ID_PATTERN,
  resources as paths,
  type CallerAccess,
  type CameraListItem,
  type DiscoverResponse,
  type OwnershipResponse,
} from '../../../src/shared/query.ts';
import {
  discover,
  discoverLocalNetworks,
  localBroadcastTargets,
  DiscoveryInputError,
  DISCOVERY_TIMEOUT,
} from '../tapo/discovery.ts';
import type { CallResourceRequest, CallResourceResponse } from '../grafana/protocol.ts';
import type { DatasourceDeps, PtzCommand } from './deps.ts';
import { clampWidth } from './channels.ts';
import { controlRefusal } from './control-state.ts';
import { healthOf } from './health.ts';
import { eventRecording, RECORDING_AT } from './event-recording.ts';
import { downloadRecording, RECORDING_DOWNLOAD } from './recording-download.ts';

const json = (code: number, body: unknown): CallResourceResponse => ({
  code,
  headers: { 'Content-Type': { values: ['application/json'] } },
  body: Buffer.from(JSON.stringify(body)),
});
const fail = (code: number, error: string) => json(code, { error });

const TEST = /^cameras\/([A-Za-z0-9_\-.=]+)\/test$/;
const HUB_CHILDREN = /^hubs\/([A-Za-z0-9_\-.=]+)\/children$/;
const CONTROL = /^cameras\/([A-Za-z0-9_\-.=]+)\/(snapshot|ptz|presets|privacy|reboot)$/;
/** `events/<id>/picture|thumbnail`: anything else under `events/` (a traversal, a bad id) is a 404. */
const EVENT_PICTURE = /^events\/([^/]*)\/(picture|thumbnail)$/;
// The roles that see the live view (every role Grafana gives a signed-in or anonymous user) see event pictures.
const VIEW_ROLES = new Set(['Admin', 'Editor', 'Viewer']);
const mayView = (role: string): boolean => VIEW_ROLES.has(role);
// Grafana sends the user's role in the datasource's organisation (never the server-admin flag).
const EDITOR_ROLES = new Set(['Admin', 'Editor']);
const roleOf = (req: CallResourceRequest): string => req.pluginContext?.user?.role ?? '';
/** The one rule for controls, discovery and tests; `me` reports it, the routes enforce it. */
const mayControl = (role: string): boolean => EDITOR_ROLES.has(role);

function parseBody(req: CallResourceRequest): Record<string, unknown> {
  if (!req.body?.length) {
    return {};
  }
  try {
    const v = JSON.parse(req.body.toString('utf8'));
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    throw new BadRequest('the request body is not valid JSON');
  }
}

class BadRequest extends Error {}

/** POST discover: a given address, or the broadcast address of each of the sidecar's own networks. */
async function runDiscovery(deps: DatasourceDeps, body: Record<string, unknown>): Promise<DiscoverResponse> {
  const { target, port, timeoutMs } = body;
  if (target !== undefined && typeof target !== 'string') {
    throw new BadRequest('discover: "target" must be an IPv4 address');
  }
  if (port !== undefined && typeof port !== 'number') {
    throw new BadRequest('discover: "port" must be a number');
  }
  if (timeoutMs !== undefined && typeof timeoutMs !== 'number') {
    throw new BadRequest('discover: "timeoutMs" must be a number');
  }
  const limit = Math.min(
    DISCOVERY_TIMEOUT.max,
    Math.max(DISCOVERY_TIMEOUT.min, timeoutMs ?? DISCOVERY_TIMEOUT.default)
  );
  const opts = { ...(port !== undefined ? { port } : {}), timeoutMs: limit, log: deps.log };
  // A broadcast address given by hand needs the socket's broadcast permission too.
  const broadcast = target === '255.255.255.255' || (target !== undefined && localBroadcastTargets().includes(target));
  const found = target
    ? { ...(await discover({ ...opts, targets: [target], broadcast })), targets: [target] }
    : await discoverLocalNetworks(opts);
  const configured = deps.fleet.cameras();
  return {
    ...found,
    timeoutMs: limit,
    cameras: found.cameras.map((c) => {
      const address = c.httpsPort === 443 ? c.host : `${c.host}:${c.httpsPort}`;
      return { ...c, configuredAs: configured.find((k) => k.host === address)?.id ?? null };
    }),
  };
}

function ptzCommand(body: Record<string, unknown>): PtzCommand {
  if (typeof body.preset === 'string' || typeof body.preset === 'number') {
    return { preset: String(body.preset) };
  }
  if (typeof body.direction === 'number' && body.direction >= 0 && body.direction < 360) {
    return { direction: Math.round(body.direction) };
  }
  if (typeof body.x === 'number' && typeof body.y === 'number') {
    return { x: Math.round(body.x), y: Math.round(body.y) };
  }
  throw new BadRequest('ptz needs {"direction": 0-359}, {"x": n, "y": n} or {"preset": id}');
}

/** GET events/<id>/picture|thumbnail: the JPEG kept with an event of a camera this datasource sees. */
async function eventPicture(
  deps: DatasourceDeps,
  req: CallResourceRequest,
  id: string,
  which: 'picture' | 'thumbnail',
  method: string
): Promise<CallResourceResponse> {
  if (method !== 'GET') {
    return fail(405, `an event's ${which} answers GET`);
  }
  const role = roleOf(req);
  if (!mayView(role)) {
    return fail(403, `event pictures need the Viewer, Editor or Admin role (you are ${role || 'anonymous'})`);
  }
  if (!EVENT_ID_PATTERN.test(id)) {
    return fail(404, 'no such event: an event id is 16 hex digits');
  }
  const cameraId = deps.eventPictures?.cameraOf(id);
  // A camera of another datasource answers as an unknown event: its existence is not for this caller.
  if (!cameraId || !deps.fleet.camera(cameraId)) {
    return fail(404, `no picture for event ${id}`);
  }
  const jpeg = await deps.eventPictures!.read(id, which);
  if (!jpeg) {
    return fail(404, `no ${which} for event ${id} (it may have aged out)`);
  }
  return {
    code: 200,
    headers: {
      'Content-Type': { values: ['image/jpeg'] },
      // Kept pictures never change; private: the browser may keep it, shared caches may not.
      'Cache-Control': { values: ['private, max-age=86400, immutable'] },
    },
    body: jpeg,
  };
}

export async function callResource(
  deps: DatasourceDeps,
  req: CallResourceRequest,
  signal?: AbortSignal
): Promise<CallResourceResponse> {
  const path = req.path.replace(/^\/+|\/+$/g, '').split('?')[0];
  const method = (req.method || 'GET').toUpperCase();
  try {
    if (path === paths.cameras && method === 'GET') {
      const list: CameraListItem[] = deps.fleet.cameras().map((c) => ({
        id: c.id,
        name: c.name,
        model: c.last?.model ?? null,
        status: c.last?.status ?? 'unknown',
        host: c.host,
        ptz: c.ptz,
        privacyMode: c.last?.privacyMode ?? null,
        ...(c.sensor ? { sensor: c.sensor } : {}),
      }));
      return json(200, list);
    }
    if (path === paths.discover) {
      if (method !== 'POST') {
        return fail(405, 'discover answers POST');
      }
      const role = roleOf(req);
      if (!mayControl(role)) {
        return fail(403, `discover needs the Editor or Admin role (you are ${role || 'anonymous'})`);
      }
      return json(200, await runDiscovery(deps, parseBody(req)));
    }
    if (path === paths.me) {
      if (method !== 'GET') {
        return fail(405, 'me answers GET');
      }
      const role = roleOf(req);
      return json(200, { role, controls: mayControl(role), pictures: mayView(role) } satisfies CallerAccess);
    }
    if (path === paths.ownership && method === 'GET') {
      const body: OwnershipResponse = { cameras: deps.source && deps.ownershipOf ? deps.ownershipOf(deps.source) : [] };
      return json(200, body);
    }
    if (path === paths.info && method === 'GET') {
      return deps.info ? json(200, deps.info()) : fail(404, 'this sidecar does not report its connection');
    }
    const ev = EVENT_PICTURE.exec(path);
    if (ev) {
      return await eventPicture(deps, req, ev[1]!, ev[2] as 'picture' | 'thumbnail', method);
    }
    const t = TEST.exec(path);
    if (t) {
      if (method !== 'POST') {
        return fail(405, 'test answers POST');
      }
      const role = roleOf(req);
      if (!mayControl(role)) {
        return fail(403, `test needs the Editor or Admin role (you are ${role || 'anonymous'})`);
      }
      const cam = deps.fleet.camera(t[1]);
      if (!cam) {
        return fail(404, `unknown camera "${t[1]}": save the datasource first`);
      }
      // One poll through the camera's own client, which never resends a refused credential.
      const [health] = deps.checkCameras ? await deps.checkCameras([cam.id]) : [healthOf(cam.id, cam.name, cam.last)];
      return json(200, health);
    }
    const h = HUB_CHILDREN.exec(path);
    if (h) {
      if (method !== 'GET') {
        return fail(405, 'hub children answers GET');
      }
      const role = req.pluginContext?.user?.role ?? '';
      if (!EDITOR_ROLES.has(role)) {
        return fail(403, `listing a hub's cameras needs the Editor or Admin role (you are ${role || 'anonymous'})`);
      }
      const hub = deps.fleet.camera(h[1]);
      if (!hub) {
        return fail(404, `unknown hub "${h[1]}": save the datasource first`);
      }
      const refresh = new URL(req.url || '/', 'http://x').searchParams.get('refresh') === '1';
      const answer = deps.hubChildren ? await deps.hubChildren(hub.id, refresh) : null;
      if (!answer) {
        return fail(400, `${hub.name} is not a hub (kind: hub)`);
      }
      if ('children' in answer) {
        return json(200, { hubId: hub.id, children: answer.children });
      }
      // Not listed: why, in the words of the per-camera Test (wrong password, locked, unreachable).
      return json(502, { error: `${hub.name}: ${answer.problem ?? answer.message}`, reason: answer.reason ?? 'error' });
    }
    const at = RECORDING_AT.exec(path);
    if (at) {
      return await eventRecording(deps, method, roleOf(req), mayView, at);
    }
    const rec = RECORDING_DOWNLOAD.exec(path);
    if (rec) {
      return await downloadRecording(deps, req, rec, mayControl, signal);
    }
    const m = CONTROL.exec(path);
    if (!m) {
      return fail(404, `no resource "${path}" (try "cameras")`);
    }
    const [, id, action] = m;
    const cam = deps.fleet.camera(id);
    if (!cam) {
      return fail(404, `unknown camera "${id}"`);
    }
    // The camera's real state comes before any guess about its hardware.
    const refusal = () => {
      const r = controlRefusal(cam, action);
      return r ? json(r.code, { error: r.error, reason: r.reason }) : null;
    };
    if (action === 'snapshot') {
      if (method !== 'GET') {
        return fail(405, 'snapshot answers GET');
      }
      if (!deps.frames) {
        return fail(503, 'live frames are not available in this sidecar');
      }
      const refused = refusal();
      if (refused) {
        return refused;
      }
      const width = Number(new URL(req.url || '/', 'http://x').searchParams.get('width')) || undefined;
      const f = await deps.frames.snapshot(id, { width: width ? clampWidth(width) : undefined });
      return {
        code: 200,
        headers: { 'Content-Type': { values: ['image/jpeg'] }, 'Cache-Control': { values: ['no-store'] } },
        body: f.jpeg,
      };
    }
    if (action === 'presets' && method === 'GET') {
      const refused = refusal();
      if (refused) {
        return refused;
      }
      if (!cam.ptz) {
        return fail(400, `${cam.name} has no pan/tilt motor`);
      }
      return json(200, deps.controls ? await deps.controls.presets(id) : []);
    }
    if (method !== 'POST') {
      return fail(405, `${action} answers POST`);
    }
    const role = roleOf(req);
    if (!mayControl(role)) {
      return fail(403, `${action} needs the Editor or Admin role (you are ${role || 'anonymous'})`);
    }
    if (!deps.controls) {
      return fail(503, 'camera controls are not available in this sidecar');
    }
    const refused = refusal();
    if (refused) {
      return refused;
    }
    const body = parseBody(req);
    switch (action) {
      case 'ptz':
        if (!cam.ptz) {
          return fail(400, `${cam.name} has no pan/tilt motor`);
        }
        await deps.controls.ptz(id, ptzCommand(body));
        return json(200, { ok: true });
      case 'privacy':
        if (typeof body.enabled !== 'boolean') {
          return fail(400, 'privacy needs {"enabled": true|false}');
        }
        // Its component list says it has no lens mask (unknown until its first poll: then it may try).
        if (cam.capabilities && !cam.capabilities.privacy) {
          return fail(400, `${cam.name} has no privacy mode (lens mask)`);
        }
        await deps.controls.setPrivacy(id, body.enabled);
        return json(200, { ok: true, enabled: body.enabled });
      case 'reboot':
        await deps.controls.reboot(id);
        return json(200, { ok: true });
      default:
        return fail(405, `${action} answers GET`);
    }
  } catch (err) {
    if (err instanceof BadRequest || err instanceof DiscoveryInputError) {
      return fail(400, err.message);
    }
    const message = err instanceof Error ? err.message : String(err);
    deps.log.warn({ path, error: message }, 'resource call failed');
    return fail(502, message);
  }
}
