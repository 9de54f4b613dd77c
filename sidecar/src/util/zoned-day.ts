/**
 * Calendar days in a camera's time zone. A Tapo camera names its recording days in its own zone
 * (`getTimezone` → `zone_id`) while clip times are UTC epoch seconds, so a day's window must be
 * computed in the camera's zone, never the host's (pytapo and HA got hours wrong that way).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone. */
export function isKnownZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

interface Civil {
  y: number;
  m: number;
  d: number;
  h: number;
  min: number;
  s: number;
}

function civil(zone: string, epochMs: number): Civil {
  const parts = formatter(zone).formatToParts(new Date(epochMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? NaN);
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour'), min: get('minute'), s: get('second') };
}

/** The zone's offset from UTC at that instant, in ms (Berlin in summer: +7200000). */
function offsetMs(zone: string, epochMs: number): number {
  const c = civil(zone, epochMs);
  return Date.UTC(c.y, c.m - 1, c.d, c.h, c.min, c.s) - Math.floor(epochMs / 1000) * 1000;
}

/** `YYYYMMDD` of the calendar day the instant falls on in `zone`. */
export function dayOf(zone: string, epochSeconds: number): string {
  const c = civil(zone, epochSeconds * 1000);
  return `${c.y}${String(c.m).padStart(2, '0')}${String(c.d).padStart(2, '0')}`;
}

const DAY = /^(\d{4})(\d{2})(\d{2})$/;

/** Parses `YYYYMMDD` into a UTC calendar date (null when it is not a real date). */
export function parseDay(day: string): { y: number; m: number; d: number } | null {
  const m = DAY.exec(day);
  if (!m) {
    return null;
  }
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) {
    return null;
  }
  return { y, m: mo, d };
}

/** Local midnight of a civil date in `zone`, as epoch seconds (DST days are 23 or 25 hours long). */
function midnight(zone: string, y: number, m: number, d: number): number {
  const guess = Date.UTC(y, m - 1, d);
  // Two rounds settle it: the offset at the first guess can differ from the offset at midnight.
  let t = guess - offsetMs(zone, guess);
  t = guess - offsetMs(zone, t);
  return Math.floor(t / 1000);
}

/** The day's first and last second (inclusive) in `zone`, as UTC epoch seconds. */
export function dayWindow(zone: string, day: string): { start: number; end: number } {
  const p = parseDay(day);
  if (!p) {
    throw new RangeError(`"${day}" is not a day (YYYYMMDD)`);
  }
  const next = new Date(Date.UTC(p.y, p.m - 1, p.d + 1));
  return {
    start: midnight(zone, p.y, p.m, p.d),
    end: midnight(zone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()) - 1,
  };
}

/** `YYYYMMDD` plus `n` calendar days. */
export function addDays(day: string, n: number): string {
  const p = parseDay(day);
  if (!p) {
    throw new RangeError(`"${day}" is not a day (YYYYMMDD)`);
  }
  const t = new Date(Date.UTC(p.y, p.m - 1, p.d + n));
  return `${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')}`;
}
