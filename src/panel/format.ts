/** Small formatting helpers for tiles: ages in words and status labels from the shared model. */
import { STATUS_LABELS } from '../shared/query';

/** "3 s", "5 min", "2 h", "4 d": ages on tiles, where space is short. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) {
    return `${s} s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m} min`;
  }
  const h = Math.floor(m / 60);
  if (h < 48) {
    return `${h} h`;
  }
  return `${Math.floor(h / 24)} d`;
}

export function statusLabel(status: string | undefined): string {
  return status ? ((STATUS_LABELS as Record<string, string>)[status] ?? status) : 'Unknown';
}
