import type { ScopedEventStore } from '../event-store/session-event-store.interface.js';
import type { AuthInfo } from '../protocol/json-rpc.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { SdkLine } from './sdk-lines.js';

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
  eventStore: ScopedEventStore | undefined;
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
  /** A transport of `line` (the line of the server it serves) for one session, bound to its id. */
  forSession(line: SdkLine, settings: SessionTransportSettings): McpTransport;
  /** A transport of `line` for one stateless request. */
  forStatelessRequest(line: SdkLine): McpTransport;
}
