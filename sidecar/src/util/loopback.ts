/**
 * Whether an address is loopback: the one rule the HTTP API's guard and the gRPC link's secret
 * check share, kept below both so neither reaches into the other.
 */

const LOOPBACK_IP = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** Whether a host name or address (brackets allowed) is loopback: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h.toLowerCase() === 'localhost' || LOOPBACK_IP.test(h);
}
