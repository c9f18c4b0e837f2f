import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { InboundRequest } from './inbound-request.js';
import { parseMessage } from './json-rpc-message.js';
import type { SessionProtocolRules } from './session-protocol-rules.js';

/** A request the transport refuses: the status, and the JSON-RPC error as the SDK transport words it. */
export interface Refusal {
  readonly status: number;
  readonly code: number;
  readonly message: string;
}

/** The most messages a POST's batch may hold. */
export const MAX_BATCH_SIZE = 100;

function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';')[0].trim().toLowerCase() === 'application/json';
}

/** The refusal of a POST that does not accept both answers' types or is not JSON. */
export function postHeadersRefusal(request: InboundRequest): Refusal | undefined {
  const accept = request.headers.accept;
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
    return {
      status: 406,
      code: -32000,
      message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
    };
  }
  if (!isJsonContentType(request.headers['content-type'])) {
    return {
      status: 415,
      code: -32000,
      message: 'Unsupported Media Type: Content-Type must be application/json',
    };
  }
  return undefined;
}

/** The refusal of a `GET` that does not accept an SSE stream. */
export function getHeadersRefusal(request: InboundRequest): Refusal | undefined {
  if (request.headers.accept?.includes('text/event-stream')) return undefined;
  return {
    status: 406,
    code: -32000,
    message: 'Not Acceptable: Client must accept text/event-stream',
  };
}

/**
 * The parsed body of a POST within `limit` bytes, or the refusal of a body too large or not JSON.
 * The endpoint hands over a parsed body; only a request given without one is read here.
 */
export async function readPostBody(
  request: InboundRequest,
  limit: number,
): Promise<{ body: unknown } | { refusal: Refusal }> {
  if (request.parsedBody !== undefined) return { body: request.parsedBody };
  const tooLarge = {
    refusal: {
      status: 413,
      code: -32000,
      message: `Payload Too Large: Request body must not exceed ${limit} bytes`,
    },
  };
  if (Number(request.headers['content-length']) > limit) return tooLarge;
  try {
    const text = await request.readText();
    if (Buffer.byteLength(text) > limit) return tooLarge;
    return { body: JSON.parse(text) };
  } catch {
    return { refusal: { status: 400, code: -32700, message: 'Parse error: Invalid JSON' } };
  }
}

/** The messages of a POST's body, or the refusal of a batch too large or of a malformed message. */
export function messagesOf(
  body: unknown,
  rules: SessionProtocolRules,
): { messages: JSONRPCMessage[] } | { refusal: Refusal } {
  if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
    return {
      refusal: {
        status: 400,
        code: -32600,
        message: `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`,
      },
    };
  }
  try {
    const parse = rules.parseMessage;
    const messages = Array.isArray(body)
      ? body.map((value) => parseMessage(value, parse))
      : [parseMessage(body, parse)];
    return { messages };
  } catch {
    return {
      refusal: { status: 400, code: -32700, message: 'Parse error: Invalid JSON-RPC message' },
    };
  }
}

/**
 * The refusal of a request that does not name the session `sessionId` once it is initialized;
 * none for a stateless request's transport (`sessionId` undefined).
 */
export function sessionRefusal(
  request: InboundRequest,
  sessionId: string | undefined,
  initialized: boolean,
): Refusal | undefined {
  if (sessionId === undefined) return undefined;
  if (!initialized) {
    return { status: 400, code: -32000, message: 'Bad Request: Server not initialized' };
  }
  const named = request.headers['mcp-session-id'];
  if (!named) {
    return {
      status: 400,
      code: -32000,
      message: 'Bad Request: Mcp-Session-Id header is required',
    };
  }
  if (named !== sessionId) return { status: 404, code: -32001, message: 'Session not found' };
  return undefined;
}

/** The refusal of a request whose `MCP-Protocol-Version` the SDK line does not speak. */
export function versionRefusal(
  request: InboundRequest,
  rules: SessionProtocolRules,
): Refusal | undefined {
  const version = request.headers['mcp-protocol-version'];
  const supported = rules.supportedProtocolVersions;
  if (version === undefined || supported.includes(version)) return undefined;
  return {
    status: 400,
    code: -32000,
    message: `Bad Request: Unsupported protocol version: ${version} (supported versions: ${supported.join(', ')})`,
  };
}
