import type { Implementation, InitializeRequest } from '../protocol/json-rpc.js';
import type { SessionInfo } from './session-info.js';
import {
  LATEST_LEGACY_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
} from '../protocol/legacy-protocol.js';
import { flatString } from '../shared/flat-string.js';
import type { HttpResponse } from '../http/http-response.js';
import type { McpTransport } from '../server/mcp-transport.interface.js';
import type { McpServerInstance } from '../server/mcp-server-factory.interface.js';

/** Session ids are visible ASCII only (0x21–0x7E), as the transport specification requires. */
export const SESSION_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

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
  transport: McpTransport;
  /** The transport's event recording, muted while a rebuild replays `initialize`. */
  events: EventMute | undefined;
}

/** What a request is to its session: a call (or answer) in flight, or an open `GET` stream. */
export type SessionActivity = 'request' | 'stream';

/** What it takes to rebuild a session elsewhere (another replica, or after hibernation). */
export interface SessionSnapshot {
  id: string;
  principal: string | undefined;
  createdAt: number;
  protocolVersion: string | undefined;
  clientInfo: Implementation | undefined;
  /** The client's `initialize` request, as JSON. */
  initializeJson: string;
  clientInitialized: boolean;
  state: Record<string, unknown>;
}

/**
 * A session: its record (what it takes to rebuild it), and while it is awake, its server and
 * transport. The record is what a hibernated session keeps. Its state changes only through its
 * own methods.
 */
export class McpSession {
  readonly createdAt: number;
  private lastActivity: number;
  private requestsInFlight = 0;
  private streamsOpen = 0;
  private negotiatedVersion: string | undefined;
  private client: Implementation | undefined;
  /**
   * The client's `initialize` request, serialized (a string costs far less than the parsed
   * message), replayed to rebuild the session after hibernation.
   */
  private initialize: string | undefined;
  /** Whether the client sent `notifications/initialized`, replayed with `initialize`. */
  private initialized = false;
  /** The server and transport; `undefined` while hibernated. */
  private awake: LiveSession | undefined;
  /** The rebuild in progress, shared by every request that wakes the session at once. */
  private waking: Promise<LiveSession> | undefined;
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
    this.lastActivity = now;
  }

  /** A session rebuilt from its snapshot, hibernated, active at `now`: its next request wakes it. */
  static restore(snapshot: SessionSnapshot, now: number): McpSession {
    const session = new McpSession(
      snapshot.id,
      snapshot.principal,
      snapshot.createdAt,
      snapshot.state,
    );
    session.lastActivity = now;
    session.negotiatedVersion = snapshot.protocolVersion;
    session.client = snapshot.clientInfo;
    session.initialize = snapshot.initializeJson;
    session.initialized = snapshot.clientInitialized;
    return session;
  }

  /** When the last request ended (or began, while one is in flight). */
  get lastActivityAt(): number {
    return this.lastActivity;
  }

  /** The protocol version negotiated at `initialize`. */
  get protocolVersion(): string | undefined {
    return this.negotiatedVersion;
  }

  get clientInfo(): Implementation | undefined {
    return this.client;
  }

  /** The client's `initialize` request, as JSON. */
  get initializeJson(): string | undefined {
    return this.initialize;
  }

  /** Whether the client sent `notifications/initialized`. */
  get clientInitialized(): boolean {
    return this.initialized;
  }

  /** The server and transport; `undefined` while the session hibernates. */
  get live(): LiveSession | undefined {
    return this.awake;
  }

  /** Requests in flight, streams excluded. */
  get inFlightRequests(): number {
    return this.requestsInFlight;
  }

  /** Open standalone `GET` streams. */
  get openStreams(): number {
    return this.streamsOpen;
  }

  /** True while awake and not being rebuilt: what hibernation may release. */
  get isSettledAwake(): boolean {
    return this.awake !== undefined && this.waking === undefined;
  }

  /** Records what the client's `initialize` says of it, and the protocol version it will speak. */
  describeClient(initialize: InitializeRequest): void {
    const requested = initialize.params.protocolVersion;
    this.negotiatedVersion = LEGACY_PROTOCOL_VERSIONS.includes(requested)
      ? requested
      : LATEST_LEGACY_PROTOCOL_VERSION;
    this.client = initialize.params.clientInfo;
    this.initialize = flatString(JSON.stringify(initialize));
  }

  /** Records `notifications/initialized`; true the first time, when it changes the record. */
  markClientInitialized(): boolean {
    if (this.initialized) return false;
    this.initialized = true;
    return true;
  }

  /** Gives the session its server and transport. */
  attach(live: LiveSession): void {
    this.awake = live;
  }

  /**
   * The live part, rebuilt with `rebuild` when the session hibernates: once, however many requests
   * wake the session at once.
   */
  wake(rebuild: () => Promise<LiveSession>): Promise<LiveSession> {
    if (this.awake) return Promise.resolve(this.awake);
    this.waking ??= rebuild()
      .then((live) => {
        this.awake = live;
        return live;
      })
      .finally(() => {
        this.waking = undefined;
      });
    return this.waking;
  }

  /**
   * Releases the live part and what only a live session needs, keeping the record; the caller
   * checks that the session is quiet, or is ending it. Returns the released server and transport.
   */
  detach(): LiveSession | undefined {
    const live = this.awake;
    this.awake = undefined;
    this.requestIds = undefined;
    this.responses = undefined;
    return live;
  }

  /** Counts a request (or stream) as started. */
  begin(res: HttpResponse, activity: SessionActivity, now: number): void {
    (this.responses ??= new Set()).add(res);
    if (activity === 'stream') this.streamsOpen++;
    else this.requestsInFlight++;
    this.lastActivity = now;
  }

  /**
   * Counts a request (or stream) as finished, and its request ids as answered: idleness is
   * measured from here.
   */
  end(
    res: HttpResponse,
    activity: SessionActivity,
    now: number,
    requestIds: ReadonlyArray<string | number>,
  ): void {
    this.responses?.delete(res);
    for (const id of requestIds) this.requestIds?.delete(id);
    if (activity === 'stream') this.streamsOpen--;
    else this.requestsInFlight--;
    this.lastActivity = now;
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

  /** True when nothing is in flight and the session has been quiet for at least `quietMs`. */
  isQuietFor(now: number, quietMs: number): boolean {
    return (
      this.requestsInFlight === 0 && this.streamsOpen === 0 && now - this.lastActivity >= quietMs
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
      lastActivityAt: new Date(this.lastActivity),
      inFlightRequests: this.requestsInFlight,
      openStreams: this.streamsOpen,
      principal: this.principal,
      protocolVersion: this.protocolVersion,
      clientInfo: this.clientInfo,
      hibernated: this.awake === undefined,
    };
  }
}
