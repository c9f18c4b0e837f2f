import type { Implementation } from '../protocol/json-rpc.js';

/**
 * A read-only view of a session, as the introspection API returns it.
 *
 * @publicApi
 */
export interface SessionInfo {
  id: string;
  createdAt: Date;
  /** When the last request ended (or began, while one is in flight). */
  lastActivityAt: Date;
  /** Requests being answered now, open streams excluded. */
  inFlightRequests: number;
  /** Open standalone `GET` streams. */
  openStreams: number;
  principal: string | undefined;
  /** The protocol version negotiated at `initialize`. */
  protocolVersion: string | undefined;
  clientInfo: Implementation | undefined;
  /** True while the session holds no server or transport, only its record. */
  hibernated: boolean;
}
