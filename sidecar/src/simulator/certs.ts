/**
 * Self-signed certificates for simulated cameras. Node cannot issue X.509 by itself, so the
 * `openssl` CLI makes them once and they are cached under the OS temp dir (written to a temp name
 * and renamed, so concurrent test processes never read half a file).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

export interface CertPair {
  key: string;
  cert: string;
  /** SHA-256 of the DER certificate, uppercase hex without colons (what the client pins). */
  fingerprint: string;
}

const cache = new Map<string, CertPair>();

/** A cached certificate for `slot` (e.g. 'device-0', 'impostor'). */
export function certificate(slot: string): CertPair {
  const hit = cache.get(slot);
  if (hit) {
    return hit;
  }
  if (!/^[\w-]{1,40}$/.test(slot)) {
    throw new Error('bad certificate slot name');
  }
  const dir = process.env.CAMWATCH_SIM_CERT_DIR ?? join(tmpdir(), 'camwatch-sim-certs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, `${slot}.key`);
  const certPath = join(dir, `${slot}.crt`);
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    const tmpKey = `${keyPath}.${tag}`;
    const tmpCert = `${certPath}.${tag}`;
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          tmpKey,
          '-out',
          tmpCert,
          '-days',
          '3650',
          '-subj',
          '/CN=TPRI-DEVICE',
        ],
        { stdio: 'ignore' }
      );
      // Key first: a reader that sees the cert also sees its key.
      renameSync(tmpKey, keyPath);
      renameSync(tmpCert, certPath);
    } finally {
      rmSync(tmpKey, { force: true });
      rmSync(tmpCert, { force: true });
    }
  }
  const key = readFileSync(keyPath, 'utf8');
  const cert = readFileSync(certPath, 'utf8');
  const fingerprint = new X509Certificate(cert).fingerprint256.replace(/:/g, '').toUpperCase();
  const pair = { key, cert, fingerprint };
  cache.set(slot, pair);
  return pair;
}
