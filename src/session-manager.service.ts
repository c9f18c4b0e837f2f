import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  SUPPORTED_PROTOCOL_VERSIONS,
  type InitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Observable, Subject } from 'rxjs';
import { checkDnsRebinding } from './http/dns-rebinding.js';
import {
  findInitialize,
  hasInitializedNotification,
  readJsonRpcBody,
  requestIdsOf,
} from './http/json-rpc-body.js';
import {
  INTERNAL_ERROR,
  methodNotAllowed,
  principalQuotaReached,
  REQUEST_ID_IN_FLIGHT,
  SESSION_ID_MALFORMED,
  SESSION_ID_REQUIRED,
  SESSION_MOVED,
  SESSION_NOT_FOUND,
  SESSION_NOT_RESUMED,
  SESSION_STORE_UNAVAILABLE,
  sdkUnsupportedProtocolVersion,
  SHUTTING_DOWN,
  tooManySessions,
  unsupportedProtocolVersion,
  writeJsonRpcError,
  type HttpJsonRpcError,
} from './http/json-rpc-error.js';
import { serveNodeRequest } from './http/node-bridge.js';
import type { HttpResponse } from './http/http-response.js';
import { endResponse, OpenResponses } from './http/open-responses.js';
import type { SessionCluster } from './cluster/session-cluster.js';
import { ClusterSessionRouter, type SessionHost } from './cluster/cluster-session-router.js';
import { SessionRecordKeeper } from './cluster/session-record-keeper.js';
import { SessionIdTakenError } from './cluster/redis-session-registry.js';
import { LiveSessionBuilder, type LiveSessionCallbacks } from './live-session.builder.js';
import { MCP_SESSION_OPTIONS } from './mcp-session.constants.js';
import type { ResolvedMcpSessionOptions } from './mcp-session-options.resolver.js';
import type { McpServerFactory, McpServerInstance } from './mcp-server-factory.js';
import { actInBatches, sweepInSlices } from './sweep.js';
import { answerCutRequests, type RequestsInFlight, writeCutAnswers } from './shutdown-answers.js';
import type { SessionExchange } from './session-exchange.js';
import { SessionTable } from './session-table.js';
import { createServer, findServerFactory } from './mcp-server-factory.resolver.js';
import type { SessionCloseReason, SessionEvent } from './session-events.js';
import { type LiveSession, McpSession, type SessionInfo, type SessionLimits } from './session.js';

type ManagerState = 'created' | 'running' | 'draining' | 'stopped';

/** A lifecycle event before it is stamped with its time. */
type SessionEventWithoutTime = SessionEvent extends infer E
  ? E extends SessionEvent
    ? Omit<E, 'at'>
    : never
  : never;

/** How long the answers to requests cut by the shutdown grace period get to be written. */
const ANSWER_FLUSH_MS = 1_000;

/** Session ids are visible ASCII only (0x21–0x7E), as the transport specification requires. */
const SESSION_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

/**
 * Manages the MCP Streamable HTTP sessions of one endpoint: creates them on `initialize`, routes
 * requests to them by `Mcp-Session-Id`, binds them to their principal, expires idle ones, and
 * drains them at shutdown. A manager runs once: it cannot be started again after shutdown.
 *
 * @publicApi
 */
@Injectable()
export class SessionManager
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(SessionManager.name);
  private readonly sessions = new SessionTable();
  /** Servers of stateless requests being served, with their transport and request ids. */
  private readonly statelessServers = new Map<McpServerInstance, RequestsInFlight>();
  private readonly lifecycle = new Subject<SessionEvent>();
  private state: ManagerState = 'created';
  private serverFactory!: McpServerFactory;
  private readonly openResponses = new OpenResponses();
  private readonly builder: LiveSessionBuilder;
  private readonly limits: SessionLimits;
  /** This replica's membership of the cluster, with `sessionStore: 'redis'`. */
  private readonly cluster: SessionCluster | undefined;
  /** Keeps the cluster's records of the sessions held here up to date. */
  private readonly records: SessionRecordKeeper | undefined;
  /** Sessions released to the cluster: their requests still here are told to retry, not 404. */
  private readonly released = new WeakSet<McpSession>();
  /** Responses relayed here from the replica that holds their session, with their request ids. */
  private readonly relayed = new Map<ServerResponse, Array<string | number>>();
  /** Requests that cross replicas, with `sessionStore: 'redis'`. */
  private readonly router: ClusterSessionRouter | undefined;

  /**
   * Lifecycle events: a session created, hibernated, rehydrated, and closed with its reason.
   * Completes at shutdown.
   */
  readonly events$: Observable<SessionEvent> = this.lifecycle.asObservable();

  constructor(
    @Inject(MCP_SESSION_OPTIONS) private readonly options: ResolvedMcpSessionOptions,
    private readonly moduleRef: ModuleRef,
  ) {
    this.builder = new LiveSessionBuilder(options, (context) =>
      createServer(this.serverFactory, context),
    );
    this.limits = {
      idleMs: options.sessionIdleTimeoutMs,
      lifetimeMs: options.maxSessionLifetimeMs,
    };
    this.cluster = options.cluster;
    if (this.cluster) {
      this.records = new SessionRecordKeeper(this.cluster, this.limits);
      this.router = new ClusterSessionRouter(
        this.cluster,
        this.records,
        this.sessions,
        this.limits,
        this.asSessionHost(),
      );
    }
  }

  /** What the cluster router may do with the sessions held here. */
  private asSessionHost(): SessionHost {
    return {
      isDraining: () => this.state === 'draining',
      lookup: (sessionId, principal) => this.lookup(sessionId, principal),
      serveOnSession: (session, exchange) => this.serveOnSession(session, exchange),
      trackRelayed: (res, requestIds) => {
        this.relayed.set(res, requestIds);
        res.once('close', () => this.relayed.delete(res));
        this.track(res, undefined, false);
      },
      terminate: (session, reason) => this.terminate(session, reason),
      endUnheld: async (sessionId, principal, reason) => {
        this.publish({ type: 'closed', sessionId, principal, reason });
        await this.purgeEvents(sessionId);
      },
    };
  }

  /**
   * Finds the application's server factory and starts admitting requests; in a cluster, starts
   * serving the requests other replicas forward here.
   */
  onModuleInit(): Promise<void> | undefined {
    if (this.state !== 'created') {
      throw new Error(
        `SessionManager has already been ${this.state === 'stopped' ? 'shut down' : 'started'}; a manager runs once. Create a new application to serve again.`,
      );
    }
    this.serverFactory = findServerFactory(this.moduleRef);
    this.state = 'running';
    return this.cluster?.join({
      serve: (request, res) => this.router!.serveForwarded(request, res),
      close: ({ sessionId, reason }) => {
        const session = this.sessions.get(sessionId);
        if (session) void this.terminate(session, reason);
      },
      revoke: (sessionId) => this.drop([sessionId]),
      drop: (sessionIds) => this.drop(sessionIds),
      busyRenewals: () => this.records!.busyRenewals(this.sessions.values()),
      heldSessionIds: () => this.sessions.ids(),
    });
  }

  /**
   * Stops admitting work, ends streams, waits for in-flight requests, then closes every session. In
   * a cluster, sessions are not closed but released, at once when quiet, else once drained: the
   * other replicas take them over at their next request.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'draining';
    for (const session of this.sessions.values())
      session.live?.transport.closeStandaloneSSEStream();
    if (this.cluster) {
      const quiet = [...this.sessions.values()].filter((session) =>
        session.isQuietFor(Date.now(), 0),
      );
      await Promise.all(quiet.map((session) => this.release(session, SHUTTING_DOWN)));
    }
    const drained = await this.openResponses.drained(this.options.shutdownGracePeriodMs);
    if (!drained) {
      this.logger.warn(
        `Shutdown grace period elapsed with ${this.openResponses.size} request(s) in flight; closing them.`,
      );
      await this.answerCutRequests();
    }
    if (this.cluster) {
      const sessions = [...this.sessions.values()];
      await Promise.all(sessions.map((session) => this.release(session, SHUTTING_DOWN)));
    } else {
      await this.terminateAll('shutdown');
    }
    await Promise.all([...this.statelessServers.keys()].map((server) => this.closeServer(server)));
    this.openResponses.endAll(SHUTTING_DOWN);
    this.state = 'stopped';
  }

  /** Releases what outlives the sessions: the event stream and a store the module created. */
  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    this.state = 'stopped';
    this.lifecycle.complete();
    if (this.options.ownsEventStore) await this.options.eventStore?.close?.();
    await this.cluster?.leave();
  }

  /**
   * Serves one request to the MCP endpoint (POST, GET or DELETE; anything else gets 405). Mount it
   * in your own controller, with `@Req()` and `@Res()`, when the built-in controller is turned off.
   */
  async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (error) {
      this.logger.error(`Unhandled error serving ${req.method} ${req.url}`, (error as Error).stack);
      writeJsonRpcError(res, INTERNAL_ERROR);
    }
  }

  /** The open sessions (in a cluster, those this replica holds). */
  list(): SessionInfo[] {
    return [...this.sessions.values()].map((session) => session.info());
  }

  /** One open session (in a cluster, if this replica holds it), or `undefined`. */
  get(sessionId: string): SessionInfo | undefined {
    return this.sessions.get(sessionId)?.info();
  }

  /** Number of open sessions (in a cluster, of those this replica holds). */
  count(): number {
    return this.sessions.size;
  }

  /** Closes a session as if it had been deleted by the application; false if it did not exist. */
  async close(sessionId: string): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    await this.terminate(session, 'closed');
    return true;
  }

  /**
   * Hibernates a session now: its server and transport are released and only its record is kept,
   * until its next request rebuilds them. False if the session does not exist, is already
   * hibernated, or has a request in flight or a stream open.
   */
  async hibernate(sessionId: string): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    if (!session?.live || session.waking || !session.isQuietFor(Date.now(), 0)) return false;
    const live = session.hibernate();
    this.publish({ type: 'hibernated', sessionId, principal: session.principal });
    if (live) await this.closeServer(live.server);
    return true;
  }

  /** Hibernates every awake session quiet for at least `hibernateAfter`; returns how many. */
  async hibernateIdleSessions(now = Date.now()): Promise<number> {
    const quietMs = this.options.hibernateAfterMs;
    if (quietMs === null) return 0;
    const idle: McpSession[] = [];
    await sweepInSlices(this.sessions.values(), (session) => {
      if (session.live && !session.waking && session.isQuietFor(now, quietMs)) idle.push(session);
    });
    let hibernated = 0;
    await actInBatches(idle, async (session) => {
      if (await this.hibernate(session.id)) hibernated++;
    });
    return hibernated;
  }

  /** Closes every session; returns how many were closed. */
  closeAll(): Promise<number> {
    return this.terminateAll('closed');
  }

  /**
   * Closes every session idle for longer than `sessionIdleTimeout` or older than
   * `maxSessionLifetime`; returns how many. In a cluster, any replica's sweep claims the expired
   * sessions of the whole cluster, each exactly once.
   */
  async reapExpiredSessions(now = Date.now()): Promise<number> {
    if (this.router) return this.router.reapExpired(now);
    const expired: Array<{ session: McpSession; reason: SessionCloseReason }> = [];
    await sweepInSlices(this.sessions.values(), (session) => {
      const reason = session.expiry(now, this.limits);
      if (reason) expired.push({ session, reason });
    });
    await actInBatches(expired, ({ session, reason }) => this.terminate(session, reason));
    return expired.length;
  }

  /**
   * Answers every request still in flight when the grace period ends with a JSON-RPC error for its
   * own id, on its own stream, so that clients fail fast instead of waiting for their timeout.
   */
  private async answerCutRequests(): Promise<void> {
    const inFlight: RequestsInFlight[] = [...this.statelessServers.values()];
    for (const session of this.sessions.values()) {
      const requestIds = session.inFlightRequestIds();
      if (session.live && requestIds.length > 0) {
        inFlight.push({ transport: session.live.transport, requestIds });
      }
    }
    for (const [res, requestIds] of this.relayed) writeCutAnswers(res, requestIds);
    await Promise.all(inFlight.map((requests) => answerCutRequests(requests)));
    // The transports write the answers asynchronously: let those responses end on their own
    // before closing what is left, which would otherwise write its own error first.
    await this.openResponses.drained(ANSWER_FLUSH_MS);
  }

  /** Lets go of sessions held here that another replica took over (or that ended elsewhere). */
  private drop(sessionIds: string[]): void {
    for (const id of sessionIds) {
      const session = this.sessions.get(id);
      if (session) void this.release(session, SESSION_MOVED);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.state === 'created' || this.state === 'stopped') {
      return writeJsonRpcError(res, SHUTTING_DOWN);
    }
    const rejected = checkDnsRebinding(req, this.options.security);
    if (rejected) return writeJsonRpcError(res, rejected);
    if (this.options.stateless) {
      if (req.method !== 'POST') return writeJsonRpcError(res, methodNotAllowed('POST'));
      return this.serveStateless(req, res);
    }
    if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
      return writeJsonRpcError(res, methodNotAllowed('GET, POST, DELETE'));
    }
    const header = req.headers['mcp-session-id'];
    if (header === undefined || header === '') return this.serveWithoutSession(req, res);
    if (typeof header !== 'string' || !SESSION_ID_PATTERN.test(header)) {
      return writeJsonRpcError(res, SESSION_ID_MALFORMED);
    }
    return this.serveSession(header, req, res);
  }

  private async serveSession(sessionId: string, req: IncomingMessage, res: ServerResponse) {
    if (this.state === 'draining' && req.method === 'GET') {
      return writeJsonRpcError(res, SHUTTING_DOWN);
    }
    const principal = this.options.principalResolver(req);
    const session = this.lookup(sessionId, principal);
    if (!session && !this.router) return writeJsonRpcError(res, SESSION_NOT_FOUND);
    let body: unknown;
    if (req.method === 'POST') {
      const parsed = await readJsonRpcBody(req, this.options.maxRequestBodySize);
      if ('error' in parsed) return writeJsonRpcError(res, parsed.error);
      body = parsed.body;
    }
    const exchange: SessionExchange = {
      method: req.method!,
      protocolVersion: req.headers['mcp-protocol-version'],
      body,
      res,
      serve: (transport) => serveNodeRequest(transport, req, res, body),
    };
    if (session) return this.serveOnSession(session, exchange);
    return this.router!.serve(sessionId, principal, req, exchange);
  }

  /** Serves a request on a session this replica holds, waking the session if it hibernates. */
  private async serveOnSession(session: McpSession, exchange: SessionExchange): Promise<void> {
    const { res, body } = exchange;
    // Past its heartbeat, another replica may be taking this replica's sessions over.
    if (this.cluster && !this.cluster.isFresh()) {
      return writeJsonRpcError(res, SESSION_STORE_UNAVAILABLE);
    }
    let requestIds: Array<string | number> = [];
    if (exchange.method === 'POST') {
      requestIds = requestIdsOf(body);
      // While draining, only answers and notifications (which may finish calls in flight) pass.
      if (this.state === 'draining' && requestIds.length > 0) {
        return writeJsonRpcError(res, SHUTTING_DOWN);
      }
      if (!session.claimRequestIds(requestIds)) {
        return writeJsonRpcError(res, REQUEST_ID_IN_FLIGHT);
      }
      if (!session.clientInitialized && hasInitializedNotification(body)) {
        session.clientInitialized = true;
        this.records?.clientInitialized(session);
      }
    }
    if (exchange.method === 'DELETE' && !session.live) {
      return this.deleteHibernated(session, exchange);
    }
    // A DELETE ends the session itself, so it is not one of the requests that keep it open.
    this.track(
      res,
      exchange.method === 'DELETE' ? undefined : session,
      exchange.method === 'GET',
      requestIds,
    );
    let live: LiveSession;
    try {
      live = session.live ?? (await this.wake(session));
    } catch (error) {
      if (!this.sessions.holds(session)) {
        return writeJsonRpcError(
          res,
          this.released.has(session) ? SESSION_MOVED : SESSION_NOT_FOUND,
        );
      }
      this.logger.error(`Waking session ${session.id} failed`, (error as Error).stack);
      return writeJsonRpcError(res, SESSION_NOT_RESUMED);
    }
    await exchange.serve(live.transport);
  }

  /** Rebuilds a hibernated session once, however many requests wait for it. */
  private wake(session: McpSession): Promise<LiveSession> {
    session.waking ??= this.rehydrate(session).finally(() => {
      session.waking = undefined;
    });
    return session.waking;
  }

  private async rehydrate(session: McpSession): Promise<LiveSession> {
    const live = await this.builder.build(session, this.callbacksFor(session));
    try {
      await this.builder.replayInitialization(live, session);
      if (!this.sessions.holds(session)) {
        throw new Error(`Session ${session.id} ended while it was being resumed`);
      }
    } catch (error) {
      await this.closeServer(live.server);
      throw error;
    }
    session.live = live;
    this.publish({ type: 'rehydrated', sessionId: session.id, principal: session.principal });
    return live;
  }

  /** A DELETE needs no server: a hibernated session is ended without being rebuilt. */
  private async deleteHibernated(session: McpSession, exchange: SessionExchange): Promise<void> {
    const { res, protocolVersion: version } = exchange;
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return writeJsonRpcError(
        res,
        sdkUnsupportedProtocolVersion(version, SUPPORTED_PROTOCOL_VERSIONS),
      );
    }
    await this.terminate(session, 'deleted');
    res.writeHead(200);
    res.end();
  }

  private callbacksFor(session: McpSession): LiveSessionCallbacks {
    return {
      onDeleted: () => this.terminate(session, 'deleted'),
      // A transport the manager closed itself (hibernation, termination) is no longer the
      // session's; only an unexpected close ends the session.
      onClosed: (live) => {
        if (session.live === live) void this.terminate(session, 'closed');
      },
    };
  }

  private async serveWithoutSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.state === 'draining') return writeJsonRpcError(res, SHUTTING_DOWN);
    if (req.method !== 'POST') return writeJsonRpcError(res, this.missingSessionError(req));
    const parsed = await readJsonRpcBody(req, this.options.maxRequestBodySize);
    if ('error' in parsed) return writeJsonRpcError(res, parsed.error);
    const initialize = findInitialize(parsed.body);
    if (!initialize) return writeJsonRpcError(res, this.missingSessionError(req));
    return this.openSession(req, res, parsed.body, initialize);
  }

  /** The 400 for a request without a session id: -32022 when its protocol version is unknown. */
  private missingSessionError(req: IncomingMessage): HttpJsonRpcError {
    const requested = req.headers['mcp-protocol-version'];
    if (typeof requested === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(requested)) {
      return unsupportedProtocolVersion(requested, SUPPORTED_PROTOCOL_VERSIONS);
    }
    return SESSION_ID_REQUIRED;
  }

  private async openSession(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    initialize: InitializeRequest,
  ): Promise<void> {
    if (!this.cluster && this.sessions.occupancy >= this.options.maxSessions) {
      return writeJsonRpcError(res, this.sessionsFull());
    }
    const principal = this.options.principalResolver(req);
    const quota = this.options.maxSessionsPerPrincipal;
    if (
      !this.cluster &&
      principal !== undefined &&
      quota !== null &&
      this.sessions.sessionsOf(principal) >= quota
    ) {
      return writeJsonRpcError(res, principalQuotaReached(quota));
    }
    const sessionId = this.options.sessionIdGenerator();
    if (typeof sessionId !== 'string' || !SESSION_ID_PATTERN.test(sessionId)) {
      throw new Error(
        'sessionIdGenerator returned an id that is not 1–256 visible ASCII characters',
      );
    }
    const session = new McpSession(sessionId, principal, Date.now());
    session.describeClient(initialize);
    if (this.records) {
      const refused = await this.reserveInCluster(this.records, session);
      if (refused) return writeJsonRpcError(res, refused);
    }
    this.sessions.reserve(principal);
    let registered = false;
    let live: LiveSession | undefined;
    try {
      live = await this.builder.build(session, {
        ...this.callbacksFor(session),
        onInitialized: () => {
          registered = true;
          session.live = live;
          this.sessions.admit(session);
          this.publish({ type: 'created', sessionId, principal });
        },
      });
      this.track(res, session, false);
      await serveNodeRequest(live.transport, req, res, body);
      // A session whose initialize failed after it was registered is unknown to its client.
      if (registered && res.statusCode !== 200) await this.terminate(session, 'error');
    } finally {
      if (!registered) {
        this.sessions.cancel(principal);
        if (live) await this.closeServer(live.server);
        await this.records?.remove(session);
        await this.purgeEvents(sessionId);
      }
    }
  }

  /**
   * Writes a new session's record to the cluster, owned here, unless the cluster holds
   * `maxSessions` or the principal its quota; returns the error to answer then.
   */
  private async reserveInCluster(
    records: SessionRecordKeeper,
    session: McpSession,
  ): Promise<HttpJsonRpcError | undefined> {
    try {
      const refusal = await records.reserve(session, {
        maxSessions: this.options.maxSessions,
        maxSessionsPerPrincipal: this.options.maxSessionsPerPrincipal,
      });
      if (refusal === 'full') return this.sessionsFull();
      if (refusal === 'quota') return principalQuotaReached(this.options.maxSessionsPerPrincipal!);
      return undefined;
    } catch (error) {
      if (error instanceof SessionIdTakenError) throw error;
      this.logger.warn(`Registering a session failed: ${(error as Error).message}`);
      return SESSION_STORE_UNAVAILABLE;
    }
  }

  /** The 503 of an endpoint that holds `maxSessions`. */
  private sessionsFull(): HttpJsonRpcError {
    return tooManySessions(this.options.maxSessions, this.options.reapIntervalMs);
  }

  private publish(event: SessionEventWithoutTime): void {
    this.lifecycle.next({ ...event, at: new Date() } as SessionEvent);
  }

  private async serveStateless(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.state === 'draining') return writeJsonRpcError(res, SHUTTING_DOWN);
    const parsed = await readJsonRpcBody(req, this.options.maxRequestBodySize);
    if ('error' in parsed) return writeJsonRpcError(res, parsed.error);
    if (!findInitialize(parsed.body)) {
      const versionError = this.missingSessionError(req);
      if (versionError !== SESSION_ID_REQUIRED) return writeJsonRpcError(res, versionError);
    }
    const server = await createServer(this.serverFactory, {
      sessionId: undefined,
      principal: this.options.principalResolver(req),
      state: {},
    });
    const transport = this.builder.buildStatelessTransport();
    this.statelessServers.set(server, { transport, requestIds: requestIdsOf(parsed.body) });
    res.once('close', () => void this.closeServer(server));
    this.track(res, undefined, false);
    await server.connect(transport);
    await serveNodeRequest(transport, req, res, parsed.body);
  }

  /**
   * The live session for an id, if the request's principal owns it and it has not expired. An
   * expired session found here is closed at once, before the reaper's next sweep.
   */
  private lookup(sessionId: string, principal: string | undefined): McpSession | undefined {
    const session = this.sessions.get(sessionId);
    if (!session || session.principal !== principal) return undefined;
    const expiry = session.expiry(Date.now(), this.limits);
    if (expiry) {
      void this.terminate(session, expiry);
      return undefined;
    }
    return session;
  }

  /**
   * Counts a request as in flight until its response closes, for idleness and shutdown; its
   * request ids, claimed on the session, are released then.
   */
  private track(
    res: HttpResponse,
    session: McpSession | undefined,
    isStream: boolean,
    requestIds: Array<string | number> = [],
  ): void {
    if (session) this.records?.requestStarted(session);
    session?.begin(res, isStream, Date.now());
    this.openResponses.add(res, () => {
      if (!session) return;
      session.end(res, isStream, Date.now(), requestIds);
      if (this.records && this.sessions.holds(session)) {
        this.records.requestEnded(session);
      }
    });
  }

  /** Terminates every session for `reason`; returns how many there were. */
  private async terminateAll(reason: SessionCloseReason): Promise<number> {
    const sessions = [...this.sessions.values()];
    await Promise.all(sessions.map((session) => this.terminate(session, reason)));
    return sessions.length;
  }

  /** Removes a session once: publishes its end, closes its server and streams, purges its events. */
  private async terminate(session: McpSession, reason: SessionCloseReason): Promise<void> {
    if (!this.sessions.remove(session)) return;
    this.publish({ type: 'closed', sessionId: session.id, principal: session.principal, reason });
    // First out of the registry, so that no replica takes the session over while it closes.
    await this.records?.remove(session);
    const { live } = session;
    session.live = undefined;
    if (live) await this.closeServer(live.server);
    // The SDK transport leaves a pending JSON response open when it closes; answer it here.
    const error = reason === 'shutdown' ? SHUTTING_DOWN : SESSION_NOT_FOUND;
    for (const res of session.openResponses()) endResponse(res, error);
    await this.purgeEvents(session.id);
  }

  /**
   * Lets a session held here go on elsewhere in the cluster: closes its server and its open
   * responses (with `error`), and, unless another replica already took it, saves its state and
   * gives up its ownership, so that the next replica to get one of its requests takes it over.
   */
  private async release(session: McpSession, error: HttpJsonRpcError): Promise<void> {
    if (!this.sessions.remove(session)) return;
    this.released.add(session);
    this.publish({ type: 'released', sessionId: session.id, principal: session.principal });
    const open = session.openResponses();
    const live = session.hibernate();
    if (live) await this.closeServer(live.server);
    for (const res of open) endResponse(res, error);
    await this.records!.release(session);
  }

  private async closeServer(server: McpServerInstance): Promise<void> {
    this.statelessServers.delete(server);
    try {
      await server.close();
    } catch (error) {
      this.logger.warn(`Closing an MCP server failed: ${(error as Error).message}`);
    }
  }

  private async purgeEvents(sessionId: string): Promise<void> {
    try {
      await this.options.eventStore?.purgeSession(sessionId);
    } catch (error) {
      this.logger.warn(
        `Purging the events of session ${sessionId} failed: ${(error as Error).message}`,
      );
    }
  }
}
