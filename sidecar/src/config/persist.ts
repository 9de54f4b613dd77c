/**
 * The datasource's camera list, persisted so that the fleet resumes polling after a sidecar restart
 * before Grafana calls again. Secrets are written only AES-256-GCM encrypted with a key derived
 * (scrypt, random salt per write) from TAPO_SECRET_KEY; without that key the list is written
 * without secrets, and those cameras wait for Grafana's next call to learn their passwords.
 *
 * File: `<dataDir>/cameras.json`, one section per source (e.g. 'datasource:<uid>'), with when
 * Grafana last called for that datasource (`seenAt`) and the datasource's `lastUpdatedMS` the list
 * came from (`updatedMs`): the app forgets a datasource not seen within its retention, and never
 * lets older settings replace newer ones.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.ts';
import { logger } from '../log.ts';
import { redactCamera, type CameraConfig } from './types.ts';

interface SealedSecrets {
  alg: 'aes-256-gcm';
  kdf: 'scrypt';
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

interface Section {
  savedAt: number;
  /** Last call seen for this datasource (epoch ms); files before it had savedAt only. */
  seenAt?: number;
  /** The datasource's lastUpdatedMS these cameras came from. */
  updatedMs?: number;
  cameras: CameraConfig[];
  secrets: SealedSecrets | null;
}

interface FileShape {
  version: 1;
  sources: Record<string, Section>;
}

type Secrets = Record<
  string,
  {
    password: string | null;
    cameraPassword: string | null;
    restreamUser?: string | null;
    restreamPassword?: string | null;
  }
>;

const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function deriveKey(secret: string, salt: Buffer): Buffer {
  return scryptSync(secret, salt, 32, SCRYPT);
}

function aad(source: string): Buffer {
  // Binds the ciphertext to its section: secrets cannot be moved to another datasource's entry.
  return Buffer.from(`camwatch-tapo cameras v1|${source}`);
}

export function seal(secrets: Secrets, secretKey: string, source: string): SealedSecrets {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secretKey, salt), iv);
  cipher.setAAD(aad(source));
  const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  return {
    alg: 'aes-256-gcm',
    kdf: 'scrypt',
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** Null when the key is wrong or the data was altered (GCM authentication fails). */
export function unseal(sealed: SealedSecrets, secretKey: string, source: string): Secrets | null {
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      deriveKey(secretKey, Buffer.from(sealed.salt, 'base64')),
      Buffer.from(sealed.iv, 'base64')
    );
    decipher.setAAD(aad(source));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString(
      'utf8'
    );
    return JSON.parse(text) as Secrets;
  } catch {
    return null;
  }
}

export interface CameraListStoreOptions {
  dataDir: string;
  /** Default: process.env.TAPO_SECRET_KEY. Empty means none. */
  secretKey?: string | null;
}

export interface ResumedSource {
  source: string;
  savedAt: number;
  seenAt: number;
  updatedMs: number;
  cameras: CameraConfig[];
  /** True when secrets were not restored (no key, wrong key): those cameras have null passwords. */
  secretsMissing: boolean;
}

export class CameraListStore {
  readonly file: string;
  private readonly secretKey: string | null;
  private writing: Promise<void> = Promise.resolve();

  constructor(opts: CameraListStoreOptions) {
    this.file = join(opts.dataDir, 'cameras.json');
    const key = opts.secretKey === undefined ? process.env.TAPO_SECRET_KEY : opts.secretKey;
    this.secretKey = key && key.length > 0 ? key : null;
  }

  get encrypts(): boolean {
    return this.secretKey !== null;
  }

  private async read(): Promise<FileShape> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return { version: 1, sources: {} };
      }
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as FileShape;
      if (parsed?.version !== 1 || typeof parsed.sources !== 'object' || parsed.sources === null) {
        throw new Error('unknown format');
      }
      return parsed;
    } catch (err) {
      logger.warn({ file: this.file, reason: (err as Error).message }, 'ignoring an unreadable persisted camera list');
      return { version: 1, sources: {} };
    }
  }

  /** Every persisted source's cameras, secrets restored when the key allows. */
  async load(): Promise<ResumedSource[]> {
    const shape = await this.read();
    const out: ResumedSource[] = [];
    for (const [source, section] of Object.entries(shape.sources)) {
      if (!Array.isArray(section?.cameras)) {
        continue;
      }
      let secrets: Secrets | null = null;
      if (section.secrets && this.secretKey) {
        secrets = unseal(section.secrets, this.secretKey, source);
        if (!secrets) {
          logger.warn(
            { source },
            'persisted camera secrets could not be decrypted (TAPO_SECRET_KEY changed?); waiting for Grafana'
          );
        }
      }
      const cameras = section.cameras.map((c) => ({
        ...c,
        source,
        password: secrets?.[c.id]?.password ?? null,
        cameraPassword: secrets?.[c.id]?.cameraPassword ?? null,
        restreamUser: secrets?.[c.id]?.restreamUser ?? null,
        restreamPassword: secrets?.[c.id]?.restreamPassword ?? null,
      }));
      out.push({
        source,
        savedAt: section.savedAt,
        seenAt: section.seenAt ?? section.savedAt,
        updatedMs: section.updatedMs ?? 0,
        cameras,
        secretsMissing: secrets === null && cameras.some((c) => !c.disabled),
      });
    }
    return out;
  }

  /**
   * Replaces one source's list (empty list: removes the section). Writes are serialised and
   * atomic; a failed write (full disk) leaves the old file and no temp file.
   */
  save(source: string, cameras: CameraConfig[], meta: { updatedMs?: number; seenAt?: number } = {}): Promise<void> {
    return this.change((shape) => {
      if (cameras.length === 0) {
        delete shape.sources[source];
        return;
      }
      const secrets: Secrets = Object.fromEntries(
        cameras.map((c) => [
          c.id,
          {
            password: c.password,
            cameraPassword: c.cameraPassword,
            restreamUser: c.restreamUser ?? null,
            restreamPassword: c.restreamPassword ?? null,
          },
        ])
      );
      const now = Date.now();
      shape.sources[source] = {
        savedAt: now,
        seenAt: meta.seenAt ?? now,
        updatedMs: meta.updatedMs ?? 0,
        cameras: cameras.map((c) => redactCamera(c)),
        secrets: this.secretKey ? seal(secrets, this.secretKey, source) : null,
      };
    });
  }

  /** Records a call seen for the source (nothing when it has no section). */
  touch(source: string, seenAt: number): Promise<void> {
    return this.change((shape) => {
      const section = shape.sources[source];
      if (section) {
        section.seenAt = Math.max(section.seenAt ?? section.savedAt, seenAt);
      }
    });
  }

  private change(apply: (shape: FileShape) => void): Promise<void> {
    const next = this.writing.then(async () => {
      const shape = await this.read();
      apply(shape);
      await writeFileAtomic(this.file, JSON.stringify(shape, null, 1));
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}
