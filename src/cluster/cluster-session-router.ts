import { Logger } from '@nestjs/common';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdsOf } from '../http/json-rpc-body.js';
import {
  INTERNAL_ERROR,
  SESSION_MOVED,
  SESSION_NOT_FOUND,
  SESSION_STORE_UNAVAILABLE,
  SHUTTING_DOWN,
  writeJsonRpcError,
} from '../http/json-rpc-error.js';
import type { SessionCloseReason } from '../session-events.js';
import type { SessionExchange } from '../session-exchange.js';
import type { SessionTable } from '../session-table.js';
import type { McpSession, SessionLimits } from '../session.js';
import type { ForwardedRequest } from './cluster-messages.js';
import { endToEndHeaders, type RemoteResponse, sendWebResponse } from './remote-response.js';
import type { SessionCluster } from './session-cluster.js';
import type { SessionRecordKeeper } from './session-record-keeper.js';
import { sessionFromRecord, type SessionRecord } from './session-record.js';

/** How many times a request looks a session up in the cluster before it gives up with 503. */
const CLUSTER_ATTEMPTS = 3;
/** Expired sessions claimed from the registry at a time. */
const REAP_BATCH = 1000;

/** What the router needs of the session manager, for the sessions this replica holds. */
export interface SessionHost {
  /** True once shutdown has begun: requests that start new work are refused. */
  isDraining(): boolean;
  /**
   * The held session for an id, if `principal` owns it and it has not expired; an expired one is
   * ended on the spot.
   */
  lookup(sessionId: string, principal: string | undefined): McpSession | undefined;
  /** Serves a request on a session held here, waking it if it hibernates. */
  serveOnSession(session: McpSession, exchange: SessionExchange): Promise<void>;
  /**
   * Counts a response relayed from the replica that holds the session as in flight, for shutdown,
   * with the ids of the requests it answers.
   */
  trackRelayed(res: ServerResponse, requestIds: Array<string | number>): void;
  /** Ends a session held here. */
  terminate(session: McpSession, reason: SessionCloseReason): Promise<void>;
  /**
   * Ends a session that no live replica holds (its replica is gone, or the registry names this
   * replica, which no longer holds it): announces the end and purges its events.
   */
  endUnheld(
    sessionId: string,
    principal: string | undefined,
    reason: SessionCloseReason,
  ): Promise<void>;
}

/**
 * The session manager's requests that cross replicas: a request for a session held elsewhere is
 * forwarded to its replica, or, when that replica is gone, the session is taken over and rebuilt
 * here; requests forwarded here are served on the sessions held here; and the idle reaper claims
 * the expired sessions of the whole cluster.
 */
export class ClusterSessionRouter {
  private readonly logger = new Logger(ClusterSessionRouter.name);
  /** Sessions being taken over from the cluster, so that concurrent requests claim them once. */
  private readonly adoptions = new Map<string, Promise<McpSession | undefined>>();

  constructor(
    private readonly cluster: SessionCluster,
    private readonly records: SessionRecordKeeper,
    private readonly sessions: SessionTable,
    private readonly limits: SessionLimits,
    private readonly host: SessionHost,
  ) {}

  /**
   * Serves a request for a session this replica does not hold: forwards it to the replica that
   * does, or, when that replica is gone (or released the session), takes the session over and
   * rebuilds it here from its record.
   */
  async serve(
    sessionId: string,
    principal: string | undefined,
    req: IncomingMessage,
    exchange: SessionExchange,
  ): Promise<void> {
    const { cluster } = this;
    const { res } = exchange;
    let tracked = false;
    for (let attempt = 0; attempt < CLUSTER_ATTEMPTS; attempt++) {
      let found: Awaited<ReturnType<SessionCluster['registry']['lookup']>>;
      try {
        found = await cluster.registry.lookup(sessionId);
      } catch (error) {
        this.logger.warn(`Looking up session ${sessionId} failed: ${(error as Error).message}`);
        return writeJsonRpcError(res, SESSION_STORE_UNAVAILABLE);
      }
      if (!found || found.record.principal !== principal) {
        return writeJsonRpcError(res, SESSION_NOT_FOUND);
      }
      const { owner } = found.record;
      // Still named here while this replica ends or releases it: the client retries.
      if (owner === cluster.replicaId) return writeJsonRpcError(res, SESSION_MOVED);
      if (found.ownerAlive) {
        if (this.host.isDraining() && requestIdsOf(exchange.body).length > 0) {
          return writeJsonRpcError(res, SHUTTING_DOWN);
        }
        if (!tracked) this.host.trackRelayed(res as ServerResponse, requestIdsOf(exchange.body));
        tracked = true;
        const request = forwardedRequest(sessionId, req, exchange.body);
        const outcome = await cluster.forwarder.forward(owner, request, res as ServerResponse);
        if (outcome === 'served') return;
        // The owner may be running the request: sending it again could run it twice.
        if (outcome === 'timeout') return writeJsonRpcError(res, SESSION_MOVED);
        if (outcome === 'gone') continue;
        // 'unreachable': nobody listens on the owner's channel any more; it died moments ago.
      }
      if (this.host.isDraining()) return writeJsonRpcError(res, SHUTTING_DOWN);
      let session: McpSession | undefined;
      try {
        session = await this.adopt(found.record);
      } catch (error) {
        this.logger.warn(`Taking over session ${sessionId} failed: ${(error as Error).message}`);
        return writeJsonRpcError(res, SESSION_STORE_UNAVAILABLE);
      }
      if (session) return this.host.serveOnSession(session, exchange);
    }
    return writeJsonRpcError(res, SESSION_MOVED);
  }

  /**
   * Serves a request another replica forwarded here; false when this replica does not hold the
   * session (the other replica then looks it up again).
   */
  serveForwarded(request: ForwardedRequest, res: RemoteResponse): boolean {
    const held = this.sessions.get(request.sessionId);
    if (!held) return false;
    this.serveForwardedOn(held, request, res).catch((error: Error) => {
      this.logger.error(`Unhandled error serving a forwarded ${request.method}`, error.stack);
      writeJsonRpcError(res, INTERNAL_ERROR);
    });
    return true;
  }

  /**
   * Claims the cluster's expired sessions and ends each: here if this replica holds it, else on
   * the replica that does, else (its replica is gone) here without a server to close.
   */
  async reapExpired(now: number): Promise<number> {
    const { cluster } = this;
    let reaped = 0;
    for (;;) {
      const expired = await cluster.registry.claimExpired(now, REAP_BATCH);
      for (const { id, owner, ownerAlive, principal, createdAt } of expired) {
        const lifetimeMs = this.limits.lifetimeMs;
        const reason = lifetimeMs !== null && now - createdAt >= lifetimeMs ? 'expired' : 'idle';
        const session = this.sessions.get(id);
        if (session) {
          await this.host.terminate(session, reason);
        } else if (ownerAlive && owner !== cluster.replicaId) {
          cluster.forwarder.send(owner, { type: 'close', sessionId: id, reason });
        } else {
          await this.host.endUnheld(id, principal, reason);
        }
      }
      reaped += expired.length;
      if (expired.length < REAP_BATCH) return reaped;
    }
  }

  /** What `SessionManager.serveSession` does for a client of this replica, for one of another. */
  private async serveForwardedOn(
    held: McpSession,
    request: ForwardedRequest,
    res: RemoteResponse,
  ): Promise<void> {
    if (this.host.isDraining() && request.method === 'GET') {
      return writeJsonRpcError(res, SHUTTING_DOWN);
    }
    const session = this.host.lookup(held.id, held.principal);
    if (!session) return writeJsonRpcError(res, SESSION_NOT_FOUND);
    return this.host.serveOnSession(session, {
      method: request.method,
      protocolVersion: request.headers['mcp-protocol-version'],
      body: request.body,
      res,
      serve: async (transport) => {
        const webRequest = new Request(request.url, {
          method: request.method,
          headers: request.headers,
        });
        const response = await transport.handleRequest(webRequest, {
          parsedBody: request.body,
          authInfo: request.auth,
        });
        await sendWebResponse(response, res);
      },
    });
  }

  /** Takes a session over from the cluster, once however many requests ask for it at once. */
  private adopt(record: SessionRecord): Promise<McpSession | undefined> {
    let adoption = this.adoptions.get(record.id);
    if (!adoption) {
      adoption = this.claim(record).finally(() => this.adoptions.delete(record.id));
      this.adoptions.set(record.id, adoption);
    }
    return adoption;
  }

  /**
   * Makes this replica the session's owner, if its owner is still the one the record named, and
   * holds it here hibernated: the request that follows rebuilds it.
   */
  private async claim(record: SessionRecord): Promise<McpSession | undefined> {
    const { cluster } = this;
    const held = this.sessions.get(record.id);
    if (held) return held;
    const claimed = await cluster.registry.claim(record.id, record.owner, cluster.replicaId);
    if (claimed !== true) return undefined;
    // A replica that missed its heartbeats may still be alive: it must let the session go.
    if (record.owner !== '' && record.owner !== cluster.replicaId) {
      cluster.forwarder.send(record.owner, { type: 'revoke', sessionId: record.id });
    }
    const session = sessionFromRecord(record, Date.now());
    this.sessions.hold(session);
    this.records.recordActivity(session);
    return session;
  }
}

/** A request to forward to the replica that holds its session. */
function forwardedRequest(
  sessionId: string,
  req: IncomingMessage,
  body: unknown,
): ForwardedRequest {
  return {
    sessionId,
    method: req.method!,
    url: `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`,
    headers: endToEndHeaders(Object.entries(req.headers)),
    body,
    auth: (req as IncomingMessage & { auth?: AuthInfo }).auth,
  };
}
