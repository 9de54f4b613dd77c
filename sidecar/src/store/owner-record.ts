/**
 * Who owns a history database: a small JSON file beside the owner lock, written by the owner just
 * after it takes the lock and read by a refused contender so that the refusal names the owner.
 *
 * The record only describes; the lock (lock.ts) decides. A record left by a dead owner is never
 * believed on its own: it is read only while its lock is held by someone. Between a new owner
 * taking the lock and writing its record (microseconds), a contender may still read its
 * predecessor's record.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** What a contender learns about the owner. `pid` is in the owner's PID namespace (its container). */
export interface LockOwner {
  pid: number;
  /** The owner's host name: the container's in Docker (its short id by default) or Kubernetes (the pod's). */
  host: string;
  version: string;
  /** When it took the lock (ISO 8601). */
  since: string;
}

/** This process as an owner. */
export function currentOwner(now = new Date()): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    version: process.env.TAPO_SIDECAR_VERSION ?? 'dev',
    since: now.toISOString(),
  };
}

/** Writes the record whole (a temporary file renamed over it), so a reader never sees half of one. */
export function writeOwnerRecord(path: string, owner: LockOwner): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(owner)}\n`, { mode: 0o644 });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export function removeOwnerRecord(path: string): void {
  rmSync(path, { force: true });
}

/** The record at `path`, or null when it is missing or not one of ours. */
export function readOwnerRecord(path: string): LockOwner | null {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  const o = value as Partial<LockOwner> | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    !Number.isInteger(o.pid) ||
    typeof o.host !== 'string' ||
    typeof o.version !== 'string' ||
    typeof o.since !== 'string'
  ) {
    return null;
  }
  // Bounded, so a hostile record cannot flood the log line that quotes it.
  const clip = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
  return { pid: o.pid!, host: clip(o.host), version: clip(o.version), since: clip(o.since) };
}

/** "pid 12 on host abc (version 0.1.0, since …)" */
export function describeOwner(o: LockOwner): string {
  return `pid ${o.pid} on host ${o.host}, version ${o.version}, since ${o.since}`;
}
