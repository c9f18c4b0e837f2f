/**
 * The JSON-RPC and MCP shapes the module's public types mention, written here so that the
 * module's declarations need neither SDK line installed: either line's messages fit them.
 */

/** A JSON-RPC 2.0 message: a request, a notification or a response. */
export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: string | number | null;
  method?: string;
  params?: { [key: string]: unknown };
  result?: unknown;
  error?: unknown;
}

/** The id of an SSE event, as an event store issues it. */
export type EventId = string;

/** The id of one SSE stream of a session. */
export type StreamId = string;

/** The name and version of an MCP client or server. */
export interface Implementation {
  name: string;
  version: string;
  title?: string;
  [key: string]: unknown;
}

/** A client's `initialize` request. */
export interface InitializeRequest {
  method: 'initialize';
  params: {
    protocolVersion: string;
    capabilities: Record<string, unknown>;
    clientInfo: Implementation;
    [key: string]: unknown;
  };
}

/** The authentication the SDK's handlers see (`extra.authInfo`), as either SDK line types it. */
export interface AuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  expiresAt?: number;
  resource?: URL;
  extra?: Record<string, unknown>;
}
