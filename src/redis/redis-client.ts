/**
 * The commands of a pipeline that the module queues: each answers with `[error, result]` when the
 * pipeline is executed.
 *
 * @publicApi
 */
export interface RedisPipeline {
  exists(key: string): unknown;
  hget(key: string, field: string): unknown;
  exec(): Promise<Array<[error: Error | null, result: unknown]> | null>;
}

/**
 * What the module calls on a Redis client: a subset of `ioredis`'s `Redis` class, which satisfies
 * it. It is declared here rather than imported so that the published type declarations compile
 * without `ioredis` installed: `ioredis` is an optional peer dependency, needed only at run time
 * and only when a Redis store is configured.
 *
 * @publicApi
 */
export interface RedisClient {
  connect(): Promise<void>;
  ping(): Promise<string>;
  quit(): Promise<unknown>;
  disconnect(): void;
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void;
  exists(...keys: string[]): Promise<number>;
  del(...keys: string[]): Promise<number>;
  set(key: string, value: string, expiryMode: 'PX', milliseconds: number): Promise<unknown>;
  smembers(key: string): Promise<string[]>;
  xrange(
    key: string,
    start: string,
    end: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<Array<[id: string, fields: string[]]>>;
  pipeline(): RedisPipeline;
  publish(channel: string, message: string): Promise<number>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  removeAllListeners(event?: string): unknown;
}
