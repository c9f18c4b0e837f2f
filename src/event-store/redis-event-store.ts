import { createHash } from 'node:crypto';
import type { EventId, JsonRpcMessage, StreamId } from '../protocol/json-rpc.js';
import type { RedisClient } from '../redis/redis-client.js';
import {
  connectRedis,
  DEFAULT_REDIS_URL,
  type RedisConnectionOptions,
} from '../redis/redis-connection.js';
import type { EventStoreUsage, SessionEventStore } from './session-event-store.interface.js';

/**
 * Options of the {@link RedisEventStore}.
 *
 * @publicApi
 */
export interface RedisEventStoreOptions extends RedisConnectionOptions, RedisEventStoreBounds {}

/**
 * How much the {@link RedisEventStore} keeps.
 *
 * @publicApi
 */
export interface RedisEventStoreBounds {
  /**
   * Events kept per stream; older ones are trimmed first.
   * @default 1000
   */
  maxEventsPerStream?: number;
  /**
   * Seconds a session's events outlive its last event, so that the events of a session whose
   * replica died before purging them still go away.
   * @default 86400
   */
  ttlSeconds?: number;
}

/** Redis reads a stream entry as `[id, [field, value, …]]`. */
type StreamEntry = [id: string, fields: string[]];

const REPLAY_BATCH = 500;
const EVENT_ID = /^([\w-]{8})\.(.+):(\d+-\d+)$/;

/**
 * A short tag of the session, carried in its event ids: stream ids repeat across sessions (every
 * standalone stream is `_GET_stream`), so without it another session's event id would name a
 * position in this session's stream of the same name.
 */
function sessionTag(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('base64url').slice(0, 8);
}

/**
 * Appends an event and renews the expiry of its stream and of the session's stream index, in one
 * command. KEYS: stream, index. ARGV: max events, message, TTL in seconds, stream id.
 */
const STORE_EVENT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'm', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return id`;

/**
 * The events of one session and the memory Redis reports for them (`MEMORY USAGE`, sampled for
 * large streams). KEYS: the session's stream index. ARGV: the prefix of its stream keys.
 */
const SESSION_USAGE = `
local events, bytes = 0, 0
for _, streamId in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. streamId
  events = events + redis.call('XLEN', key)
  bytes = bytes + (redis.call('MEMORY', 'USAGE', key) or 0)
end
return {events, bytes}`;

/** Sessions measured by one batch of concurrent `mcpSessionUsage` calls. */
const USAGE_BATCH = 500;

interface StoreEventCommand {
  mcpStoreEvent(...args: Array<string | number>): Promise<string>;
  mcpSessionUsage(index: string, streamKeyPrefix: string): Promise<[number, number]>;
}

/** The SDK stores a priming event as an empty message. */
const PRIMING_JSON = '{}';

/**
 * An event store on Redis Streams, so that any replica can resume any session's streams: one
 * Redis stream per MCP stream, trimmed to `maxEventsPerStream`, expiring `ttlSeconds` after its
 * last event, and deleted when the session ends. Keys carry the session id in a hash tag, so a
 * session's keys share one Redis Cluster slot. Event ids have the form
 * `<session tag>.<stream id>:<Redis id>`; keys are built from the session id of the request,
 * never from the event id, so one session cannot reach another's events.
 *
 * `ioredis` is an optional peer dependency, loaded only when a store is created with `connect`.
 *
 * @publicApi
 */
export class RedisEventStore implements SessionEventStore {
  private readonly keyPrefix: string;
  private readonly maxEventsPerStream: number;
  private readonly ttlSeconds: number;

  /**
   * @param client an `ioredis` client; the store closes it at `close()` only if `ownsClient`.
   */
  constructor(
    private readonly client: RedisClient,
    options: RedisEventStoreOptions = {},
    private readonly ownsClient = false,
  ) {
    client.defineCommand('mcpStoreEvent', { numberOfKeys: 2, lua: STORE_EVENT });
    client.defineCommand('mcpSessionUsage', { numberOfKeys: 1, lua: SESSION_USAGE });
    this.keyPrefix = options.keyPrefix ?? 'mcp:';
    this.maxEventsPerStream = options.maxEventsPerStream ?? 1000;
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    for (const [name, value] of Object.entries({
      maxEventsPerStream: this.maxEventsPerStream,
      ttlSeconds: this.ttlSeconds,
    })) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new RangeError(`RedisEventStore option "${name}" must be a positive integer`);
      }
    }
  }

  /**
   * Creates a store with its own client (see {@link connectRedis}), closed by `close()`.
   *
   * @throws Error naming the URL and how to fix it, when `ioredis` is missing or Redis does not answer.
   */
  static async connect(options: RedisEventStoreOptions = {}): Promise<RedisEventStore> {
    const client = await connectRedis(options.url ?? DEFAULT_REDIS_URL, RedisEventStore.name);
    return new RedisEventStore(client, options, true);
  }

  async storeEvent(
    sessionId: string,
    streamId: StreamId,
    message: JsonRpcMessage,
  ): Promise<EventId> {
    const key = this.streamKey(sessionId, streamId);
    const index = this.indexKey(sessionId);
    const redisId = await this.commands.mcpStoreEvent(
      key,
      index,
      this.maxEventsPerStream,
      JSON.stringify(message),
      this.ttlSeconds,
      streamId,
    );
    return `${sessionTag(sessionId)}.${streamId}:${redisId}`;
  }

  async getStreamIdForEventId(sessionId: string, eventId: EventId): Promise<StreamId | undefined> {
    const parsed = this.parse(sessionId, eventId);
    if (!parsed) return undefined;
    const exists = await this.client.exists(this.streamKey(sessionId, parsed.streamId));
    return exists ? parsed.streamId : undefined;
  }

  async replayEventsAfter(
    sessionId: string,
    lastEventId: EventId,
    send: (eventId: EventId, message: JsonRpcMessage) => Promise<void>,
  ): Promise<StreamId> {
    const parsed = this.parse(sessionId, lastEventId);
    const key = parsed && this.streamKey(sessionId, parsed.streamId);
    if (!parsed || !key || !(await this.client.exists(key))) {
      throw new Error(`Unknown event id for this session: ${lastEventId}`);
    }
    const tag = sessionTag(sessionId);
    let after = parsed.redisId;
    for (;;) {
      const entries = (await this.client.xrange(
        key,
        `(${after}`,
        '+',
        'COUNT',
        REPLAY_BATCH,
      )) as StreamEntry[];
      for (const [redisId, [, json]] of entries) {
        if (json === PRIMING_JSON) continue;
        await send(`${tag}.${parsed.streamId}:${redisId}`, JSON.parse(json) as JsonRpcMessage);
      }
      if (entries.length < REPLAY_BATCH) return parsed.streamId;
      after = entries[entries.length - 1][0];
    }
  }

  async purgeSession(sessionId: string): Promise<void> {
    const index = this.indexKey(sessionId);
    const streamIds = await this.client.smembers(index);
    await this.client.del(
      index,
      ...streamIds.map((streamId) => this.streamKey(sessionId, streamId)),
    );
  }

  /**
   * The events held in Redis for `sessionIds`, and the memory Redis reports for their streams:
   * what this replica's sessions hold, so that the replicas' gauges add up to the cluster's.
   */
  async usage(sessionIds: readonly string[]): Promise<EventStoreUsage> {
    const total: EventStoreUsage = { events: 0, bytes: 0 };
    for (let start = 0; start < sessionIds.length; start += USAGE_BATCH) {
      const batch = sessionIds.slice(start, start + USAGE_BATCH);
      const usages = await Promise.all(
        batch.map((id) => this.commands.mcpSessionUsage(this.indexKey(id), this.streamKey(id, ''))),
      );
      for (const [events, bytes] of usages) {
        total.events += events;
        total.bytes += bytes;
      }
    }
    return total;
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit();
  }

  private get commands(): StoreEventCommand {
    return this.client as RedisClient & StoreEventCommand;
  }

  private streamKey(sessionId: string, streamId: StreamId): string {
    return `${this.keyPrefix}events:{${sessionId}}:${streamId}`;
  }

  private indexKey(sessionId: string): string {
    return `${this.keyPrefix}streams:{${sessionId}}`;
  }

  /** The stream and position an event id names, if it is an id of this session. */
  private parse(
    sessionId: string,
    eventId: EventId,
  ): { streamId: StreamId; redisId: string } | undefined {
    const match = EVENT_ID.exec(eventId);
    if (!match || match[1] !== sessionTag(sessionId)) return undefined;
    return { streamId: match[2], redisId: match[3] };
  }
}
