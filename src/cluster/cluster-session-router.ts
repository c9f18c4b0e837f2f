import { Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type {
  ExpiredSession,
  SessionResolution,
} from '../directory/session-directory.interface.js';
import {
  SESSION_MOVED,
  SESSION_NOT_FOUND,
  SESSION_STORE_UNAVAILABLE,
  SHUTTING_DOWN,
  type HttpJsonRpcError,
} from '../http/json-rpc-error.js';
import type { McpRequest } from '../pipeline/mcp-request.js';
import type { McpSession, SessionLimits } from '../session/mcp-session.js';
import type { SessionTable } from '../session/session-table.js';
import type { SessionCluster } from './session-cluster.js';
import type { SessionRecordKeeper } from './session-record-keeper.js';
import { sessionFromRecord, type SessionRecord } from './session-record.js';

/** How many times a request looks a session up in the cluster before it gives up with 503. */
const CLUSTER_ATTEMPTS = 3;
/** Expired sessions claimed from the registry at a time. */
const REAP_BATCH = 1000;

const refused = (error: HttpJsonRpcError): SessionResolution => ({ kind: 'refused', error });

/**
 * The cluster's half of the Redis directory: a request for a session this replica does not hold
 * is forwarded to the replica that does, or, when that replica is gone, the session is taken over
 * and held here; and the sweep claims the expired sessions of the whole cluster. It answers the
 * directory and calls nothing back.
 */
export class ClusterSessionRouter {
  private readonly logger = new Logger(ClusterSessionRouter.name);
  /** Sessions being taken over from the cluster, so that concurrent requests claim them once. */
  private readonly adoptions = new Map<string, Promise<McpSession | undefined>>();
  /** Set at shutdown: sessions are no longer taken over. */
  private draining = false;

  constructor(
    private readonly cluster: SessionCluster,
    private readonly records: SessionRecordKeeper,
    private readonly sessions: SessionTable,
    private readonly limits: SessionLimits,
  ) {}

  /** Stops taking sessions over: this replica is shutting down. */
  stopAdopting(): void {
    this.draining = true;
  }

  /**
   * Resolves a session this replica does not hold: forwards the request to the replica that does
   * (which answers it), or, when that replica is gone (or released the session), takes the
   * session over and holds it here. `refusal` is answered instead of forwarding the request.
   */
  async resolve(
    request: McpRequest,
    sessionId: string,
    refusal: HttpJsonRpcError | undefined,
  ): Promise<SessionResolution> {
    const { cluster } = this;
    for (let attempt = 0; attempt < CLUSTER_ATTEMPTS; attempt++) {
      let found: Awaited<ReturnType<SessionCluster['registry']['lookup']>>;
      try {
        found = await cluster.registry.lookup(sessionId);
      } catch (error) {
        this.logger.warn(`Looking up session ${sessionId} failed: ${(error as Error).message}`);
        return refused(SESSION_STORE_UNAVAILABLE);
      }
      if (!found || found.record.principal !== request.principal) return refused(SESSION_NOT_FOUND);
      const { owner } = found.record;
      // Still named here while this replica ends or releases it: the client retries.
      if (owner === cluster.replicaId) return refused(SESSION_MOVED);
      if (found.ownerAlive) {
        if (refusal) return refused(refusal);
        const forwarded = request.forwarded(sessionId);
        // The owner's span continues the trace active here (as an HTTP instrumentation starts).
        Object.assign(forwarded.headers, cluster.telemetry.activeTraceHeaders());
        const res = request.res as ServerResponse;
        const outcome = await cluster.forwarder.forward(owner, forwarded, res);
        if (outcome === 'served') return { kind: 'answered' };
        // The owner may be running the request: sending it again could run it twice.
        if (outcome === 'timeout') return refused(SESSION_MOVED);
        if (outcome === 'gone') continue;
        // 'unreachable': nobody listens on the owner's channel any more; it died moments ago.
      }
      if (this.draining) return refused(SHUTTING_DOWN);
      let session: McpSession | undefined;
      try {
        session = await this.adopt(found.record);
      } catch (error) {
        this.logger.warn(`Taking over session ${sessionId} failed: ${(error as Error).message}`);
        return refused(SESSION_STORE_UNAVAILABLE);
      }
      if (session) return { kind: 'held', session };
    }
    return refused(SESSION_MOVED);
  }

  /**
   * Claims the cluster's expired sessions. Those held here, and those no live replica holds, are
   * returned to be ended here; those another live replica holds are sent to it to end.
   */
  async reapExpired(now: number): Promise<ExpiredSession[]> {
    const { cluster } = this;
    const ended: ExpiredSession[] = [];
    for (;;) {
      const expired = await cluster.registry.claimExpired(now, REAP_BATCH);
      for (const { id, owner, ownerAlive, principal, createdAt } of expired) {
        const lifetimeMs = this.limits.lifetimeMs;
        const reason = lifetimeMs !== null && now - createdAt >= lifetimeMs ? 'expired' : 'idle';
        const session = this.sessions.get(id);
        if (session) {
          ended.push({ kind: 'held', session, reason });
        } else if (ownerAlive && owner !== cluster.replicaId) {
          void cluster.forwarder.send(owner, { type: 'close', sessionId: id, reason });
        } else {
          ended.push({ kind: 'unheld', sessionId: id, principal, reason });
        }
      }
      if (expired.length < REAP_BATCH) return ended;
    }
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
    if (record.owner !== cluster.replicaId) cluster.telemetry.tookOver();
    // A replica that missed its heartbeats may still be alive: it must let the session go.
    if (record.owner !== '' && record.owner !== cluster.replicaId) {
      void cluster.forwarder.send(record.owner, { type: 'revoke', sessionId: record.id });
    }
    const session = sessionFromRecord(record, Date.now());
    this.sessions.hold(session);
    this.records.adopted(session, record.stateJson);
    return session;
  }
}
