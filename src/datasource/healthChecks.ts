/**
 * Save & test as Grafana shows it: the sidecar's first line (the verdict) as the title, and every
 * camera's line in the details, which Grafana shows one line per camera. Tells the config editor
 * when a check finished, so its rows show what the check just found.
 */

export interface HealthAnswer {
  message: string;
  details?: { message?: string; verboseMessage?: string };
}

/** The verdict on the first line; the per-camera lines (and notes) under it, one per line. */
export function splitHealthMessage(message: string): HealthAnswer {
  const [first, ...rest] = message.split('\n');
  const lines = rest.map((l) => l.trimEnd()).filter(Boolean);
  return lines.length ? { message: first, details: { verboseMessage: lines.join('\n') } } : { message: first };
}

type Listener = (uid: string) => void;
const listeners = new Set<Listener>();

/** Called by the datasource when a check for `uid` finished (passed or not). */
export function healthChecked(uid: string): void {
  listeners.forEach((l) => l(uid));
}

export function onHealthChecked(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
