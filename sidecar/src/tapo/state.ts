/**
 * ClientStateStore implementations. The file store keeps one small JSON object keyed by camera,
 * written atomically (temp file + rename) so a crash never leaves half a file — a lockout must
 * survive a restart loop.
 */
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CameraState, ClientStateStore } from './types.ts';

function merge(prev: CameraState | undefined, patch: Partial<CameraState>): CameraState {
  const next: Record<string, unknown> = { ...(prev ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) {
      delete next[k];
    } else {
      next[k] = v;
    }
  }
  return next as CameraState;
}

export class MemoryStateStore implements ClientStateStore {
  private readonly map = new Map<string, CameraState>();
  get(key: string): CameraState | undefined {
    const s = this.map.get(key);
    return s ? { ...s } : undefined;
  }
  update(key: string, patch: Partial<CameraState>): void {
    this.map.set(key, merge(this.map.get(key), patch));
  }
}

export class FileStateStore implements ClientStateStore {
  private data: Record<string, CameraState>;
  constructor(readonly path: string) {
    this.data = FileStateStore.load(path);
  }

  private static load(path: string): Record<string, CameraState> {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return {};
      }
      const out: Record<string, CameraState> = {};
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        if (typeof v !== 'object' || v === null) {
          continue;
        }
        const o = v as Record<string, unknown>;
        const s: CameraState = {};
        if (typeof o.fingerprint === 'string') {
          s.fingerprint = o.fingerprint;
        }
        if (o.loginFlow === 'secure' || o.loginFlow === 'legacy' || o.loginFlow === 'tpap') {
          s.loginFlow = o.loginFlow;
        }
        if (typeof o.tpapForm === 'string' && /^[\w/+-]{1,60}$/.test(o.tpapForm)) {
          s.tpapForm = o.tpapForm;
        }
        if (typeof o.lockedUntil === 'number' && Number.isFinite(o.lockedUntil)) {
          s.lockedUntil = o.lockedUntil;
        }
        out[k] = s;
      }
      return out;
    } catch {
      return {};
    }
  }

  get(key: string): CameraState | undefined {
    const s = this.data[key];
    return s ? { ...s } : undefined;
  }

  update(key: string, patch: Partial<CameraState>): void {
    this.data[key] = merge(this.data[key], patch);
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
