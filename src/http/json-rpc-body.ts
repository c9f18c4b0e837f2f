import type { InitializeRequest } from '../protocol/json-rpc.js';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import {
  EMPTY_BATCH,
  NOT_ACCEPTABLE,
  PARSE_ERROR,
  UNSUPPORTED_MEDIA_TYPE,
  type HttpJsonRpcError,
} from './json-rpc-error.js';
import { isInitializeRequest, isInitializedNotification } from '../protocol/legacy-protocol.js';
import { readRequestBody } from './request-body.js';

/**
 * Checks that a 2025-era POST accepts both JSON and SSE responses, as the SDK's session transport
 * does; the error to answer, if not.
 */
export function checkSessionAccept(headers: IncomingHttpHeaders): HttpJsonRpcError | undefined {
  const accept = headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return NOT_ACCEPTABLE;
  }
  return undefined;
}

/**
 * Checks `Content-Type` as the SDK transports do, then reads the body within `limit` bytes and
 * parses it as JSON.
 */
export async function readJsonRpcBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ body: unknown } | { error: HttpJsonRpcError }> {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/json') {
    return { error: UNSUPPORTED_MEDIA_TYPE };
  }
  const read = await readRequestBody(req, limit);
  if (read.kind === 'error') return { error: read.error };
  if (read.kind === 'parsed') return { body: read.value };
  let body: unknown;
  try {
    body = JSON.parse(read.text);
  } catch {
    return { error: PARSE_ERROR };
  }
  if (Array.isArray(body) && body.length === 0) {
    return { error: EMPTY_BATCH };
  }
  return { body };
}

function messagesOf(body: unknown): unknown[] {
  return Array.isArray(body) ? body : [body];
}

/**
 * The id of a message shaped like a request (a `method` and a string or number `id`). A shape
 * check, not the SDK's schema parse: it runs on every POST, and the transport validates every
 * message in full anyway.
 */
function requestIdOf(message: unknown): string | number | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, id } = message as { method?: unknown; id?: unknown };
  if (typeof method !== 'string') return undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The ids of the requests in the body. */
export function requestIdsOf(body: unknown): Array<string | number> {
  const ids: Array<string | number> = [];
  for (const message of messagesOf(body)) {
    const id = requestIdOf(message);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** True when the body holds the client's `notifications/initialized`. */
export function hasInitializedNotification(body: unknown): boolean {
  return messagesOf(body).some(isInitializedNotification);
}

/** The `initialize` request in the body, if there is one. */
export function findInitialize(body: unknown): InitializeRequest | undefined {
  return messagesOf(body).find(isInitializeRequest);
}
