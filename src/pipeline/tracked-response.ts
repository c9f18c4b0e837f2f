import type { McpSession } from '../session/mcp-session.js';

/**
 * What an open response is to the endpoint, for idleness and shutdown: a request in flight on a
 * session (with the request ids it claimed there), a session's open `GET` stream, or a response
 * that belongs to no session held here (stateless, forwarded to another replica, or a `DELETE`,
 * which ends its session itself).
 */
export type TrackedResponse =
  | { kind: 'request'; session: McpSession; requestIds: ReadonlyArray<string | number> }
  | { kind: 'stream'; session: McpSession }
  | { kind: 'sessionless' };
