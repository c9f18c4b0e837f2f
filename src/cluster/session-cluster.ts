import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client.js';
import type { RedisEventStoreOptions } from '../event-store/redis-event-store.js';
import { connectRedis, DEFAULT_REDIS_URL } from './redis-connection.js';
import { RedisSessionRegistry, type SessionRenewal } from './redis-session-registry.js';
import { type ForwardedWork, RequestForwarder } from './request-forwarder.js';

/** How often a replica renews its heartbeat and the deadlines of its busy sessions. */
const HEARTBEAT_INTERVAL_MS = 1_000;
/**
 * How long a replica counts as alive after its last heartbeat, and how long a forwarding replica
 * waits for the owner to acknowledge a request: past it, another replica takes the session over.
 */
export const REPLICA_TIMEOUT_MS = 3_000;
/** Sessions whose ownership one Redis pipeline checks. */
const VERIFY_BATCH = 1_000;

/** What the session manager lets the cluster do with the sessions held here. */
export interface ClusterMember extends ForwardedWork {
  /** Sessions to renew now (id, deadline, last activity): those with a request in flight. */
  busyRenewals(): SessionRenewal[];
  /** Ids of the sessions held here. */
  heldSessionIds(): string[];
  /** Lets go of sessions held here that the registry says are no longer this replica's. */
  drop(sessionIds: string[]): void;
}

/**
 * This replica's membership of the cluster: its id, the session registry and request forwarding on
 * Redis, and the heartbeat that tells the other replicas it is alive. `connect` opens two
 * connections (commands, and pub/sub); the Redis event store shares the first.
 *
 * A replica serves the sessions it holds only while its heartbeat is fresh: others take its
 * sessions over once the heartbeat key expires, and by then this replica has stopped serving
 * them, since it counts freshness from before it sent the heartbeat. After a lapse, or after its
 * pub/sub connection came back (messages such as `revoke` may have been lost), it checks in the
 * registry which of its sessions are still its own.
 */
export class SessionCluster {
  private readonly logger = new Logger(SessionCluster.name);
  readonly replicaId = randomUUID();
  readonly registry: RedisSessionRegistry;
  readonly forwarder: RequestForwarder;
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  /** Local time until which this replica may serve the sessions it holds. */
  private freshUntil = 0;
  private ownershipInDoubt = false;

  private constructor(
    /** The command connection, shared with a Redis event store. */
    readonly client: RedisClient,
    private readonly subscriber: RedisClient,
    keyPrefix: string,
  ) {
    this.registry = new RedisSessionRegistry(client, keyPrefix);
    this.forwarder = new RequestForwarder(
      client,
      subscriber,
      `${keyPrefix}replica:`,
      this.replicaId,
      REPLICA_TIMEOUT_MS,
      () => {
        this.ownershipInDoubt = true;
      },
    );
  }

  /**
   * Connects to Redis and starts listening for requests forwarded to this replica.
   *
   * @throws Error naming the URL and the fix, when `ioredis` is missing or Redis does not answer.
   */
  static async connect(options: RedisEventStoreOptions = {}): Promise<SessionCluster> {
    const url = options.url ?? DEFAULT_REDIS_URL;
    const client = await connectRedis(url, 'McpSessionModule', { enableAutoPipelining: true });
    let subscriber: RedisClient | undefined;
    try {
      subscriber = await connectRedis(url, 'McpSessionModule');
      const cluster = new SessionCluster(client, subscriber, options.keyPrefix ?? 'mcp:');
      await cluster.forwarder.listen();
      return cluster;
    } catch (error) {
      client.disconnect();
      subscriber?.disconnect();
      throw error;
    }
  }

  /** Joins the cluster: serves what other replicas forward here, and starts the heartbeat. */
  async join(member: ClusterMember): Promise<void> {
    this.forwarder.attach(member);
    await this.renewHeartbeat();
    this.timer = setInterval(() => void this.beat(member), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
    this.logger.log(`Joined the session cluster as replica ${this.replicaId}`);
  }

  /** Whether this replica may serve the sessions it holds (its heartbeat is fresh). */
  isFresh(): boolean {
    return Date.now() < this.freshUntil;
  }

  /** Leaves the cluster: others take over this replica's sessions at once. Closes the connections. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    this.freshUntil = 0;
    await this.forwarder.close();
    await this.registry.forgetReplica(this.replicaId).catch(() => undefined);
    await Promise.all(
      [this.client.quit(), this.subscriber.quit()].map((quit) => quit.catch(() => undefined)),
    );
  }

  /** Renews the heartbeat; true when it had lapsed before. */
  private async renewHeartbeat(): Promise<boolean> {
    const sentAt = Date.now();
    await this.registry.heartbeat(this.replicaId, REPLICA_TIMEOUT_MS);
    const lapsed = sentAt >= this.freshUntil;
    this.freshUntil = sentAt + REPLICA_TIMEOUT_MS;
    return lapsed;
  }

  private async beat(member: ClusterMember): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      if (await this.renewHeartbeat()) this.ownershipInDoubt = true;
      await this.registry.touch(member.busyRenewals());
      const peers = this.forwarder.peers();
      const alive = await this.registry.aliveOf(peers);
      for (const peer of peers) if (!alive.has(peer)) this.forwarder.cutForwardsWith(peer);
      if (this.ownershipInDoubt) {
        this.ownershipInDoubt = false;
        await this.verifyOwnership(member).catch((error: Error) => {
          this.ownershipInDoubt = true;
          throw error;
        });
      }
    } catch (error) {
      this.logger.warn(`Cluster heartbeat failed: ${(error as Error).message}`);
    } finally {
      this.beating = false;
    }
  }

  /** Drops the sessions held here that the registry gives to another replica, or no longer has. */
  private async verifyOwnership(member: ClusterMember): Promise<void> {
    const held = member.heldSessionIds();
    for (let start = 0; start < held.length; start += VERIFY_BATCH) {
      const batch = held.slice(start, start + VERIFY_BATCH);
      const lost = await this.registry.notOwnedBy(batch, this.replicaId);
      if (lost.length > 0) {
        this.logger.warn(`${lost.length} session(s) held here belong elsewhere now; dropping them`);
        member.drop(lost);
      }
    }
  }
}
