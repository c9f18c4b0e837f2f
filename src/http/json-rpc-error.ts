import type { HttpResponse } from './http-response.js';

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
  /** Set on the refusals counted by the telemetry (`mcp.session_manager.requests.refused`). */
  refusal?: RefusalReason;
}

/**
 * Why a request was refused before any work: the session cap, the per-principal quota, a `Host`
 * or `Origin` the endpoint does not answer to, a body over `maxRequestBodySize`, or shutdown.
 */
export type RefusalReason =
  'cap' | 'principal_quota' | 'host' | 'origin' | 'body_size' | 'shutting_down';

/** Writes an error response with a JSON-RPC body, unless the response has already started. */
export function writeJsonRpcError(res: HttpResponse, error: HttpJsonRpcError): void {
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

/** The rest of a body left unread: the connection cannot be reused. */
const UNREAD_BODY_HEADERS = { Connection: 'close' };

/** The 421 for a `Host` the endpoint does not answer to (DNS-rebinding protection). */
export function hostNotAllowed(host: string | undefined): HttpJsonRpcError {
  return {
    status: 421,
    code: JsonRpcErrorCode.ServerError,
    message: `Misdirected Request: Host header not allowed: ${host ?? '(none)'}`,
    refusal: 'host',
  };
}

/** The 403 for a foreign `Origin` (DNS-rebinding protection). */
export function originNotAllowed(origin: string): HttpJsonRpcError {
  return {
    status: 403,
    code: JsonRpcErrorCode.ServerError,
    message: `Forbidden: Origin not allowed: ${origin}`,
    refusal: 'origin',
  };
}

/** The 406 for a POST that does not accept both JSON and SSE, worded as the SDK transport does. */
export const NOT_ACCEPTABLE: HttpJsonRpcError = {
  status: 406,
  code: JsonRpcErrorCode.ServerError,
  message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
};

/** The 415 for a POST whose body is not JSON. */
export const UNSUPPORTED_MEDIA_TYPE: HttpJsonRpcError = {
  status: 415,
  code: JsonRpcErrorCode.ServerError,
  message: 'Unsupported Media Type: Content-Type must be application/json',
};

/** The 400 for a body that is not JSON. */
export const PARSE_ERROR: HttpJsonRpcError = {
  status: 400,
  code: JsonRpcErrorCode.ParseError,
  message: 'Parse error: Invalid JSON',
};

/** The 400 for an empty JSON-RPC batch. */
export const EMPTY_BATCH: HttpJsonRpcError = {
  status: 400,
  code: JsonRpcErrorCode.InvalidRequest,
  message: 'Invalid Request: empty batch',
};

/**
 * The 413 for a body over `limit` bytes; it closes the connection unless the rest of the body was
 * read and discarded.
 */
export function payloadTooLarge(limit: number, discarded: boolean): HttpJsonRpcError {
  return {
    status: 413,
    code: JsonRpcErrorCode.ServerError,
    message: `Payload Too Large: Request body must not exceed ${limit} bytes`,
    refusal: 'body_size',
    ...(discarded ? {} : { headers: UNREAD_BODY_HEADERS }),
  };
}

/** The 400 for a body that could not be read (`problem` says why); the connection is closed. */
export function bodyUnreadable(problem: string): HttpJsonRpcError {
  return {
    status: 400,
    code: JsonRpcErrorCode.ParseError,
    message: `Parse error: could not read the request body (${problem})`,
    headers: UNREAD_BODY_HEADERS,
  };
}

/**
 * The error answered, for its own id, to a request that the shutdown grace period cut short
 * (see `session/shutdown-answers.ts`).
 */
export const CUT_BY_SHUTDOWN = {
  code: JsonRpcErrorCode.ServerError,
  message: 'Service Unavailable: the server shut down before this request finished',
} as const;

/** The 404 every unknown, expired, terminated or foreign session id gets. */
export const SESSION_NOT_FOUND: HttpJsonRpcError = {
  status: 404,
  code: JsonRpcErrorCode.SessionNotFound,
  message: 'Session not found',
};

/** The 400 for a request that needs a session and names none. */
export const SESSION_ID_REQUIRED: HttpJsonRpcError = {
  status: 400,
  code: JsonRpcErrorCode.ServerError,
  message: 'Bad Request: Mcp-Session-Id header is required',
};

/** The 400 for a session id that no session could ever have. */
export const SESSION_ID_MALFORMED: HttpJsonRpcError = {
  status: 400,
  code: JsonRpcErrorCode.ServerError,
  message: 'Bad Request: Mcp-Session-Id header is malformed',
};

/** The 503 of a server that is not (or no longer) admitting work. */
export const SHUTTING_DOWN: HttpJsonRpcError = {
  status: 503,
  code: JsonRpcErrorCode.ServerError,
  message: 'Service Unavailable: the server is shutting down',
  headers: { Connection: 'close' },
  refusal: 'shutting_down',
};

/** The 503 while the cluster's session registry on Redis does not answer. */
export const SESSION_STORE_UNAVAILABLE: HttpJsonRpcError = {
  status: 503,
  code: JsonRpcErrorCode.ServerError,
  message: 'Service Unavailable: the session store does not answer',
  headers: { 'Retry-After': '1' },
};

/** The 503 for a request to a session whose replica went away or moved it while it was served. */
export const SESSION_MOVED: HttpJsonRpcError = {
  status: 503,
  code: JsonRpcErrorCode.ServerError,
  message: 'Service Unavailable: the session is moving to another replica; retry',
  headers: { 'Retry-After': '1' },
};

/** The 405 for a method the endpoint does not serve, with the methods it does. */
export function methodNotAllowed(allow: string): HttpJsonRpcError {
  return {
    status: 405,
    code: JsonRpcErrorCode.ServerError,
    message: 'Method not allowed.',
    headers: { Allow: allow },
  };
}

/**
 * The 400 for a protocol version we do not speak, listing those we do, so that a client of a
 * newer revision (such as the sessionless 2026-07-28) falls back to `initialize`.
 */
export function unsupportedProtocolVersion(
  requested: string,
  supported: readonly string[],
): HttpJsonRpcError {
  return {
    status: 400,
    code: JsonRpcErrorCode.UnsupportedProtocolVersion,
    message: `Unsupported protocol version: ${requested}`,
    data: { supported: [...supported], requested },
  };
}

/** The 503 of an endpoint that holds its `maxSessions`, retried after the reaper's next sweep. */
export function tooManySessions(maxSessions: number, retryAfterMs: number): HttpJsonRpcError {
  return {
    status: 503,
    code: JsonRpcErrorCode.ServerError,
    message: `Service Unavailable: the server holds its maximum of ${maxSessions} sessions`,
    headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) },
    refusal: 'cap',
  };
}

/** The 429 of a principal that holds `quota` sessions. */
export function principalQuotaReached(quota: number): HttpJsonRpcError {
  return {
    status: 429,
    code: JsonRpcErrorCode.ServerError,
    message: `Too Many Requests: this principal already holds its maximum of ${quota} sessions`,
    refusal: 'principal_quota',
  };
}

/** The 400 for a request whose id is already in flight on its session. */
export const REQUEST_ID_IN_FLIGHT: HttpJsonRpcError = {
  status: 400,
  code: JsonRpcErrorCode.InvalidRequest,
  message: 'Invalid Request: a request with this id is already in flight on the session',
};

/** The 500 for a hibernated session whose rebuild failed. */
export const SESSION_NOT_RESUMED: HttpJsonRpcError = {
  status: 500,
  code: JsonRpcErrorCode.InternalError,
  message: 'Internal error: the session could not be resumed',
};

/** The 500 for a request whose handling failed unexpectedly. */
export const INTERNAL_ERROR: HttpJsonRpcError = {
  status: 500,
  code: JsonRpcErrorCode.InternalError,
  message: 'Internal error',
};

/**
 * The 400 for a session's request in a protocol version we do not speak, worded as the SDK's
 * transport words it, for the requests answered without a transport (a hibernated session's
 * DELETE).
 */
export function sdkUnsupportedProtocolVersion(
  requested: string,
  supported: readonly string[],
): HttpJsonRpcError {
  return {
    status: 400,
    code: JsonRpcErrorCode.ServerError,
    message: `Bad Request: Unsupported protocol version: ${requested} (supported versions: ${supported.join(', ')})`,
  };
}
