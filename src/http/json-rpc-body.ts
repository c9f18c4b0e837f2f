import {
  isInitializeRequest,
  isInitializedNotification,
  type InitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage } from 'node:http';
import {
  EMPTY_BATCH,
  NOT_ACCEPTABLE,
  PARSE_ERROR,
  UNSUPPORTED_MEDIA_TYPE,
  type HttpJsonRpcError,
} from './json-rpc-error.js';
import { readRequestBody } from './request-body.js';

/**
 * Checks `Accept` and `Content-Type` as the SDK transport does, then reads the body within
 * `limit` bytes and parses it as JSON.
 */
export async function readJsonRpcBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ body: unknown } | { error: HttpJsonRpcError }> {
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return { error: NOT_ACCEPTABLE };
  }
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
  // The method check first: the SDK's guard is a schema parse, costly when it fails.
  return messagesOf(body).some(
    (m) =>
      (m as { method?: unknown } | null)?.method === 'notifications/initialized' &&
      isInitializedNotification(m),
  );
}

/** The `initialize` request in the body, if there is one. */
export function findInitialize(body: unknown): InitializeRequest | undefined {
  return messagesOf(body).find(
    (m): m is InitializeRequest =>
      (m as { method?: unknown } | null)?.method === 'initialize' && isInitializeRequest(m),
  );
}
