/** A small status page for a browser: each camera's state, last error and last picture. No external assets. */
import type { HttpFleetView } from './deps.ts';
import type { CameraSnapshot } from '../model.ts';

const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
  );

function ago(ms: number | null, now: number): string {
  if (ms === null) {
    return 'never';
  }
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) {
    return `${s} s ago`;
  }
  if (s < 5400) {
    return `${Math.round(s / 60)} min ago`;
  }
  if (s < 172_800) {
    return `${Math.round(s / 3600)} h ago`;
  }
  return `${Math.round(s / 86_400)} d ago`;
}

const COLORS: Record<string, string> = {
  online: '#2e7d32',
  offline: '#c62828',
  auth_failed: '#ef6c00',
  locked_out: '#ad1457',
  error: '#6a1b9a',
  unknown: '#616161',
  sleeping: '#1565c0',
};

export interface StatusPageOptions {
  /** Whether a picture of the camera is in hand (then an <img> is shown whatever the state). */
  hasFrame?: (cameraId: string) => boolean;
  /** Whether /frames/<id>.jpg can take a picture on demand (for cameras that should have one). */
  canSnapshot?: boolean;
  /** Appended to picture URLs (carries the token when the page was opened with one). */
  query?: string;
  now?: number;
}

/**
 * Why there is no picture of a camera, in words a user can act on; null when a picture can be
 * shown. A camera that cannot give one gets words instead of a broken image.
 */
export function whyNoPicture(s: CameraSnapshot, o: { hasFrame: boolean; canSnapshot: boolean }): string | null {
  const l = s.last;
  if (s.disabled) {
    return 'Disabled in its settings: not polled, no picture';
  }
  if (s.hub) {
    return 'A hub: no camera of its own (its battery cameras have their own rows)';
  }
  if (s.sensor) {
    return 'A sensor behind a hub: no camera (its readings are in the sensors query and on the overview)';
  }
  if (l?.privacyMode) {
    return 'Privacy mode is on: the camera sends no picture until it is turned off';
  }
  if (o.hasFrame) {
    return null;
  }
  // Hub children report charging and power source; a battery camera on its own reports neither.
  const standaloneBattery = l?.batteryPercent != null && l.batteryCharging == null && l.powerSource == null;
  switch (l?.status) {
    case undefined:
      return 'Not polled yet';
    case 'sleeping':
      return 'Asleep: a battery camera behind a hub sends no stream while it saves power (it wakes on motion or from the Tapo app)';
    case 'offline':
      return 'Offline: the camera does not answer (check its address, power and network)';
    case 'auth_failed':
      return 'Login failed: wrong password, or Third-Party Compatibility is off (Tapo app → Me → Tapo Lab)';
    case 'locked_out':
      return 'Locked out after failed logins: no picture until the camera accepts logins again';
    case 'error':
      return `No picture: ${l.error ?? 'the last poll failed'}`;
    case 'unknown':
      return 'Not polled yet';
    default:
      break;
  }
  if (standaloneBattery) {
    return 'Battery camera: it has no RTSP stream to take pictures from (it streams only to the Tapo app)';
  }
  return o.canSnapshot ? null : 'No picture yet';
}

function row(fleet: HttpFleetView, s: CameraSnapshot, o: StatusPageOptions, now: number): string {
  const l = s.last;
  const status = l?.status ?? 'unknown';
  const why = whyNoPicture(s, { hasFrame: o.hasFrame?.(s.id) ?? false, canSnapshot: o.canSnapshot ?? false });
  const pic =
    why === null
      ? `<img src="/frames/${encodeURIComponent(s.id)}.jpg${o.query ?? ''}" alt="last picture of ${esc(s.name)}" width="160">`
      : `<div class="none" data-no-picture="${esc(status)}">${esc(why)}</div>`;
  return `<tr>
<td>${pic}</td>
<td><b>${esc(s.name)}</b><br><code>${esc(s.id)}</code><br>${esc(s.host)}</td>
<td><span class="st" style="background:${COLORS[status] ?? '#616161'}">${esc(status)}</span><br>seen ${esc(ago(s.lastSeen, now))}<br>polled ${esc(ago(l?.time ?? null, now))}</td>
<td>${esc(fleet.model(s.id) ?? l?.model ?? '?')}<br>${esc(l?.firmware ?? '')}${l?.login ? `<br>login ${esc(l.login)}` : ''}</td>
<td>${l?.latencyMs != null ? `${esc(l.latencyMs)} ms` : '–'}<br>${l?.rssiDbm != null ? `${esc(l.rssiDbm)} dBm` : ''}</td>
<td>${esc(s.motionEventsLastMinute)} / min<br>last ${esc(ago(s.lastMotion, now))}</td>
<td class="err">${esc(l?.error ?? '')}</td>
</tr>`;
}

export function renderStatusPage(fleet: HttpFleetView, o: StatusPageOptions = {}): string {
  const now = o.now ?? Date.now();
  const cams = fleet.cameras();
  const online = cams.filter((c) => c.last?.status === 'online').length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tapo cameras: ${online}/${cams.length} online</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4em .6em;text-align:left;vertical-align:top}
.st{color:#fff;border-radius:3px;padding:0 .4em}.err{color:#b71c1c;max-width:30em}img{border-radius:3px;display:block}
.none{box-sizing:border-box;width:160px;min-height:90px;padding:.5em;border-radius:3px;background:#eceff1;color:#37474f;font-size:12px;display:flex;align-items:center;justify-content:center;text-align:center;overflow-wrap:anywhere}
</style></head><body>
<h1>Tapo cameras</h1>
<p>${online} of ${cams.length} online · ${esc(new Date(now).toISOString())} · refreshes every 10 s · <a href="/metrics">/metrics</a></p>
<table><thead><tr><th>Picture</th><th>Camera</th><th>State</th><th>Model</th><th>Network</th><th>Motion</th><th>Last error</th></tr></thead>
<tbody>
${cams.map((s) => row(fleet, s, o, now)).join('\n')}
</tbody></table>
${cams.length === 0 ? '<p>No camera is configured.</p>' : ''}
</body></html>`;
}
