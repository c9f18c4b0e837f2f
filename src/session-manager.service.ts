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
  LATEST_PROTOCOL_VERSION,
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
  JsonRpcErrorCode,
  methodNotAllowed,
  SESSION_ID_MALFORMED,
  SESSION_ID_REQUIRED,
  SESSION_NOT_FOUND,
  SHUTTING_DOWN,
  unsupportedProtocolVersion,
  writeJsonRpcError,
  type HttpJsonRpcError,
} from './http/json-rpc-error.js';
import { serveNodeRequest } from './http/node-bridge.js';
import { endResponse, OpenResponses } from './http/open-responses.js';
import { LiveSessionBuilder, type LiveSessionCallbacks } from './live-session.builder.js';
import { MCP_SESSION_OPTIONS } from './mcp-session.constants.js';
import type { ResolvedMcpSessionOptions } from './mcp-session-options.resolver.js';
import type { McpServerFactory, McpServerInstance } from './mcp-server-factory.js';
import { flatString } from './flat-string.js';
import { actInBatches, sweepInSlices } from './sweep.js';
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
  private readonly sessions = new Map<string, McpSession>();
  private readonly statelessServers = new Set<McpServerInstance>();
  private readonly lifecycle = new Subject<SessionEvent>();
  private state: ManagerState = 'created';
  private serverFactory!: McpServerFactory;
  private pendingSessions = 0;
  /** Sessions (live and opening) per principal, for `maxSessionsPerPrincipal`. */
  private readonly principalSessions = new Map<string, number>();
  private readonly openResponses = new OpenResponses();
  private readonly builder: LiveSessionBuilder;
  private readonly limits: SessionLimits;

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
  }

  /** Finds the application's server factory and starts admitting requests. */
  onModuleInit(): void {
    if (this.state !== 'created') {
      throw new Error(
        `SessionManager has already been ${this.state === 'stopped' ? 'shut down' : 'started'}; a manager runs once. Create a new application to serve again.`,
      );
    }
    this.serverFactory = findServerFactory(this.moduleRef);
    this.state = 'running';
  }

  /** Stops admitting work, ends streams, waits for in-flight requests, then closes every session. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'draining';
    for (const session of this.sessions.values())
      session.live?.transport.closeStandaloneSSEStream();
    const drained = await this.openResponses.drained(this.options.shutdownGracePeriodMs);
    if (!drained) {
      this.logger.warn(
        `Shutdown grace period elapsed with ${this.openResponses.size} request(s) in flight; closing them.`,
      );
    }
    await this.terminateAll('shutdown');
    await Promise.all([...this.statelessServers].map((server) => this.closeServer(server)));
    this.openResponses.endAll(SHUTTING_DOWN);
    this.state = 'stopped';
  }

  /** Releases what outlives the sessions: the event stream and a store the module created. */
  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    this.state = 'stopped';
    this.lifecycle.complete();
    if (this.options.ownsEventStore) await this.options.eventStore?.close?.();
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
      writeJsonRpcError(res, {
        status: 500,
        code: JsonRpcErrorCode.InternalError,
        message: 'Internal error',
      });
    }
  }

  /** The live sessions. */
  list(): SessionInfo[] {
    return [...this.sessions.values()].map((session) => session.info());
  }

  /** One live session, or `undefined`. */
  get(sessionId: string): SessionInfo | undefined {
    return this.sessions.get(sessionId)?.info();
  }

  /** Number of live sessions. */
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
   * `maxSessionLifetime`; returns how many.
   */
  async reapExpiredSessions(now = Date.now()): Promise<number> {
    const expired: Array<{ session: McpSession; reason: SessionCloseReason }> = [];
    await sweepInSlices(this.sessions.values(), (session) => {
      const reason = session.expiry(now, this.limits);
      if (reason) expired.push({ session, reason });
    });
    await actInBatches(expired, ({ session, reason }) => this.terminate(session, reason));
    return expired.length;
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
    const session = this.lookup(sessionId, req);
    if (!session) return writeJsonRpcError(res, SESSION_NOT_FOUND);
    let body: unknown;
    let requestIds: Array<string | number> = [];
    if (req.method === 'POST') {
      const parsed = await readJsonRpcBody(req, this.options.maxRequestBodySize);
      if ('error' in parsed) return writeJsonRpcError(res, parsed.error);
      body = parsed.body;
      requestIds = requestIdsOf(body);
      // While draining, only answers and notifications (which may finish calls in flight) pass.
      if (this.state === 'draining' && requestIds.length > 0) {
        return writeJsonRpcError(res, SHUTTING_DOWN);
      }
      if (!session.claimRequestIds(requestIds)) {
        return writeJsonRpcError(res, {
          status: 400,
          code: JsonRpcErrorCode.InvalidRequest,
          message: 'Invalid Request: a request with this id is already in flight on the session',
        });
      }
      if (!session.clientInitialized && hasInitializedNotification(body)) {
        session.clientInitialized = true;
      }
    }
    if (req.method === 'DELETE' && !session.live) return this.deleteHibernated(session, req, res);
    // A DELETE ends the session itself, so it is not one of the requests that keep it open.
    this.track(
      res,
      req.method === 'DELETE' ? undefined : session,
      req.method === 'GET',
      requestIds,
    );
    let live: LiveSession;
    try {
      live = session.live ?? (await this.wake(session));
    } catch (error) {
      if (this.sessions.get(session.id) !== session)
        return writeJsonRpcError(res, SESSION_NOT_FOUND);
      this.logger.error(`Waking session ${session.id} failed`, (error as Error).stack);
      return writeJsonRpcError(res, {
        status: 500,
        code: JsonRpcErrorCode.InternalError,
        message: 'Internal error: the session could not be resumed',
      });
    }
    await serveNodeRequest(live.transport, req, res, body);
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
      if (this.sessions.get(session.id) !== session) {
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
  private async deleteHibernated(
    session: McpSession,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return writeJsonRpcError(res, {
        status: 400,
        code: JsonRpcErrorCode.ServerError,
        message: `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      });
    }
    await this.terminate(session, 'deleted');
    res.writeHead(200).end();
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
    if (this.sessions.size + this.pendingSessions >= this.options.maxSessions) {
      return writeJsonRpcError(res, {
        status: 503,
        code: JsonRpcErrorCode.ServerError,
        message: `Service Unavailable: the server holds its maximum of ${this.options.maxSessions} sessions`,
        headers: { 'Retry-After': String(Math.ceil(this.options.reapIntervalMs / 1000)) },
      });
    }
    const principal = this.options.principalResolver(req);
    const quota = this.options.maxSessionsPerPrincipal;
    if (principal !== undefined && quota !== null && this.sessionsOf(principal) >= quota) {
      return writeJsonRpcError(res, {
        status: 429,
        code: JsonRpcErrorCode.ServerError,
        message: `Too Many Requests: this principal already holds its maximum of ${quota} sessions`,
      });
    }
    const sessionId = this.options.sessionIdGenerator();
    if (typeof sessionId !== 'string' || !SESSION_ID_PATTERN.test(sessionId)) {
      throw new Error(
        'sessionIdGenerator returned an id that is not 1–256 visible ASCII characters',
      );
    }
    this.pendingSessions++;
    this.countPrincipal(principal, +1);
    const session = new McpSession(sessionId, principal, Date.now());
    let registered = false;
    let live: LiveSession | undefined;
    try {
      live = await this.builder.build(session, {
        ...this.callbacksFor(session),
        onInitialized: () => {
          registered = true;
          this.pendingSessions--;
          session.live = live;
          this.register(session, initialize);
        },
      });
      this.track(res, session, false);
      await serveNodeRequest(live.transport, req, res, body);
      // A session whose initialize failed after it was registered is unknown to its client.
      if (registered && res.statusCode !== 200) await this.terminate(session, 'error');
    } finally {
      if (!registered) {
        this.pendingSessions--;
        this.countPrincipal(principal, -1);
        if (live) await this.closeServer(live.server);
        await this.purgeEvents(sessionId);
      }
    }
  }

  private register(session: McpSession, initialize: InitializeRequest): void {
    const requested = initialize.params.protocolVersion;
    session.protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
      ? requested
      : LATEST_PROTOCOL_VERSION;
    session.clientInfo = initialize.params.clientInfo;
    session.initializeJson = flatString(JSON.stringify(initialize));
    this.sessions.set(session.id, session);
    this.publish({ type: 'created', sessionId: session.id, principal: session.principal });
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
    this.statelessServers.add(server);
    const transport = this.builder.buildStatelessTransport();
    res.once('close', () => void this.closeServer(server));
    this.track(res, undefined, false);
    await server.connect(transport);
    await serveNodeRequest(transport, req, res, parsed.body);
  }

  private sessionsOf(principal: string): number {
    return this.principalSessions.get(principal) ?? 0;
  }

  private countPrincipal(principal: string | undefined, delta: number): void {
    if (principal === undefined) return;
    const count = this.sessionsOf(principal) + delta;
    if (count > 0) this.principalSessions.set(principal, count);
    else this.principalSessions.delete(principal);
  }

  /**
   * The live session for an id, if the request's principal owns it and it has not expired. An
   * expired session found here is closed at once, before the reaper's next sweep.
   */
  private lookup(sessionId: string, req: IncomingMessage): McpSession | undefined {
    const session = this.sessions.get(sessionId);
    if (!session || session.principal !== this.options.principalResolver(req)) return undefined;
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
    res: ServerResponse,
    session: McpSession | undefined,
    isStream: boolean,
    requestIds: Array<string | number> = [],
  ): void {
    session?.begin(res, isStream, Date.now());
    this.openResponses.add(res, () => session?.end(res, isStream, Date.now(), requestIds));
  }

  /** Terminates every session for `reason`; returns how many there were. */
  private async terminateAll(reason: SessionCloseReason): Promise<number> {
    const sessions = [...this.sessions.values()];
    await Promise.all(sessions.map((session) => this.terminate(session, reason)));
    return sessions.length;
  }

  /** Removes a session once: publishes its end, closes its server and streams, purges its events. */
  private async terminate(session: McpSession, reason: SessionCloseReason): Promise<void> {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.countPrincipal(session.principal, -1);
    this.publish({ type: 'closed', sessionId: session.id, principal: session.principal, reason });
    const { live } = session;
    session.live = undefined;
    if (live) await this.closeServer(live.server);
    // The SDK transport leaves a pending JSON response open when it closes; answer it here.
    const error = reason === 'shutdown' ? SHUTTING_DOWN : SESSION_NOT_FOUND;
    for (const res of session.openResponses()) endResponse(res, error);
    await this.purgeEvents(session.id);
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
