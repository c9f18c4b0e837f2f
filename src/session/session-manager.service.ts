import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import {
  SESSION_DIRECTORY,
  type LostSession,
  type SessionDirectory,
} from '../directory/session-directory.interface.js';
import type { ModuleEventStore } from '../event-store/module-event-store.js';
import { SESSION_MOVED, SHUTTING_DOWN } from '../http/json-rpc-error.js';
import {
  type PlatformRequest,
  type PlatformResponse,
  toNodeExchange,
} from '../http/platform-exchange.js';
import {
  MCP_EVENT_STORE,
  MCP_REQUEST_STATE_CODEC,
  MCP_SDK_LINES,
  MCP_SERVER_EVENT_BUS,
  MCP_SESSION_OPTIONS,
  MCP_TELEMETRY,
  MCP_TRANSPORT_FACTORY,
} from '../module/mcp-session.constants.js';
import type { ServerEventBus } from '@modelcontextprotocol/server';
import { ModernEndpoint } from '../modern/modern-endpoint.js';
import type { ModernRequestCounts } from '../modern/modern-request-counts.js';
import type { McpRequestStateCodec } from '../server/mcp-server-factory.interface.js';
import type { SdkLines } from '../server/sdk-lines.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { Admission, EndpointState } from '../pipeline/admission.js';
import type { EndpointPhase } from '../pipeline/endpoint-phase.js';
import { clientRequest } from '../pipeline/mcp-request.js';
import { RequestPipeline } from '../pipeline/request-pipeline.js';
import { ResponseTracker } from '../pipeline/response-tracker.js';
import { McpServerSource } from '../server/mcp-server-source.js';
import type { McpTransportFactory } from '../server/mcp-transport.interface.js';
import type { McpTelemetry } from '../telemetry/mcp-telemetry.js';
import { LiveSessionBuilder } from './live-session.builder.js';
import type { McpSession } from './mcp-session.js';
import type { SessionInfo } from './session-info.js';
import type { SessionCloseReason, SessionEvent } from './session-events.js';
import { SessionLifecycle } from './session-lifecycle.js';
import { answerCutRequests, writeCutAnswers } from './shutdown-answers.js';
import { actInBatches, sweepInSlices } from './sweep.js';

/** How long the answers to requests cut by the shutdown grace period get to be written. */
const ANSWER_FLUSH_MS = 1_000;

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
  private readonly state = new EndpointState();
  private readonly servers: McpServerSource;
  private readonly modern: ModernEndpoint;
  private readonly lifecycle: SessionLifecycle;
  private readonly tracker: ResponseTracker;
  private readonly pipeline: RequestPipeline;
  private readonly subscriptions: Subscription[] = [];

  /**
   * Lifecycle events: a session created, hibernated, rehydrated, released, and closed with its
   * reason. Completes at shutdown.
   */
  readonly events$: Observable<SessionEvent>;

  /** @internal Nest builds it. */
  constructor(
    @Inject(MCP_SESSION_OPTIONS) private readonly options: ResolvedMcpSessionOptions,
    private readonly moduleRef: ModuleRef,
    @Inject(MCP_EVENT_STORE) private readonly events: ModuleEventStore,
    @Inject(SESSION_DIRECTORY) private readonly directory: SessionDirectory,
    @Inject(MCP_TRANSPORT_FACTORY) transports: McpTransportFactory,
    @Inject(MCP_SDK_LINES) lines: SdkLines,
    @Inject(MCP_REQUEST_STATE_CODEC) requestState: McpRequestStateCodec | undefined,
    @Inject(MCP_SERVER_EVENT_BUS) bus: ServerEventBus | null,
    @Inject(MCP_TELEMETRY) private readonly telemetry: McpTelemetry,
  ) {
    this.servers = new McpServerSource(lines, requestState);
    this.modern = new ModernEndpoint(options, lines.modern, bus, this.servers, telemetry);
    const builder = new LiveSessionBuilder(transports, events.store, this.servers, telemetry);
    this.lifecycle = new SessionLifecycle(directory, builder, events.store);
    this.events$ = this.lifecycle.events$;
    this.tracker = new ResponseTracker(directory);
    const admission = new Admission(options, this.state);
    this.pipeline = new RequestPipeline(
      options,
      admission,
      directory,
      this.lifecycle,
      this.tracker,
      transports,
      this.servers,
      this.modern,
      telemetry,
    );
  }

  /**
   * Finds the application's server factory and starts admitting requests; in a cluster, starts
   * serving the requests other replicas forward here.
   */
  async onModuleInit(): Promise<void> {
    const { state } = this;
    if (state.phase !== 'created') {
      throw new Error(
        `SessionManager has already been ${state.phase === 'stopped' ? 'shut down' : 'started'}; a manager runs once. Create a new application to serve again.`,
      );
    }
    await this.servers.bind(this.moduleRef, this.modern.wanted ? 'modern' : 'legacy');
    this.modern.start();
    state.phase = 'running';
    this.subscriptions.push(
      this.directory.forwarded$.subscribe((request) => void this.pipeline.handle(request)),
      this.directory.lost$.subscribe((lost) => void this.letGo(lost)),
    );
    const usage = this.events.store?.usage?.bind(this.events.store);
    const watching = this.telemetry.watch({
      events$: this.events$,
      forwarded$: this.directory.forwarded$,
      held: this.directory.held,
      eventStoreUsage:
        usage && (() => usage(Array.from(this.directory.held.values(), (session) => session.id))),
    });
    if (watching) this.subscriptions.push(watching);
    return this.directory.start();
  }

  /**
   * Stops admitting work, ends streams, waits for in-flight requests, then closes every session.
   * In a cluster, sessions are not closed but released, at once when quiet, else once drained:
   * the other replicas take them over at their next request.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.state.phase !== 'running') return;
    this.state.phase = 'draining';
    for (const session of this.directory.held.values()) {
      session.live?.transport.closeStandaloneSSEStream();
    }
    await this.modern.endSubscriptions();
    const quiet = this.directory.drain();
    await Promise.all(quiet.map((session) => this.lifecycle.release(session, SHUTTING_DOWN)));
    const drained = await this.tracker.drained(this.options.shutdownGracePeriodMs);
    if (!drained) {
      this.logger.warn(
        `Shutdown grace period elapsed with ${this.tracker.size} request(s) in flight; closing them.`,
      );
      await this.answerCutRequests();
    }
    if (this.directory.retirementAtShutdown === 'release') {
      const held = [...this.directory.held.values()];
      await Promise.all(held.map((session) => this.lifecycle.release(session, SHUTTING_DOWN)));
    } else {
      await this.terminateAll('shutdown');
    }
    await this.lifecycle.closeStatelessServers();
    await this.modern.close();
    this.tracker.endAll(SHUTTING_DOWN);
    this.state.phase = 'stopped';
  }

  /** Completes `events$` (the stores and the cluster close by their own hooks). */
  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    this.state.phase = 'stopped';
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    this.lifecycle.complete();
  }

  /**
   * Serves one request to the MCP endpoint (POST, GET or DELETE; anything else gets 405). Mount it
   * in your own controller, with `@Req()` and `@Res()`, when the built-in controller is turned off:
   * on Express or on Fastify, pass them as they come (the Fastify reply is taken over).
   */
  handleRequest(req: PlatformRequest, res: PlatformResponse): Promise<void> {
    const exchange = toNodeExchange(req, res);
    const resolvePrincipal = this.options.principalResolver;
    return this.pipeline.handle(
      clientRequest(exchange.req, exchange.res, () => resolvePrincipal(exchange.principalSource)),
    );
  }

  /** Where the endpoint is in its one run: `running` while it serves, `draining` at shutdown. */
  get phase(): EndpointPhase {
    return this.state.phase;
  }

  /**
   * The 2026-07-28 requests of this replica, which belong to no session: in flight now (open
   * `subscriptions/listen` streams included), listen streams, and served since start.
   */
  modernRequests(): ModernRequestCounts {
    return this.modern.stats;
  }

  /** The open sessions (in a cluster, those this replica holds). */
  list(): SessionInfo[] {
    return [...this.directory.held.values()].map((session) => session.info());
  }

  /** One open session (in a cluster, if this replica holds it), or `undefined`. */
  get(sessionId: string): SessionInfo | undefined {
    return this.directory.held.get(sessionId)?.info();
  }

  /** Number of open sessions (in a cluster, of those this replica holds). */
  count(): number {
    return this.directory.held.size;
  }

  /** Closes a session as if it had been deleted by the application; false if it did not exist. */
  async close(sessionId: string): Promise<boolean> {
    const session = this.directory.held.get(sessionId);
    if (!session) return false;
    await this.lifecycle.terminate(session, 'closed');
    return true;
  }

  /**
   * Hibernates a session now: its server and transport are released and only its record is kept,
   * until its next request rebuilds them. False if the session does not exist, is already
   * hibernated, or has a request in flight or a stream open.
   */
  async hibernate(sessionId: string): Promise<boolean> {
    const session = this.directory.held.get(sessionId);
    return session ? this.lifecycle.hibernate(session) : false;
  }

  /** Hibernates every awake session quiet for at least `hibernateAfter`; returns how many. */
  async hibernateIdleSessions(now = Date.now()): Promise<number> {
    const quietMs = this.options.hibernateAfterMs;
    if (quietMs === null) return 0;
    const idle: McpSession[] = [];
    await sweepInSlices(this.directory.held.values(), (session) => {
      if (session.isSettledAwake && session.isQuietFor(now, quietMs)) idle.push(session);
    });
    let hibernated = 0;
    await actInBatches(idle, async (session) => {
      if (await this.lifecycle.hibernate(session)) hibernated++;
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
    const expired = await this.directory.reapExpired(now);
    await actInBatches(expired, (found) =>
      found.kind === 'held'
        ? this.lifecycle.terminate(found.session, found.reason)
        : this.lifecycle.endUnheld(found.sessionId, found.principal, found.reason),
    );
    return expired.length;
  }

  /**
   * Answers every request still in flight when the grace period ends with a JSON-RPC error for its
   * own id, on its own stream, so that clients fail fast instead of waiting for their timeout.
   */
  private async answerCutRequests(): Promise<void> {
    const inFlight = this.lifecycle.statelessRequests();
    for (const session of this.directory.held.values()) {
      const requestIds = session.inFlightRequestIds();
      if (session.live && requestIds.length > 0) {
        inFlight.push({ transport: session.live.transport, requestIds });
      }
    }
    for (const [res, requestIds] of this.tracker.relayedResponses()) {
      writeCutAnswers(res as ServerResponse, [...requestIds]);
    }
    await Promise.all(inFlight.map((requests) => answerCutRequests(requests)));
    // The transports write the answers asynchronously: let those responses end on their own
    // before closing what is left, which would otherwise write its own error first.
    await this.tracker.drained(ANSWER_FLUSH_MS);
  }

  /** Lets go of a session that was ended, or taken over, elsewhere in the cluster. */
  private letGo(lost: LostSession): Promise<void> {
    return lost.how === 'terminate'
      ? this.lifecycle.terminate(lost.session, lost.reason)
      : this.lifecycle.release(lost.session, SESSION_MOVED);
  }

  /** Terminates every session for `reason`; returns how many there were. */
  private async terminateAll(reason: SessionCloseReason): Promise<number> {
    const sessions = [...this.directory.held.values()];
    await Promise.all(sessions.map((session) => this.lifecycle.terminate(session, reason)));
    return sessions.length;
  }
}
