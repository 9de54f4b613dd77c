/**
 * ClientStateStore implementations. The file store keeps one small JSON object keyed by camera,
 * written atomically (temp file + rename) so a crash never leaves half a file — a lockout and a
 * refused password must survive a restart loop. A write that fails (full disk) is logged once and
 * the state is kept in memory: a login that succeeded stays a success.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../atomic-file.ts';
import { logger, type Logger } from '../log.ts';
import {
  ephemeralTagger,
  hmacTagger,
  installKey,
  TAG_PATTERN,
  withTag,
  type CredentialTagger,
} from './credential-memory.ts';
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

/** The refused tags of a stored entry, bounded; `failedCredential` is the older single tag. */
function refusedTags(o: Record<string, unknown>): string[] {
  const list = Array.isArray(o.refusedCredentials) ? o.refusedCredentials : [];
  let tags: string[] = [];
  for (const t of [o.failedCredential, ...list]) {
    if (typeof t === 'string' && TAG_PATTERN.test(t)) {
      tags = withTag(tags, t);
    }
  }
  return tags;
}

/** Failed-login times of a stored entry (finite numbers only, the newest 16). */
function failureTimes(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)).slice(-16) : [];
}

/** The camera's stored word on attempts left, when well-formed. */
function attemptsLeft(v: unknown): CameraState['cameraAttemptsLeft'] {
  if (typeof v !== 'object' || v === null) {
    return undefined;
  }
  const { attempts, at } = v as Record<string, unknown>;
  return typeof attempts === 'number' &&
    Number.isInteger(attempts) &&
    attempts >= 0 &&
    typeof at === 'number' &&
    Number.isFinite(at)
    ? { attempts, at }
    : undefined;
}

export class MemoryStateStore implements ClientStateStore {
  private readonly map = new Map<string, CameraState>();
  readonly credentialTag: CredentialTagger = ephemeralTagger();
  get(key: string): CameraState | undefined {
    const s = this.map.get(key);
    return s ? { ...s } : undefined;
  }
  update(key: string, patch: Partial<CameraState>): void {
    this.map.set(key, merge(this.map.get(key), patch));
  }
}

export interface FileStateStoreOptions {
  /** The install's credential key; default `credential-key` next to the state file. */
  keyFile?: string;
  log?: Logger;
}

export class FileStateStore implements ClientStateStore {
  private data: Record<string, CameraState>;
  readonly credentialTag: CredentialTagger;
  private readonly log: Logger;
  /** Set while writes fail, so a full disk is logged once, not on every login. */
  private writeFailing = false;

  constructor(
    readonly path: string,
    opts: FileStateStoreOptions = {}
  ) {
    this.log = (opts.log ?? logger).child({ module: 'camera-state' });
    this.data = FileStateStore.load(path);
    this.credentialTag = hmacTagger(
      installKey(opts.keyFile ?? join(dirname(path), 'credential-key'), (message) => this.log.warn(message))
    );
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
        if (typeof o.tpapVerifier === 'string' && /^[\w-]{1,64}$/.test(o.tpapVerifier)) {
          s.tpapVerifier = o.tpapVerifier;
        }
        const refused = refusedTags(o);
        if (refused.length > 0) {
          s.refusedCredentials = refused;
        }
        const failures = failureTimes(o.loginFailures);
        if (failures.length > 0) {
          s.loginFailures = failures;
        }
        const left = attemptsLeft(o.cameraAttemptsLeft);
        if (left) {
          s.cameraAttemptsLeft = left;
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
    try {
      writeFileAtomicSync(this.path, JSON.stringify(this.data, null, 2));
      if (this.writeFailing) {
        this.writeFailing = false;
        this.log.info({ file: this.path }, 'camera state is saved again');
      }
    } catch (err) {
      if (!this.writeFailing) {
        this.writeFailing = true;
        this.log.error(
          { file: this.path, code: (err as NodeJS.ErrnoException).code ?? 'error' },
          'camera state could not be saved (disk full?); it is kept in memory and saved at the next change'
        );
      }
    }
  }
}
