import type { ServerResponse } from 'node:http';

/** JSON-RPC error codes the endpoint answers with. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  ServerError: -32000,
  SessionNotFound: -32001,
  UnsupportedProtocolVersion: -32022,
  InternalError: -32603,
} as const;

/** An HTTP error answered with a JSON-RPC error body (`id: null`). */
export interface HttpJsonRpcError {
  status: number;
  code: number;
  message: string;
  data?: unknown;
  headers?: Record<string, string>;
}

/** Writes an error response with a JSON-RPC body, unless the response has already started. */
export function writeJsonRpcError(res: ServerResponse, error: HttpJsonRpcError): void {
  if (res.headersSent || res.writableEnded) return;
  const body = JSON.stringify({
    jsonrpc: '2.0',
    error: {
      code: error.code,
      message: error.message,
      ...(error.data === undefined ? {} : { data: error.data }),
    },
    id: null,
  });
  res.writeHead(error.status, {
    ...error.headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The 404 every unknown, expired, terminated or foreign session id gets. */
export const SESSION_NOT_FOUND: HttpJsonRpcError = {
  status: 404,
  code: JsonRpcErrorCode.SessionNotFound,
  message: 'Session not found',
};
