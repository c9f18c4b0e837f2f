import { getRequestListener } from '@hono/node-server';
import type { AuthInfo } from '../protocol/json-rpc.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A web-standard handler of one request: a session transport's `handleRequest`, or the SDK v2's
 * handler of 2026-07-28 requests. `parsedBody` is the body the endpoint has read already.
 */
export type WebHandler = (
  request: Request,
  extra: { parsedBody?: unknown; authInfo?: AuthInfo },
) => Promise<Response>;

/**
 * Serves a Node request with a web-standard handler, through the same Node/Web bridge the SDK's
 * own Node transport uses. `body` is the already parsed JSON-RPC body of a POST; `authInfo`, the
 * request's authentication as the SDK is to see it.
 */
export async function serveNodeRequest(
  handle: WebHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  authInfo: AuthInfo | undefined,
): Promise<void> {
  const listener = getRequestListener(
    async (request) => {
      const response = await handle(request, { parsedBody: body, authInfo });
      if (req.httpVersion === '1.1') streamAsItComes(response, res);
      return response;
    },
    { overrideGlobalObjects: false },
  );
  await listener(req, res);
}

/**
 * Lets the bridge write an SSE response's events as the transport produces them, in as few
 * writes as it can.
 *
 * - The response is marked chunked. Unmarked, the bridge reads ahead to learn the length, and
 *   when the first event (the priming event) is ready before the second (the result), it waits
 *   for a timer: about 1 ms, more on a busy machine, on every SSE response.
 * - The socket is corked until the response ends (Node's `end()` uncorks it fully) or, for a
 *   response still streaming, until the event loop's next check phase. So the headers, which the
 *   bridge flushes on their own, the priming event and a result ready in the same turn leave in
 *   one write, as with the read-ahead, without the timer.
 *
 * Other responses are left as they are: the bridge writes them whole, in one write.
 */
function streamAsItComes(response: Response, res: ServerResponse): void {
  if (!response.body || response.headers.get('content-type') !== 'text/event-stream') return;
  response.headers.set('transfer-encoding', 'chunked');
  const socket = res.socket;
  if (!socket) return;
  socket.cork();
  setImmediate(() => socket.uncork());
}
