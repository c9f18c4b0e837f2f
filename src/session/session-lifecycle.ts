import { Logger } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import type { SessionDirectory } from '../directory/session-directory.interface.js';
import type { SessionEventStore } from '../event-store/session-event-store.interface.js';
import { SESSION_NOT_FOUND, SHUTTING_DOWN, type HttpJsonRpcError } from '../http/json-rpc-error.js';
import { endResponse } from '../http/open-responses.js';
import type { McpServerInstance } from '../server/mcp-server-factory.interface.js';
import type { HttpResponse } from '../http/http-response.js';
import type { LiveSessionBuilder, LiveSessionCallbacks } from './live-session.builder.js';
import type { RequestsInFlight } from './shutdown-answers.js';
import type { LiveSession, McpSession } from './mcp-session.js';
import type { SessionCloseReason, SessionEvent } from './session-events.js';

/** A lifecycle event before it is stamped with its time. */
type SessionEventWithoutTime = SessionEvent extends infer E
  ? E extends SessionEvent
    ? Omit<E, 'at'>
    : never
  : never;

/**
 * What happens to a session over its life, and the event published for each step: opened (its
 * server and transport built), woken from hibernation, hibernated, terminated (closed for good,
 * its events purged) or released (let go for another replica to take over). The directory says
 * where the session is held; this class builds and closes what it holds.
 */
export class SessionLifecycle {
  private readonly logger = new Logger(SessionLifecycle.name);
  private readonly events = new Subject<SessionEvent>();
  /** Lifecycle events: created, hibernated, rehydrated, released, closed with its reason. */
  readonly events$: Observable<SessionEvent> = this.events.asObservable();
  /** Sessions released to the cluster: their requests still here are told to retry, not 404. */
  private readonly released = new WeakSet<McpSession>();
  /** Servers of stateless requests being served, with their transport and request ids. */
  private readonly statelessServers = new Map<McpServerInstance, RequestsInFlight>();

  constructor(
    private readonly directory: SessionDirectory,
    private readonly builder: LiveSessionBuilder,
    private readonly eventStore: SessionEventStore | undefined,
  ) {}

  /**
   * Builds a new session's server and transport. When its transport accepts `initialize`, the
   * session is held, published as created, and `onOpened` is called.
   */
  async open(session: McpSession, onOpened: () => void): Promise<LiveSession> {
    let live: LiveSession | undefined = undefined;
    live = await this.builder.build(session, {
      ...this.callbacksFor(session),
      onInitialized: () => {
        this.directory.admit(session);
        session.attach(live!);
        this.publish({ type: 'created', sessionId: session.id, principal: session.principal });
        onOpened();
      },
    });
    return live;
  }

  /** Undoes a session that did not open: no reservation, server or event is left behind. */
  async abandon(session: McpSession, live: LiveSession | undefined): Promise<void> {
    await this.directory.cancel(session);
    if (live) await this.closeServer(live.server);
    await this.purgeEvents(session.id);
  }

  /** The session's server and transport, rebuilt once if it hibernates. */
  wake(session: McpSession): Promise<LiveSession> {
    return session.wake(() => this.rehydrate(session));
  }

  /** True when the session was released to another replica (its requests here should retry). */
  wasReleased(session: McpSession): boolean {
    return this.released.has(session);
  }

  /** Releases a quiet, awake session's server and transport; false if it is not both. */
  async hibernate(session: McpSession): Promise<boolean> {
    if (!session.isSettledAwake || !session.isQuietFor(Date.now(), 0)) return false;
    const live = session.detach();
    this.publish({ type: 'hibernated', sessionId: session.id, principal: session.principal });
    if (live) await this.closeServer(live.server);
    return true;
  }

  /** Ends a session once: publishes its end, closes its server and streams, purges its events. */
  async terminate(session: McpSession, reason: SessionCloseReason): Promise<void> {
    if (!this.directory.retire(session)) return;
    this.publish({
      type: 'closed',
      sessionId: session.id,
      principal: session.principal,
      reason,
      createdAt: new Date(session.createdAt),
    });
    await this.directory.announce(session, 'terminated');
    const open = session.openResponses();
    const live = session.detach();
    if (live) await this.closeServer(live.server);
    // The SDK transport leaves a pending JSON response open when it closes; answer it here.
    const error = reason === 'shutdown' ? SHUTTING_DOWN : SESSION_NOT_FOUND;
    for (const res of open) endResponse(res, error);
    await this.purgeEvents(session.id);
  }

  /**
   * Lets a session held here go on elsewhere in the cluster: closes its server and its open
   * responses (with `error`), then saves its state and gives up its ownership, so that the next
   * replica to get one of its requests takes it over.
   */
  async release(session: McpSession, error: HttpJsonRpcError): Promise<void> {
    if (!this.directory.retire(session)) return;
    this.released.add(session);
    this.publish({ type: 'released', sessionId: session.id, principal: session.principal });
    const open = session.openResponses();
    const live = session.detach();
    if (live) await this.closeServer(live.server);
    for (const res of open) endResponse(res, error);
    await this.directory.announce(session, 'released');
  }

  /** Ends a session no live replica holds: announces its end and purges its events. */
  async endUnheld(
    sessionId: string,
    principal: string | undefined,
    reason: SessionCloseReason,
  ): Promise<void> {
    this.publish({ type: 'closed', sessionId, principal, reason });
    await this.purgeEvents(sessionId);
  }

  /**
   * Counts the server of a stateless request, serving `inFlight`, until `res` closes (or shutdown
   * closes it).
   */
  holdStatelessServer(
    server: McpServerInstance,
    inFlight: RequestsInFlight,
    res: HttpResponse,
  ): void {
    this.statelessServers.set(server, inFlight);
    res.once('close', () => void this.closeServer(server));
  }

  /** The requests in flight on stateless servers. */
  statelessRequests(): RequestsInFlight[] {
    return [...this.statelessServers.values()];
  }

  /** Closes the servers of stateless requests still open. */
  async closeStatelessServers(): Promise<void> {
    await Promise.all([...this.statelessServers.keys()].map((server) => this.closeServer(server)));
  }

  /** Completes `events$`. */
  complete(): void {
    this.events.complete();
  }

  private publish(event: SessionEventWithoutTime): void {
    this.events.next({ ...event, at: new Date() } as SessionEvent);
  }

  private async rehydrate(session: McpSession): Promise<LiveSession> {
    const live = await this.builder.build(session, this.callbacksFor(session));
    try {
      await this.builder.replayInitialization(live, session);
      if (!this.directory.held.holds(session)) {
        throw new Error(`Session ${session.id} ended while it was being resumed`);
      }
    } catch (error) {
      await this.closeServer(live.server);
      throw error;
    }
    this.publish({ type: 'rehydrated', sessionId: session.id, principal: session.principal });
    return live;
  }

  private callbacksFor(session: McpSession): LiveSessionCallbacks {
    return {
      onDeleted: () => this.terminate(session, 'deleted'),
      // A transport closed on purpose (hibernation, termination) is no longer the session's;
      // only an unexpected close ends the session.
      onClosed: (live) => {
        if (session.live === live) void this.terminate(session, 'closed');
      },
    };
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
      await this.eventStore?.purgeSession(sessionId);
    } catch (error) {
      this.logger.warn(
        `Purging the events of session ${sessionId} failed: ${(error as Error).message}`,
      );
    }
  }
}
