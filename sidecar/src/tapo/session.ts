/** What a logged-in session offers the client, and the signal that it has died. */
import { TapoError } from './errors.ts';
import type { LoginFlow } from './types.ts';
import type { HttpReply } from './transport.ts';
import { errorCodeOf, parseJson } from './decode.ts';

export interface Session {
  readonly flow: LoginFlow;
  /** Send one request (method + params); resolves to the camera's (decrypted) reply object. */
  call(request: { method: string; params?: unknown }): Promise<unknown>;
}

/** The camera no longer accepts this session: the client logs in once more and retries once. */
export class SessionExpired extends TapoError {
  constructor(reason: string, code?: number) {
    super('protocol', `camera rejected the session (${reason})`, code === undefined ? {} : { code });
  }
}

/** Codes that mean "log in again". */
const SESSION_CODES = new Set([-40401, -1]);

/** Shared checks on an HTTP reply to a /stok=…/ds call; returns the parsed JSON. */
export function checkSessionReply(reply: HttpReply, method: string): unknown {
  if (reply.status === 500) {
    throw new SessionExpired('HTTP 500');
  }
  if (reply.status === 401) {
    // Parallel requests are refused with 401. We serialise ours, so another client is busy with
    // the camera: report it, do not log in again (that would only add to the crowd).
    throw new TapoError('protocol', `${method}: camera busy with another client's request (HTTP 401)`, {
      method,
      httpStatus: 401,
    });
  }
  if (reply.status !== 200) {
    throw new TapoError('protocol', `${method}: camera answered HTTP ${reply.status}`, {
      method,
      httpStatus: reply.status,
    });
  }
  const json = parseJson(reply.body, method);
  const code = errorCodeOf(json);
  if (SESSION_CODES.has(code)) {
    throw new SessionExpired(code === -1 ? 'tag check failed' : 'session invalid', code);
  }
  return json;
}
