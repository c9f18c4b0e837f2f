import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Implementation,
  type InitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { flatString } from './flat-string.js';
import type { HttpResponse } from './http/http-response.js';
import type { McpServerInstance } from './mcp-server-factory.js';

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

/** How long sessions may live: idle, and in all. `null` means no limit. */
export interface SessionLimits {
  idleMs: number | null;
  lifetimeMs: number | null;
}

/** A switch that keeps a transport's events out of the event store while it is on. */
export interface EventMute {
  muted: boolean;
}

/** The parts of a session that hibernation releases: its server and its transport. */
export interface LiveSession {
  server: McpServerInstance;
  transport: WebStandardStreamableHTTPServerTransport;
  /** The transport's event recording, muted while a rebuild replays `initialize`. */
  events: EventMute | undefined;
}

/**
 * A session: its record (what it takes to rebuild it), and while it is awake, its server and
 * transport. The record is what a hibernated session keeps.
 */
export class McpSession {
  readonly createdAt: number;
  lastActivityAt: number;
  inFlightRequests = 0;
  openStreams = 0;
  protocolVersion: string | undefined;
  clientInfo: Implementation | undefined;
  /**
   * The client's `initialize` request, serialized (a string costs far less than the parsed
   * message), replayed to rebuild the session after hibernation.
   */
  initializeJson: string | undefined;
  /** Whether the client sent `notifications/initialized`, replayed with `initialize`. */
  clientInitialized = false;
  /** The `state` last saved to the cluster's registry, as JSON (cluster mode only). */
  savedStateJson: string | undefined;
  /** The server and transport; `undefined` while hibernated. */
  live: LiveSession | undefined;
  /** The rebuild in progress, shared by every request that wakes the session at once. */
  waking: Promise<LiveSession> | undefined;
  /**
   * Ids of the client's requests being answered: the transport routes responses by id. Created on
   * first use and released when the session hibernates, like `responses`.
   */
  private requestIds: Set<string | number> | undefined;
  /** Responses still open, so that closing the session can end those the transport leaves open. */
  private responses: Set<HttpResponse> | undefined;

  /**
   * @param state application state that survives hibernation (see `McpServerContext.state`).
   */
  constructor(
    readonly id: string,
    readonly principal: string | undefined,
    now: number,
    readonly state: Record<string, unknown> = {},
  ) {
    this.createdAt = now;
    this.lastActivityAt = now;
  }

  /** Records what the client's `initialize` says of it, and the protocol version it will speak. */
  describeClient(initialize: InitializeRequest): void {
    const requested = initialize.params.protocolVersion;
    this.protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
      ? requested
      : LATEST_PROTOCOL_VERSION;
    this.clientInfo = initialize.params.clientInfo;
    this.initializeJson = flatString(JSON.stringify(initialize));
  }

  /** Counts a request (or stream) as started. */
  begin(res: HttpResponse, isStream: boolean, now: number): void {
    (this.responses ??= new Set()).add(res);
    if (isStream) this.openStreams++;
    else this.inFlightRequests++;
    this.lastActivityAt = now;
  }

  /**
   * Counts a request (or stream) as finished, and its request ids as answered: idleness is
   * measured from here.
   */
  end(res: HttpResponse, isStream: boolean, now: number, requestIds: Array<string | number>): void {
    this.responses?.delete(res);
    for (const id of requestIds) this.requestIds?.delete(id);
    if (isStream) this.openStreams--;
    else this.inFlightRequests--;
    this.lastActivityAt = now;
  }

  /**
   * Marks request ids as in flight; false (and nothing marked) when one already is, or repeats,
   * since the transport would send one request's response to the other.
   */
  claimRequestIds(ids: Array<string | number>): boolean {
    if (ids.length === 0) return true;
    const repeated = ids.length > 1 && new Set(ids).size !== ids.length;
    if (repeated || ids.some((id) => this.requestIds?.has(id))) return false;
    this.requestIds ??= new Set();
    for (const id of ids) this.requestIds.add(id);
    return true;
  }

  /** The ids of the client's requests still being answered. */
  inFlightRequestIds(): Array<string | number> {
    return this.requestIds ? [...this.requestIds] : [];
  }

  /** The responses still open. */
  openResponses(): HttpResponse[] {
    return this.responses ? [...this.responses] : [];
  }

  /**
   * Releases the live part and what only a live session needs, keeping the record; the caller
   * checks that the session is quiet. Returns the released server and transport.
   */
  hibernate(): LiveSession | undefined {
    const { live } = this;
    this.live = undefined;
    this.requestIds = undefined;
    this.responses = undefined;
    return live;
  }

  /** True when nothing is in flight and the session has been quiet for at least `quietMs`. */
  isQuietFor(now: number, quietMs: number): boolean {
    return (
      this.inFlightRequests === 0 && this.openStreams === 0 && now - this.lastActivityAt >= quietMs
    );
  }

  /**
   * Why the session is over at `now`, if it is: `expired` past its absolute lifetime; `idle` when
   * nothing is in flight and it has been quiet for at least the idle timeout.
   */
  expiry(now: number, limits: SessionLimits): 'idle' | 'expired' | undefined {
    if (limits.lifetimeMs !== null && now - this.createdAt >= limits.lifetimeMs) return 'expired';
    if (limits.idleMs !== null && this.isQuietFor(now, limits.idleMs)) return 'idle';
    return undefined;
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
      hibernated: this.live === undefined,
    };
  }
}
