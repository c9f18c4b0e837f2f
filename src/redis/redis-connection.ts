import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/** How long a command may wait for Redis's answer. */
const COMMAND_TIMEOUT_MS = 2_000;
/** TCP keep-alive on the connection, so that a peer that vanished is noticed. */
const KEEP_ALIVE_MS = 10_000;

/** Client settings a caller may add to the module's own. */
export interface RedisClientSettings {
  /** Send the commands issued in one tick as one pipeline. */
  enableAutoPipelining?: boolean;
}

/** The Redis server the module uses when none is configured. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The prefix of every key the module writes when none is configured. */
export const DEFAULT_REDIS_KEY_PREFIX = 'mcp:';

/**
 * Where the module's Redis data lives, shared by the session registry and the Redis event store.
 *
 * @publicApi
 */
export interface RedisConnectionOptions {
  /**
   * The Redis server.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /**
   * Prefix of every key the module writes; replicas that share sessions use the same one.
   * @default 'mcp:'
   */
  keyPrefix?: string;
}

/**
 * Connects an `ioredis` client and checks that Redis answers. Commands fail at once while Redis is
 * unreachable, rather than queueing, so that requests fail instead of hanging; a lost connection is
 * retried in the background.
 *
 * `ioredis` is an optional peer dependency: it is loaded here, only when Redis is configured.
 *
 * @throws Error naming the URL and the fix, when `ioredis` is missing or Redis does not answer.
 */
export async function connectRedis(
  url: string,
  user: string,
  options: RedisClientSettings = {},
): Promise<RedisClient> {
  let RedisClient: typeof Redis;
  try {
    ({ Redis: RedisClient } = await import('ioredis'));
  } catch (error) {
    throw new Error(`${user} needs the "ioredis" package: npm install ioredis`, { cause: error });
  }
  let connected = false;
  const client = new RedisClient(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A command that gets no answer (a Redis that hangs) fails instead of holding its request.
    commandTimeout: COMMAND_TIMEOUT_MS,
    keepAlive: KEEP_ALIVE_MS,
    // Reconnect after a lost connection, but do not retry a first connection that failed.
    retryStrategy: (attempt) => (connected ? Math.min(attempt * 200, 2000) : null),
    ...options,
  });
  const logger = new Logger(user);
  client.on('error', (error: Error) => {
    if (connected) logger.warn(`Redis at ${url}: ${error.message}`);
  });
  try {
    await client.connect();
    await client.ping();
    connected = true;
  } catch (error) {
    client.disconnect();
    throw new Error(
      `${user} could not reach Redis at ${url}: ${(error as Error).message}. Start Redis or fix the URL.`,
      { cause: error },
    );
  }
  return client;
}
