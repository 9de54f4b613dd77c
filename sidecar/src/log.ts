/**
 * The sidecar's logger: hclog-style JSON lines on stderr (`@level`, `@message`, `@timestamp`,
 * plus fields), which Grafana's plugin client folds into its own log. stdout is reserved for the
 * go-plugin handshake, so nothing here ever writes there.
 */
import pino, { type Logger } from 'pino';

const SECRET_KEYS = [
  'password',
  'passwd',
  'digest_passwd',
  'stok',
  'token',
  'secret',
  'key',
  'authorization',
  'decryptedSecureJsonData',
];

export function createLogger(
  level = process.env.TAPO_LOG_LEVEL ?? 'info',
  dest: number | NodeJS.WritableStream = 2
): Logger {
  const destination = typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : dest;
  return pino(
    {
      level,
      messageKey: '@message',
      base: undefined,
      timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ '@level': label === 'fatal' ? 'error' : label }),
      },
      // Belt and braces: fields with these names are censored wherever they appear (depth 2).
      redact: {
        paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`]),
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream
  );
}

export const logger: Logger = createLogger();
export type { Logger };
