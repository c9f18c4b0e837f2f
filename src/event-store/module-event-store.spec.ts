import { resolveMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type { McpSessionModuleOptions } from '../options/mcp-session-options.interface.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { ModuleEventStore } from './module-event-store.js';
import type { SessionEventStore } from './session-event-store.interface.js';

function create(options: McpSessionModuleOptions): Promise<ModuleEventStore> {
  return ModuleEventStore.create(resolveMcpSessionOptions(options), undefined);
}

describe('ModuleEventStore', () => {
  it('builds a new InMemoryEventStore for each registration, and closes it at shutdown', async () => {
    const first = await create({ eventStore: 'memory' });
    const second = await create({ eventStore: 'memory' });
    const store = first.store as InMemoryEventStore;
    await store.storeEvent('s', 'st', { jsonrpc: '2.0', method: 'a' });

    expect(store).toBeInstanceOf(InMemoryEventStore);
    expect(second.store).not.toBe(store);
    await first.onApplicationShutdown();
    expect(store.size).toBe(0);
  });

  it('passes the in-memory bounds to the store', async () => {
    const { store } = await create({ inMemoryEventStore: { maxEventsPerStream: 1 } });

    await store!.storeEvent('s', 'st', { jsonrpc: '2.0', method: 'a' });
    await store!.storeEvent('s', 'st', { jsonrpc: '2.0', method: 'b' });

    expect((store as InMemoryEventStore).size).toBe(1);
  });

  it('rejects invalid in-memory bounds with a RangeError from the store', async () => {
    await expect(create({ inMemoryEventStore: { maxEventsPerStream: 0 } })).rejects.toThrow(
      RangeError,
    );
    await expect(create({ inMemoryEventStore: { maxTotalBytes: -1 } })).rejects.toThrow(
      /maxTotalBytes/,
    );
  });

  it("has no store with 'none', or without sessions", async () => {
    expect((await create({ eventStore: 'none' })).store).toBeUndefined();
    expect((await create({ stateless: true })).store).toBeUndefined();
  });

  it('uses a store of the application as is, and leaves closing it to the application', async () => {
    let closed = false;
    const own: SessionEventStore = {
      storeEvent: async () => 'id',
      getStreamIdForEventId: async () => undefined,
      replayEventsAfter: async () => 'stream',
      purgeSession: async () => undefined,
      close: async () => {
        closed = true;
      },
    };

    const provided = await create({ eventStore: own });
    await provided.onApplicationShutdown();

    expect(provided.store).toBe(own);
    expect(closed).toBe(false);
  });
});
