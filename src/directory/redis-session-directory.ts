import { Logger } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import { ClusterSessionRouter } from '../cluster/cluster-session-router.js';
import { SessionIdTakenError } from '../cluster/redis-session-registry.js';
import type { InboundMessage } from '../cluster/request-forwarder.js';
import type { SessionCluster } from '../cluster/session-cluster.js';
import { SessionRecordKeeper } from '../cluster/session-record-keeper.js';
import { SESSION_STORE_UNAVAILABLE, type HttpJsonRpcError } from '../http/json-rpc-error.js';
import { type McpRequest, replicaRequest } from '../pipeline/mcp-request.js';
import type { McpSession } from '../session/mcp-session.js';
import { SessionTable } from '../session/session-table.js';
import { capacityRefusal, resolveHeld } from './local-session-directory.js';
import type { SessionBounds } from './session-bounds.js';
import type {
  ExpiredSession,
  LostSession,
  SessionDirectory,
  SessionResolution,
} from './session-directory.interface.js';

/** Sessions whose ownership one Redis pipeline checks. */
const VERIFY_BATCH = 1_000;

/**
 * The sessions of a cluster of replicas, shared on Redis: a registry record per session, which
 * any replica can serve (forwarding to its owner, or taking it over from a dead one). The
 * sessions held here are served here while this replica's heartbeat is fresh; after a lapse, or
 * after the pub/sub connection came back (a `revoke` may have been lost), it checks in the
 * registry which are still its own and lets the others go.
 */
export class RedisSessionDirectory implements SessionDirectory {
  private readonly logger = new Logger(RedisSessionDirectory.name);
  private readonly table = new SessionTable();
  readonly held = this.table;
  readonly retirementAtShutdown = 'release';
  private readonly lost = new Subject<LostSession>();
  private readonly forwarded = new Subject<McpRequest>();
  readonly lost$: Observable<LostSession> = this.lost.asObservable();
  readonly forwarded$: Observable<McpRequest> = this.forwarded.asObservable();
  private readonly records: SessionRecordKeeper;
  private readonly router: ClusterSessionRouter;
  private ownershipInDoubt = false;
  private renewing = false;

  constructor(
    private readonly cluster: SessionCluster,
    private readonly bounds: SessionBounds,
  ) {
    this.records = new SessionRecordKeeper(cluster, bounds.limits);
    this.router = new ClusterSessionRouter(cluster, this.records, this.table, bounds.limits);
  }

  /** Serves what other replicas send here, and joins the cluster. */
  async start(): Promise<void> {
    // The subscriptions end when the cluster is left, at shutdown.
    const { forwarder } = this.cluster;
    forwarder.inbound$.subscribe((message) => this.receive(message));
    forwarder.reconnected$.subscribe(() => (this.ownershipInDoubt = true));
    this.cluster.beats$.subscribe(({ lapsed }) => void this.afterBeat(lapsed));
    await this.cluster.join();
  }

  async reserve(session: McpSession): Promise<HttpJsonRpcError | undefined> {
    try {
      const refusal = await this.records.reserve(session, this.bounds);
      if (refusal) return capacityRefusal(this.bounds, refusal);
    } catch (error) {
      if (error instanceof SessionIdTakenError) throw error;
      this.logger.warn(`Registering a session failed: ${(error as Error).message}`);
      return SESSION_STORE_UNAVAILABLE;
    }
    this.table.reserve(session.principal);
    return undefined;
  }

  admit(session: McpSession): void {
    this.table.admit(session);
  }

  async cancel(session: McpSession): Promise<void> {
    this.table.cancel(session.principal);
    await this.records.remove(session);
  }

  async resolve(request: McpRequest, sessionId: string): Promise<SessionResolution> {
    // A forwarded request is served here or nowhere: it is never forwarded again.
    if (!this.table.get(sessionId) && request.origin === 'client') return { kind: 'elsewhere' };
    return resolveHeld(this.table, sessionId, request.principal, this.bounds.limits);
  }

  async forward(
    request: McpRequest,
    sessionId: string,
    refusal?: HttpJsonRpcError,
  ): Promise<SessionResolution> {
    return this.router.resolve(request, sessionId, refusal);
  }

  /** Past its heartbeat, another replica may be taking this replica's sessions over. */
  servingRefusal(): HttpJsonRpcError | undefined {
    return this.cluster.isFresh() ? undefined : SESSION_STORE_UNAVAILABLE;
  }

  retire(session: McpSession): boolean {
    return this.table.remove(session);
  }

  /** First out of the registry, so that no replica takes a terminated session over. */
  announce(session: McpSession, how: 'terminated' | 'released'): Promise<void> {
    return how === 'terminated' ? this.records.remove(session) : this.records.release(session);
  }

  reapExpired(now: number): Promise<ExpiredSession[]> {
    return this.router.reapExpired(now);
  }

  /** Stops taking sessions over; the quiet sessions held here go to other replicas at once. */
  drain(): McpSession[] {
    this.router.stopAdopting();
    const now = Date.now();
    return [...this.table.values()].filter((session) => session.isQuietFor(now, 0));
  }

  activityStarted(session: McpSession): void {
    this.records.requestStarted(session);
  }

  activityEnded(session: McpSession): void {
    if (this.table.holds(session)) this.records.requestEnded(session);
  }

  clientInitialized(session: McpSession): void {
    this.records.clientInitialized(session);
  }

  /** What another replica sent: a request to serve here, or a session to let go. */
  private receive(message: InboundMessage): void {
    if (message.type === 'request') {
      if (!this.table.get(message.request.sessionId)) return;
      message.accept();
      this.forwarded.next(replicaRequest(message.request, message.res));
      return;
    }
    const session = this.table.get(message.sessionId);
    if (!session) return;
    if (message.type === 'close')
      this.lost.next({ how: 'terminate', session, reason: message.reason });
    else this.lost.next({ how: 'release', session });
  }

  /** Renews the sessions in use here, and after a lapse checks which are still this replica's. */
  private async afterBeat(lapsed: boolean): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      if (lapsed) this.ownershipInDoubt = true;
      await this.cluster.registry.touch(this.records.busyRenewals(this.table.values()));
      if (this.ownershipInDoubt) {
        this.ownershipInDoubt = false;
        await this.verifyOwnership().catch((error: Error) => {
          this.ownershipInDoubt = true;
          throw error;
        });
      }
    } catch (error) {
      this.logger.warn(`Cluster heartbeat failed: ${(error as Error).message}`);
    } finally {
      this.renewing = false;
    }
  }

  /** Lets go of the sessions held here that the registry gives to another replica, or no longer has. */
  private async verifyOwnership(): Promise<void> {
    const held = this.table.ids();
    for (let start = 0; start < held.length; start += VERIFY_BATCH) {
      const batch = held.slice(start, start + VERIFY_BATCH);
      const lost = await this.cluster.registry.notOwnedBy(batch, this.cluster.replicaId);
      if (lost.length === 0) continue;
      this.logger.warn(`${lost.length} session(s) held here belong elsewhere now; dropping them`);
      for (const id of lost) {
        const session = this.table.get(id);
        if (session) this.lost.next({ how: 'release', session });
      }
    }
  }
}
