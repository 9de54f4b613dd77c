/**
 * CheckHealth (Save & test): OK only when every enabled camera answers. Otherwise ERROR, and the
 * first line names each failing camera with a reason the user can act on; the lines below and
 * the JSON details give every camera's result. The check polls through each camera's own client,
 * which never sends credentials the camera refused (now or before a restart). A camera another
 * source polls instead of this datasource (it had it first) makes it an ERROR too, named on a line
 * of its own; one this datasource keeps while another lists it is a warning line.
 */
import type { HealthStatus } from '../grafana/protocol.ts';
import type { PollResult } from '../model.ts';
import type { CameraHealth, DatasourceDeps } from './deps.ts';
import { problemOf } from './reasons.ts';

const LOGIN_WORDS: Record<string, string> = {
  legacy: 'legacy login',
  secure: 'secure login',
  tpap: 'login v4 (TPAP)',
};

function loginWords(p: PollResult | null): string {
  return p?.login ? `, ${LOGIN_WORDS[p.login]}` : '';
}

/** One camera's health from a poll: reachable with latency/model/firmware, or the reason in words. */
export function healthOf(cameraId: string, name: string, p: PollResult | null): CameraHealth {
  const problem = problemOf(p);
  if (!problem) {
    return {
      cameraId,
      name,
      ok: true,
      status: 'online',
      latencyMs: p!.latencyMs,
      model: p!.model,
      firmware: p!.firmware,
      login: p!.login ?? null,
      message:
        `reachable in ${Math.round(p!.latencyMs ?? 0)} ms, ${p!.model ?? 'unknown model'}, firmware ${p!.firmware ?? 'unknown'}` +
        loginWords(p),
    };
  }
  return {
    cameraId,
    name,
    ok: false,
    status: p?.status ?? 'unknown',
    reason: problem.reason,
    problem: problem.words,
    latencyMs: p?.latencyMs ?? null,
    model: p?.model ?? null,
    firmware: p?.firmware ?? null,
    login: p?.login ?? null,
    message: (p?.error && !problem.complete ? `${problem.words}: ${p.error}` : problem.words) + loginWords(p),
  };
}

function fromLastPoll(deps: DatasourceDeps, ids: string[]): CameraHealth[] {
  return ids.map((id) => {
    const c = deps.fleet.camera(id)!;
    return healthOf(c.id, c.name, c.last);
  });
}

export async function checkHealth(
  deps: DatasourceDeps
): Promise<{ status: HealthStatus; message: string; details: unknown }> {
  const all = deps.fleet.cameras();
  const ids = all.filter((c) => !c.disabled).map((c) => c.id);
  const cameras = deps.checkCameras ? await deps.checkCameras(ids) : fromLastPoll(deps, ids);
  const problems = deps.sidecarProblems ? await deps.sidecarProblems() : [];
  const settings = deps.source && deps.configProblemsOf ? deps.configProblemsOf(deps.source) : [];
  const ownership = deps.source && deps.ownershipOf ? deps.ownershipOf(deps.source) : [];
  const lost = ownership.filter((o) => o.role === 'lost');
  const failing = cameras.filter((c) => !c.ok);
  const disabled = all.length - ids.length;
  const parts: string[] = [];
  if (failing.length > 0) {
    const named = failing.map((c) => `${c.name} — ${c.problem ?? c.message}`).join('; ');
    parts.push(`${failing.length} of ${cameras.length} cameras not answering: ${named}.`);
  }
  if (lost.length > 0) {
    const named = lost.map((o) => `${o.cameraId} — ${o.other}`).join('; ');
    parts.push(
      `${lost.length === 1 ? '1 camera is' : `${lost.length} cameras are`} polled by another source, not this datasource: ${named}.`
    );
  }
  if (settings.length > 0) {
    parts.push(
      `The settings were refused for ${settings.length === 1 ? 'one entry' : `${settings.length} entries`}: ${settings[0]}${settings.length > 1 ? ' (more below)' : ''}`
    );
  }
  if (parts.length === 0) {
    parts.push(
      all.length === 0
        ? 'The sidecar is running, but no camera is configured: add cameras in the datasource settings.'
        : `All ${cameras.length} cameras answer.`
    );
  }
  const lines = cameras.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.message}`);
  if (disabled > 0) {
    lines.push(`${disabled} disabled camera${disabled === 1 ? '' : 's'} not checked.`);
  }
  const message = [
    parts.join(' '),
    ...lines,
    ...ownership.map((o) => `${o.role === 'lost' ? '✗' : '⚠'} ${o.cameraId}: ${o.message}`),
    ...settings.map((p) => `✗ settings: ${p}`),
    ...problems.map((p) => `⚠ ${p}`),
  ].join('\n');
  const status: HealthStatus = failing.length > 0 || settings.length > 0 || lost.length > 0 ? 'ERROR' : 'OK';
  return { status, message, details: { cameras, settings, ownership, problems } };
}
