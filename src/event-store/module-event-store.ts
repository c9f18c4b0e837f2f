import type { OnApplicationShutdown } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-client.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { RedisEventStore } from './redis-event-store.js';
import type { SessionEventStore } from './session-event-store.interface.js';

/**
 * The event store of one module registration: the application's own, or one the module built
 * from the options, which it then closes at shutdown. `store` is `undefined` when streams are not
 * resumable.
 */
export class ModuleEventStore implements OnApplicationShutdown {
  private constructor(
    readonly store: SessionEventStore | undefined,
    private readonly owned: boolean,
  ) {}

  /**
   * The store the options name. A Redis store uses `sharedClient` when there is one (the cluster's
   * command connection, closed by its owner), else connects its own.
   *
   * @throws Error when Redis does not answer, or a store's bounds are invalid.
   */
  static async create(
    options: ResolvedMcpSessionOptions,
    sharedClient: RedisClient | undefined,
  ): Promise<ModuleEventStore> {
    const choice = options.eventStore;
    if (choice === 'none') return new ModuleEventStore(undefined, false);
    if (choice === 'memory') {
      return new ModuleEventStore(new InMemoryEventStore(options.inMemoryEventStore), true);
    }
    if (choice !== 'redis') return new ModuleEventStore(choice, false);
    const storeOptions = { ...options.redis, ...options.redisEventStore };
    if (sharedClient) {
      return new ModuleEventStore(new RedisEventStore(sharedClient, storeOptions), false);
    }
    return new ModuleEventStore(await RedisEventStore.connect(storeOptions), true);
  }

  /** Closes a store the module built; the application closes its own. */
  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.store?.close?.();
  }
}
