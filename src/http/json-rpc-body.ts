import {
  isInitializeRequest,
  isInitializedNotification,
  isJSONRPCRequest,
  type InitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage } from 'node:http';
import { JsonRpcErrorCode, type HttpJsonRpcError } from './json-rpc-error.js';
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
    return {
      error: {
        status: 406,
        code: JsonRpcErrorCode.ServerError,
        message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
      },
    };
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/json') {
    return {
      error: {
        status: 415,
        code: JsonRpcErrorCode.ServerError,
        message: 'Unsupported Media Type: Content-Type must be application/json',
      },
    };
  }
  const read = await readRequestBody(req, limit);
  if (read.kind === 'error') return { error: read.error };
  if (read.kind === 'parsed') return { body: read.value };
  try {
    return { body: JSON.parse(read.text) as unknown };
  } catch {
    return {
      error: {
        status: 400,
        code: JsonRpcErrorCode.ParseError,
        message: 'Parse error: Invalid JSON',
      },
    };
  }
}

function messagesOf(body: unknown): unknown[] {
  return Array.isArray(body) ? body : [body];
}

/** True when the body holds at least one request (as opposed to responses and notifications). */
export function hasRequests(body: unknown): boolean {
  return messagesOf(body).some((m) => isJSONRPCRequest(m));
}

/** True when the body holds the client's `notifications/initialized`. */
export function hasInitializedNotification(body: unknown): boolean {
  return messagesOf(body).some((m) => isInitializedNotification(m));
}

/** The `initialize` request in the body, if there is one. */
export function findInitialize(body: unknown): InitializeRequest | undefined {
  return messagesOf(body).find((m): m is InitializeRequest => isInitializeRequest(m));
}
