import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * What the endpoint needs of a Streamable HTTP server transport: a transport the MCP server
 * connects to, which answers a web-standard request with a web-standard response.
 */
export interface McpTransport extends Transport {
  handleRequest(
    request: Request,
    extra?: { parsedBody?: unknown; authInfo?: AuthInfo },
  ): Promise<Response>;
  /** Ends the session's standalone `GET` stream, if one is open. */
  closeStandaloneSSEStream(): void;
}

/** What a session's transport is told when it is made. */
export interface SessionTransportSettings {
  sessionId: string;
  /** The session's event store, for resumable streams. */
  eventStore: EventStore | undefined;
  /** The transport accepted the session's first `initialize`. */
  onInitialized: () => void;
  /** The client sent `DELETE`. */
  onDeleted: () => Promise<void>;
}

/**
 * Makes the transports of the endpoint. The pipeline and the session builder know this interface
 * only, so that another implementation (another SDK line) needs no change to them.
 */
export interface McpTransportFactory {
  /** A transport for one session, bound to its id. */
  forSession(settings: SessionTransportSettings): McpTransport;
  /** A transport for one stateless request. */
  forStatelessRequest(): McpTransport;
}
