import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { RedisClient } from '../redis/redis-client.js';
import { connectRedis, type RedisConnectionOptions } from '../redis/redis-connection.js';

/**
 * The SDK v2's `ServerEventBus` over Redis pub/sub, for replicas that share their sessions: an
 * event published on any replica (`McpNotifier.toolsChanged()` and the like) reaches the open
 * `subscriptions/listen` streams of every replica, this one included.
 *
 * Every event goes through Redis, also to this replica's own listeners, so that all replicas see
 * events in one order and a listener never hears its own publish synchronously. An event
 * published while Redis is unreachable is lost (and logged): a listening client learns of the
 * change at its next list request.
 */
export class RedisServerEventBus implements ServerEventBus, OnApplicationShutdown {
  private readonly logger = new Logger(RedisServerEventBus.name);
  private readonly listeners = new Set<(event: ServerEvent) => void>();

  private constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly channel: string,
  ) {}

  /** Connects to Redis and starts hearing the events published by every replica. */
  static async connect(options: Required<RedisConnectionOptions>): Promise<RedisServerEventBus> {
    const publisher = await connectRedis(options.url, 'McpSessionModule');
    let subscriber: RedisClient | undefined;
    try {
      subscriber = await connectRedis(options.url, 'McpSessionModule');
      const bus = new RedisServerEventBus(
        publisher,
        subscriber,
        `${options.keyPrefix}server-events`,
      );
      subscriber.on('message', (channel, message) => {
        if (channel === bus.channel) bus.deliver(message);
      });
      await subscriber.subscribe(bus.channel);
      return bus;
    } catch (error) {
      publisher.disconnect();
      subscriber?.disconnect();
      throw error;
    }
  }

  publish(event: ServerEvent): void {
    this.publisher.publish(this.channel, JSON.stringify(event)).catch((error: Error) => {
      this.logger.warn(`Publishing a ${event.kind} event failed: ${error.message}`);
    });
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    // A connection that cannot say QUIT (Redis is gone) is cut, or it would retry for ever.
    await Promise.all(
      [this.publisher, this.subscriber].map((connection) =>
        connection.quit().catch(() => connection.disconnect()),
      ),
    );
  }

  private deliver(message: string): void {
    let event: ServerEvent;
    try {
      event = JSON.parse(message) as ServerEvent;
    } catch {
      this.logger.warn('Ignored a server event that is not JSON');
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn(`A server event listener failed: ${(error as Error).message}`);
      }
    }
  }
}
