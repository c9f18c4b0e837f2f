import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/redis-client.js';
import { connectRedis, type RedisConnectionOptions } from '../redis/redis-connection.js';
import { type Observable, Subject } from 'rxjs';
import { NO_TELEMETRY, type McpTelemetry } from '../telemetry/mcp-telemetry.js';
import { RedisSessionRegistry } from './redis-session-registry.js';
import { RequestForwarder } from './request-forwarder.js';

/** How often a replica renews its heartbeat and the deadlines of its busy sessions. */
const HEARTBEAT_INTERVAL_MS = 1_000;
/**
 * How long a replica counts as alive after its last heartbeat, and how long a forwarding replica
 * waits for the owner to acknowledge a request: past it, another replica takes the session over.
 */
export const REPLICA_TIMEOUT_MS = 3_000;

/**
 * This replica's membership of the cluster: its id, the session registry and request forwarding on
 * Redis, and the heartbeat that tells the other replicas it is alive. `connect` opens two
 * connections (commands, and pub/sub); the Redis event store shares the first.
 *
 * A replica serves the sessions it holds only while its heartbeat is fresh: others take its
 * sessions over once the heartbeat key expires, and by then this replica has stopped serving
 * them, since it counts freshness from before it sent the heartbeat. Each heartbeat is announced
 * on `beats$`, saying whether it had lapsed, for the directory to renew its busy sessions and, after
 * a lapse, check which are still its own.
 */
export class SessionCluster implements OnApplicationShutdown {
  private readonly logger = new Logger(SessionCluster.name);
  readonly replicaId = randomUUID();
  readonly registry: RedisSessionRegistry;
  readonly forwarder: RequestForwarder;
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  /** Local time until which this replica may serve the sessions it holds. */
  private freshUntil = 0;
  private readonly beats = new Subject<{ lapsed: boolean }>();
  /** Each heartbeat sent, and whether the one before had lapsed. */
  readonly beats$: Observable<{ lapsed: boolean }> = this.beats.asObservable();

  private constructor(
    /** The command connection, shared with a Redis event store. */
    readonly client: RedisClient,
    private readonly subscriber: RedisClient,
    keyPrefix: string,
    /** Where take-overs and Redis errors are counted. */
    readonly telemetry: McpTelemetry,
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
  static async connect(
    options: Required<RedisConnectionOptions>,
    telemetry: McpTelemetry = NO_TELEMETRY,
  ): Promise<SessionCluster> {
    const { url } = options;
    const client = await connectRedis(url, 'McpSessionModule', { enableAutoPipelining: true });
    let subscriber: RedisClient | undefined;
    try {
      subscriber = await connectRedis(url, 'McpSessionModule');
      const cluster = new SessionCluster(client, subscriber, options.keyPrefix, telemetry);
      for (const connection of [client, subscriber]) {
        connection.on('error', () => telemetry.redisError());
      }
      await cluster.forwarder.listen();
      return cluster;
    } catch (error) {
      client.disconnect();
      subscriber?.disconnect();
      throw error;
    }
  }

  /** Joins the cluster: starts the heartbeat that tells the other replicas this one is alive. */
  async join(): Promise<void> {
    await this.renewHeartbeat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
    this.logger.log(`Joined the session cluster as replica ${this.replicaId}`);
  }

  /** Whether this replica may serve the sessions it holds (its heartbeat is fresh). */
  isFresh(): boolean {
    return Date.now() < this.freshUntil;
  }

  /** Leaves the cluster once the sessions held here have been let go (before shutdown). */
  onApplicationShutdown(): Promise<void> {
    return this.leave();
  }

  /** Leaves the cluster: others take over this replica's sessions at once. Closes the connections. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    this.freshUntil = 0;
    this.beats.complete();
    await this.forwarder.close();
    await this.registry.forgetReplica(this.replicaId).catch(() => undefined);
    // A connection that cannot say QUIT (Redis is gone) is cut, or it would retry for ever.
    await Promise.all(
      [this.client, this.subscriber].map((connection) =>
        connection.quit().catch(() => connection.disconnect()),
      ),
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

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const lapsed = await this.renewHeartbeat();
      const peers = this.forwarder.peers();
      const alive = await this.registry.aliveOf(peers);
      for (const peer of peers) if (!alive.has(peer)) this.forwarder.cutForwardsWith(peer);
      this.beats.next({ lapsed });
    } catch (error) {
      this.logger.warn(`Cluster heartbeat failed: ${(error as Error).message}`);
    } finally {
      this.beating = false;
    }
  }
}
