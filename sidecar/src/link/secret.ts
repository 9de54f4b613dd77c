/**
 * The shared secret of the gRPC link between Grafana's host and a sidecar that listens beyond
 * loopback, and the TLS-PSK settings both ends use (the sidecar's front, the relay beside the
 * launcher). A pre-shared key means no certificates to issue, rotate or pin: whoever holds the
 * secret may call the sidecar, nobody else completes a handshake. TLS 1.2 is the version whose
 * external-PSK suites OpenSSL (and so Node) offers; ECDHE-PSK gives forward secrecy and an AEAD.
 */
import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isLoopbackHost } from '../util/loopback.ts';

export const PSK_IDENTITY = 'camwatch-tapo-grpc/1';
export const PSK_CIPHERS = 'ECDHE-PSK-CHACHA20-POLY1305';
/** Both ends speak HTTP/2 inside: advertising it lets the gRPC server take the decrypted socket. */
export const LINK_TLS = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.2',
  ciphers: PSK_CIPHERS,
  ALPNProtocols: ['h2'],
} as const;
export const MIN_SECRET_LENGTH = 16;

export class LinkSecretError extends Error {
  override name = 'LinkSecretError';
}

/** The 32-byte TLS key of a secret (the secret itself never goes on the wire or into a log). */
export function linkKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'camwatch-tapo', 'grpc link psk v1', 32));
}

export interface SecretSources {
  /** The secret itself (an environment variable), and what it is called for messages. */
  value?: { name: string; value: string | undefined } | undefined;
  /** A file holding the secret (surrounding whitespace ignored), and the option's name. */
  file?: { name: string; path: string | undefined } | undefined;
}

/** The secret from a file or a variable (the file wins), or null when neither is set. */
export function readSecret(src: SecretSources): string | null {
  let secret: string | null = null;
  let from = '';
  if (src.file?.path) {
    try {
      secret = readFileSync(src.file.path, 'utf8').trim();
    } catch (err) {
      throw new LinkSecretError(
        `${src.file.name}: cannot read ${src.file.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
      );
    }
    from = `${src.file.name} (${src.file.path})`;
  } else if (src.value?.value) {
    secret = src.value.value.trim();
    from = src.value.name;
  }
  if (secret === null) {
    return null;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new LinkSecretError(
      `the gRPC link secret from ${from} is too short: use at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`
    );
  }
  return secret;
}

/**
 * Why the sidecar may not serve gRPC as asked, or null. Beyond loopback it needs the secret
 * (TAPO_GRPC_SECRET or --grpc-secret-file); in managed mode Grafana dials 127.0.0.1 in plain
 * gRPC, so there it stays on loopback and needs none.
 */
export function grpcListenProblem(host: string, standalone: boolean, hasSecret: boolean): string | null {
  if (isLoopbackHost(host)) {
    return null;
  }
  if (!standalone) {
    return `the gRPC address ${host} is not loopback: when Grafana starts the sidecar it connects over 127.0.0.1, so use 127.0.0.1:0 (or run the sidecar with --standalone)`;
  }
  if (!hasSecret) {
    return (
      `refusing to serve gRPC on ${host} without a shared secret: anyone who reaches that address could ` +
      'call the sidecar as Grafana. Set TAPO_GRPC_SECRET (or --grpc-secret-file FILE / TAPO_GRPC_SECRET_FILE) ' +
      'here and the same secret for the plugin on the Grafana host (grpc_secret_file in ' +
      '[plugin.camwatch-tapo-datasource], or TAPO_GRPC_SECRET), or listen on 127.0.0.1'
    );
  }
  return null;
}

/** The host of host:port, without IPv6 brackets. */
function hostOf(address: string): string {
  return address.slice(0, Math.max(0, address.lastIndexOf(':'))).replace(/^\[|\]$/g, '');
}

/**
 * The sidecar's link key from its options: null for a plain loopback port (and always in managed
 * mode); throws LinkSecretError when the address needs a secret it does not have.
 */
export function sidecarLinkKey(opts: {
  standalone: boolean;
  grpcAddress: string;
  grpcSecret: string | null;
  grpcSecretFile: string | null;
}): Buffer | null {
  const secret = opts.standalone
    ? readSecret({
        file: { name: '--grpc-secret-file / TAPO_GRPC_SECRET_FILE', path: opts.grpcSecretFile ?? undefined },
        value: { name: 'TAPO_GRPC_SECRET', value: opts.grpcSecret ?? undefined },
      })
    : null;
  const problem = grpcListenProblem(hostOf(opts.grpcAddress), opts.standalone, secret !== null);
  if (problem) {
    throw new LinkSecretError(problem);
  }
  return secret === null ? null : linkKey(secret);
}
