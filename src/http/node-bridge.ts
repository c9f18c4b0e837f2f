import type { AuthInfo } from '../protocol/json-rpc.js';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * A web-standard handler of one request: a session transport's `handleRequest`, or the SDK v2's
 * handler of 2026-07-28 requests. `parsedBody` is the body the endpoint has read already.
 */
export type WebHandler = (
  request: Request,
  extra: { parsedBody?: unknown; authInfo?: AuthInfo },
) => Promise<Response>;

/**
 * Serves a Node request with a web-standard handler. `body` is the already parsed JSON-RPC body
 * of a POST; `authInfo`, the request's authentication as the SDK is to see it.
 *
 * The endpoint reads every body before a handler sees it, and the SDK's handlers take the parsed
 * body beside the request, so the web-standard request carries the URL, method and headers only:
 * no stream is made of a body already read. Its signal aborts when the client goes away before
 * the response is complete.
 */
export async function serveNodeRequest(
  handle: WebHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  authInfo: AuthInfo | undefined,
): Promise<void> {
  const aborter = new AbortController();
  const abortIfUnfinished = () => {
    if (!res.writableFinished) aborter.abort();
  };
  res.once('close', abortIfUnfinished);
  try {
    const request = new Request(urlOf(req), {
      method: req.method,
      headers: headersOf(req),
      signal: aborter.signal,
    });
    const response = await handle(request, { parsedBody: body, authInfo });
    await writeResponse(response, res);
  } finally {
    res.off('close', abortIfUnfinished);
  }
}

/** The request's absolute URL, as a web-standard request has it. */
function urlOf(req: IncomingMessage): string {
  const scheme = (req.socket as TLSSocket | null)?.encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
}

/** The request's headers, repeats kept (HTTP/2 pseudo-headers left out). */
function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (!raw[i].startsWith(':')) headers.append(raw[i], raw[i + 1]);
  }
  return headers;
}

/** The response's headers for Node: `set-cookie` as a list, every other header as one value. */
function nodeHeaders(response: Response): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}

/**
 * Writes a web-standard response to Node's: an SSE stream event by event as the handler produces
 * it, any other body whole, in one write with its length.
 */
async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  if (res.destroyed || res.headersSent) {
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  const headers = nodeHeaders(response);
  if (!response.body || headers['content-type'] !== 'text/event-stream') {
    const bytes = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
    if (bytes) headers['content-length'] = bytes.byteLength;
    res.writeHead(response.status, headers);
    res.end(bytes);
    return;
  }
  await writeEventStream(response.body, response.status, headers, res);
}

/**
 * Streams an SSE body. The head goes out at once (a client waits for it before the first event),
 * corked with whatever events are ready in the same turn of the event loop, so that the head, a
 * priming event and a result leave in one write. The stream is cancelled when the client goes.
 */
async function writeEventStream(
  body: ReadableStream<Uint8Array>,
  status: number,
  headers: OutgoingHttpHeaders,
  res: ServerResponse,
): Promise<void> {
  // Chunked, so that every event leaves as it comes (on HTTP/1.0 Node closes the connection at
  // the end instead).
  if (res.req.httpVersion === '1.1') headers['transfer-encoding'] = 'chunked';
  const socket = res.socket;
  socket?.cork();
  res.writeHead(status, headers);
  res.flushHeaders();
  if (socket) setImmediate(() => socket.uncork());
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return cancel();
      res.write(value);
    }
  } catch {
    // Cancelled or failed: the response ends with what was sent.
  } finally {
    res.off('close', cancel);
  }
  res.end();
}
