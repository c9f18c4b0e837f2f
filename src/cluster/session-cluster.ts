import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisEventStoreOptions } from '../event-store/redis-event-store.js';
import { connectRedis, DEFAULT_REDIS_URL } from './redis-connection.js';
import { RedisSessionRegistry } from './redis-session-registry.js';
import { type ForwardedWork, RequestForwarder } from './request-forwarder.js';

/** How often a replica renews its heartbeat and the deadlines of its busy sessions. */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/**
 * How long a replica counts as alive after its last heartbeat, and how long a forwarding replica
 * waits for the owner to acknowledge a request: past it, another replica takes the session over.
 */
export const REPLICA_TIMEOUT_MS = 3_000;

/**
 * This replica's membership of the cluster: its id, the session registry and request forwarding on
 * Redis, and the heartbeat that tells the other replicas it is alive. `connect` opens two
 * connections (commands, and pub/sub); the Redis event store shares the first.
 */
export class SessionCluster {
  private readonly logger = new Logger(SessionCluster.name);
  readonly replicaId = randomUUID();
  readonly registry: RedisSessionRegistry;
  readonly forwarder: RequestForwarder;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  private constructor(
    /** The command connection, shared with a Redis event store. */
    readonly client: Redis,
    private readonly subscriber: Redis,
    keyPrefix: string,
  ) {
    this.registry = new RedisSessionRegistry(client, keyPrefix);
    this.forwarder = new RequestForwarder(
      client,
      subscriber,
      `${keyPrefix}replica:`,
      this.replicaId,
      REPLICA_TIMEOUT_MS,
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
    let subscriber: Redis | undefined;
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

  /**
   * Joins the cluster: serves what other replicas forward here, and renews the heartbeat. Each
   * beat also renews the deadlines `busyDeadlines` lists (sessions with a request in flight must
   * not expire), and ends forwarded responses whose owner died.
   */
  async join(
    work: ForwardedWork,
    busyDeadlines: () => Array<[id: string, deadline: number]>,
  ): Promise<void> {
    this.forwarder.attach(work);
    await this.registry.heartbeat(this.replicaId, REPLICA_TIMEOUT_MS);
    this.logger.log(`Joined the session cluster as replica ${this.replicaId}`);
    this.timer = setInterval(() => void this.beat(busyDeadlines), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Leaves the cluster: others take over this replica's sessions at once. Closes the connections. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    await this.forwarder.close();
    await this.registry.forgetReplica(this.replicaId).catch(() => undefined);
    await Promise.all(
      [this.client.quit(), this.subscriber.quit()].map((p) => p.catch(() => undefined)),
    );
  }

  private async beat(busyDeadlines: () => Array<[string, number]>): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.registry.heartbeat(this.replicaId, REPLICA_TIMEOUT_MS);
      await this.registry.touch(busyDeadlines());
      const owners = this.forwarder.ownersOfOpenForwards();
      const alive = await this.registry.aliveOf(owners);
      for (const owner of owners) if (!alive.has(owner)) this.forwarder.cutForwardsTo(owner);
    } catch (error) {
      this.logger.warn(`Cluster heartbeat failed: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }
}
