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

const STATUS_LABELS: Record<string, string> = {
  online: 'Online',
  offline: 'Offline',
  auth_failed: 'Login failed',
  locked_out: 'Locked out',
  error: 'Error',
  unknown: 'Unknown',
  sleeping: 'Sleeping',
};

export function statusLabel(status: string | undefined): string {
  return status ? (STATUS_LABELS[status] ?? status) : 'Unknown';
}

/** Columns for n tiles that make 16:9 tiles as large as the panel allows. */
export function autoColumns(n: number, width: number, height: number): number {
  if (n <= 1 || width <= 0 || height <= 0) {
    return 1;
  }
  let best = 1;
  let bestScale = 0;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const scale = Math.min(width / cols / 16, height / rows / 9);
    if (scale > bestScale) {
      best = cols;
      bestScale = scale;
    }
  }
  return best;
}
