import type { IncomingMessage } from 'node:http';

/**
 * How much of a refused body is read and thrown away before the refusal is sent. Closing a
 * connection whose client is still writing resets it, and the client sees EPIPE or ECONNRESET
 * instead of the answer; within these bounds the client finishes writing first, as with Express's
 * body parser. Past them the connection is closed at once.
 */
export const DISCARD_BOUNDS = { bytes: 8 * 1024 * 1024, ms: 3_000 };

/**
 * Reads and discards the rest of `req`. Resolves true once the body has ended, or false, leaving
 * the rest unread, as soon as more than `bounds.bytes` arrive (or are declared), `bounds.ms` pass,
 * or the request fails.
 */
export function discardRest(
  req: IncomingMessage,
  bounds: { bytes: number; ms: number } = DISCARD_BOUNDS,
): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  if (Number(req.headers['content-length']) > bounds.bytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let discarded = 0;
    const settle = (drained: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFailure);
      req.off('close', onFailure);
      if (!drained) req.pause();
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > bounds.bytes) settle(false);
    };
    const onEnd = () => settle(true);
    const onFailure = () => settle(false);
    const timer = setTimeout(onFailure, bounds.ms);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onFailure);
    req.once('close', onFailure);
    req.resume();
  });
}
