import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { discardRest } from './body-discard.js';
import { bodyUnreadable, payloadTooLarge, type HttpJsonRpcError } from './json-rpc-error.js';

/** The outcome of reading a request body: its text, a body another parser already read, or an error. */
export type BodyRead =
  | { kind: 'text'; text: string }
  | { kind: 'parsed'; value: unknown }
  | { kind: 'error'; error: HttpJsonRpcError };

const BODY_READ = Symbol('McpSessionModule:bodyRead');

interface RequestWithBody extends IncomingMessage {
  [BODY_READ]?: Promise<BodyRead>;
  body?: unknown;
}

interface RawBodyError {
  type?: string;
}

const BYTE_ORDER_MARK = 0xfeff;

async function readFromStream(req: IncomingMessage, limit: number): Promise<BodyRead> {
  try {
    // raw-body refuses a declared length over the limit before reading anything. The body is
    // decoded here rather than by its iconv decoder: the same UTF-8, without a decoder object
    // per request; a byte order mark is dropped, as that decoder does.
    const length = req.headers['content-length'];
    const text = (await getRawBody(req, { limit, length })).toString('utf8');
    return { kind: 'text', text: text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text };
  } catch (error) {
    const type = (error as RawBodyError).type;
    if (type === 'entity.too.large') {
      return { kind: 'error', error: payloadTooLarge(limit, await discardRest(req)) };
    }
    return { kind: 'error', error: bodyUnreadable(type ?? 'stream error') };
  }
}

/**
 * Reads the body of `req` once, up to `limit` bytes: a declared `Content-Length` over the limit is
 * refused without reading, and a streamed body stops being read as soon as it passes the limit;
 * the rest of a refused body is then discarded (see {@link discardRest}) before the 413 is sent.
 * A body that another parser already consumed is returned as that parser left it in `req.body`.
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const request = req as RequestWithBody;
  if (!request[BODY_READ]) {
    const consumed = request.readableEnded || request.complete;
    request[BODY_READ] = consumed
      ? Promise.resolve({ kind: 'parsed', value: request.body })
      : readFromStream(request, limit);
  }
  return request[BODY_READ];
}
