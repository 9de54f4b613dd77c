/**
 * What keeps an API without a token (--no-auth, loopback only) from being read by web pages: a
 * page on another site can make the user's browser send requests to 127.0.0.1 (cross-site
 * WebSocket), or point its own name at 127.0.0.1 (DNS rebinding). Browsers always send the name
 * they resolved as Host and the page's site as Origin, so a request must name a loopback host and
 * come from no other site than the API's own.
 */
import { isLoopbackHost } from '../util/loopback.ts';

/** The host name of a Host header or an origin's authority (port and brackets removed), lowercased. */
function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (v6) {
    return v6[1]!;
  }
  return a.replace(/:\d*$/, '');
}

export type GuardProblem = [status: number, message: string];

/**
 * null when a request to a token-less API may be answered; otherwise [status, message].
 * `boundHost` is the address the server listens on (accepted as a Host name when it is loopback).
 */
export function loopbackRequestProblem(
  headers: { host?: string | undefined; origin?: string | undefined },
  boundHost: string
): GuardProblem | null {
  const host = headers.host?.trim();
  if (!host) {
    return [400, 'a Host header is required'];
  }
  const name = hostName(host);
  const bound = hostName(boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost);
  if (!isLoopbackHost(name) && !(name === bound && isLoopbackHost(bound))) {
    return [
      403,
      `Host "${host.slice(0, 100)}" is not a loopback name: with authentication off the API answers only ` +
        'requests addressed to localhost, 127.0.0.1 or [::1] (a web page could otherwise rebind its own name to this API)',
    ];
  }
  const origin = headers.origin;
  if (origin !== undefined) {
    // Same origin only: the status page is served from here; any other page is someone else's.
    if (origin.trim().toLowerCase() !== `http://${host.toLowerCase()}`) {
      return [
        403,
        `cross-site request refused: Origin "${origin.slice(0, 100)}" is not this API (http://${host.slice(0, 100)}); ` +
          'with authentication off only the API’s own pages and clients that send no Origin (curl, scripts) are answered',
      ];
    }
  }
  return null;
}
