/**
 * go-plugin's side of the launch: check that a plugin host started us, and print the handshake
 * line that tells it where to connect. Nothing may reach stdout before that line.
 */
import { writeSync } from 'node:fs';

export const MAGIC_COOKIE_KEY = 'grafana_plugin_type';
export const MAGIC_COOKIE_VALUE = 'datasource';
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 2;

/** Returns an error message when the environment is not a Grafana plugin host's, else null. */
export function checkPluginEnv(env: NodeJS.ProcessEnv): string | null {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    return (
      'This is a Grafana backend plugin: Grafana starts it (the magic cookie ' +
      `${MAGIC_COOKIE_KEY}=${MAGIC_COOKIE_VALUE} is missing). ` +
      'To run it on its own, use --standalone --grpc 127.0.0.1:10001 (see README).'
    );
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? '').split(',').map((v) => v.trim());
  if (!versions.includes(String(APP_PROTOCOL_VERSION))) {
    return `Grafana offered plugin protocol versions [${versions.join(',')}], this plugin speaks ${APP_PROTOCOL_VERSION}.`;
  }
  return null;
}

export function handshakeLine(host: string, port: number): string {
  return `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|${host}:${port}|grpc\n`;
}

/** Writes the handshake synchronously to fd 1, so it is the very first thing on stdout. */
export function printHandshake(host: string, port: number): void {
  writeSync(1, handshakeLine(host, port));
}
