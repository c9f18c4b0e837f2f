import type { McpTransport } from '../server/mcp-transport.interface.js';
import type { HttpResponse } from '../http/http-response.js';

/** One request to a session: from a client of this replica, or forwarded by another replica. */
export interface SessionExchange {
  method: string;
  protocolVersion: string | string[] | undefined;
  /** The parsed JSON-RPC body of a POST. */
  body: unknown;
  res: HttpResponse;
  /** Hands the request to the session's transport and writes its response. */
  serve(transport: McpTransport): Promise<void>;
}
