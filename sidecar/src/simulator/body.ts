/**
 * A request body read up to a size limit, as a camera's small web server does: a larger body
 * drops the connection instead of filling the simulator's memory.
 */
import type { IncomingMessage } from 'node:http';

/** Calls `onBody` with the whole body, or `onTooLarge` (after destroying the request) past `maxBytes`. */
export function readLimitedBody(
  req: IncomingMessage,
  maxBytes: number,
  onBody: (body: Buffer) => void,
  onTooLarge: () => void = () => undefined
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > maxBytes) {
      if (!req.destroyed) {
        req.destroy();
        onTooLarge();
      }
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (size <= maxBytes) {
      onBody(Buffer.concat(chunks));
    }
  });
}
