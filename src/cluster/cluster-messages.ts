import type { AuthInfo } from '../protocol/json-rpc.js';
import type { SessionCloseReason } from '../session/session-events.js';

/** A request to a session, forwarded by the replica that received it to the one that owns it. */
export interface ForwardedRequest {
  sessionId: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The parsed JSON-RPC body of a POST. */
  body?: unknown;
  /** What the receiving replica's authentication put on `req.auth`. */
  auth?: AuthInfo;
  /** The principal the receiving replica resolved, and checked against the session's. */
  principal?: string;
}

/** What replicas send each other over Redis pub/sub, each on its own channel. */
export type ClusterMessage =
  /** Serve this request (to the owner). */
  | { type: 'request'; id: string; from: string; request: ForwardedRequest }
  /** The forwarded request's client went away (to the owner). */
  | { type: 'abort'; id: string }
  /** The session has been removed from the registry; end it here (to the owner). */
  | { type: 'close'; sessionId: string; reason: SessionCloseReason }
  /** Another replica took the session over; drop it here (to the former owner). */
  | { type: 'revoke'; sessionId: string }
  /** The owner received the request (to the forwarding replica). */
  | { type: 'ack'; id: string }
  /** The owner does not hold the session (any more): look it up again (to the forwarding replica). */
  | { type: 'gone'; id: string }
  /** The response's status and headers (to the forwarding replica). */
  | { type: 'head'; id: string; status: number; headers: Record<string, string> }
  /** A piece of the response body (to the forwarding replica). */
  | { type: 'data'; id: string; chunk: string }
  /** The response is complete (to the forwarding replica). */
  | { type: 'end'; id: string };
