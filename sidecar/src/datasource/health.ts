/** CheckHealth: per camera, reachable with latency/model/firmware, or the exact reason it is not. */
import type { HealthStatus } from '../grafana/protocol.ts';
import type { PollResult } from '../fleet/model.ts';
import type { CameraHealth, DatasourceDeps } from './deps.ts';

const LOGIN_WORDS: Record<string, string> = {
  legacy: 'legacy login',
  secure: 'secure login',
  tpap: 'login v4 (TPAP)',
};

/** One camera's health from a poll: reachable with latency/model/firmware, or the reason in words. */
export function healthOf(cameraId: string, name: string, p: PollResult | null): CameraHealth {
  if (!p) {
    return { cameraId, name, ok: false, message: 'not polled yet', status: 'unknown' };
  }
  const ok = p.status === 'online';
  return {
    cameraId,
    name,
    ok,
    status: p.status,
    latencyMs: p.latencyMs,
    model: p.model,
    firmware: p.firmware,
    login: p.login ?? null,
    message:
      (ok
        ? `reachable in ${Math.round(p.latencyMs ?? 0)} ms, ${p.model ?? 'unknown model'}, firmware ${p.firmware ?? 'unknown'}`
        : `${p.status.replace('_', ' ')}: ${p.error ?? 'no answer'}`) + (p.login ? `, ${LOGIN_WORDS[p.login]}` : ''),
  };
}

function fromLastPoll(deps: DatasourceDeps): CameraHealth[] {
  return deps.fleet.cameras().map((c) => healthOf(c.id, c.name, c.last));
}

export async function checkHealth(
  deps: DatasourceDeps
): Promise<{ status: HealthStatus; message: string; details: unknown }> {
  const ids = deps.fleet.cameras().map((c) => c.id);
  const cameras = deps.checkCameras ? await deps.checkCameras(ids) : fromLastPoll(deps);
  const problems = deps.sidecarProblems ? await deps.sidecarProblems() : [];
  const okCount = cameras.filter((c) => c.ok).length;
  const lines = cameras.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.message}`);
  const summary =
    cameras.length === 0
      ? 'The sidecar is running, but no camera is configured: add cameras in the datasource settings.'
      : `${okCount} of ${cameras.length} cameras reachable.`;
  const message = [summary, ...lines, ...problems.map((p) => `⚠ ${p}`)].join('\n');
  const status: HealthStatus = cameras.length > 0 && okCount === 0 ? 'ERROR' : 'OK';
  return { status, message, details: { cameras, problems } };
}
