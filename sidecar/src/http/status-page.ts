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
  /** Whether a picture exists for the camera (then an <img> is shown). */
  hasFrame?: (cameraId: string) => boolean;
  /** Appended to picture URLs (carries the token when the page was opened with one). */
  query?: string;
  now?: number;
}

function row(fleet: HttpFleetView, s: CameraSnapshot, o: StatusPageOptions, now: number): string {
  const l = s.last;
  const status = l?.status ?? 'unknown';
  const pic = o.hasFrame?.(s.id)
    ? `<img src="/frames/${encodeURIComponent(s.id)}.jpg${o.query ?? ''}" alt="last picture of ${esc(s.name)}" width="160">`
    : '<span class="none">no picture</span>';
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
.st{color:#fff;border-radius:3px;padding:0 .4em}.err{color:#b71c1c;max-width:30em}.none{color:#999}img{border-radius:3px;display:block}
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
