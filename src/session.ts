import type { ServerResponse } from 'node:http';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerInstance } from './mcp-server-factory.js';

/**
 * A read-only view of a live session, as the introspection API returns it.
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
}

/** How long sessions may live: idle, and in all. `null` means no limit. */
export interface SessionLimits {
  idleMs: number | null;
  lifetimeMs: number | null;
}

/** A live session: its record, its server and transport, and what keeps it busy. */
export class McpSession {
  readonly createdAt: number;
  lastActivityAt: number;
  inFlightRequests = 0;
  openStreams = 0;
  /** Responses still open, so that closing the session can end those the transport leaves open. */
  readonly openResponses = new Set<ServerResponse>();
  protocolVersion: string | undefined;
  clientInfo: Implementation | undefined;

  constructor(
    readonly id: string,
    readonly principal: string | undefined,
    readonly server: McpServerInstance,
    readonly transport: StreamableHTTPServerTransport,
    now: number,
  ) {
    this.createdAt = now;
    this.lastActivityAt = now;
  }

  /** Counts a request (or stream) as started. */
  begin(res: ServerResponse, isStream: boolean, now: number): void {
    this.openResponses.add(res);
    if (isStream) this.openStreams++;
    else this.inFlightRequests++;
    this.lastActivityAt = now;
  }

  /** Counts a request (or stream) as finished: idleness is measured from here. */
  end(res: ServerResponse, isStream: boolean, now: number): void {
    this.openResponses.delete(res);
    if (isStream) this.openStreams--;
    else this.inFlightRequests--;
    this.lastActivityAt = now;
  }

  /**
   * Why the session is over at `now`, if it is: `expired` past its absolute lifetime; `idle` when
   * nothing is in flight and it has been quiet for at least the idle timeout.
   */
  expiry(now: number, limits: SessionLimits): 'idle' | 'expired' | undefined {
    if (limits.lifetimeMs !== null && now - this.createdAt >= limits.lifetimeMs) return 'expired';
    if (limits.idleMs === null || this.inFlightRequests > 0 || this.openStreams > 0)
      return undefined;
    return now - this.lastActivityAt >= limits.idleMs ? 'idle' : undefined;
  }

  info(): SessionInfo {
    return {
      id: this.id,
      createdAt: new Date(this.createdAt),
      lastActivityAt: new Date(this.lastActivityAt),
      inFlightRequests: this.inFlightRequests,
      openStreams: this.openStreams,
      principal: this.principal,
      protocolVersion: this.protocolVersion,
      clientInfo: this.clientInfo,
    };
  }
}
