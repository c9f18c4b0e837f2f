import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryEventStore, RedisEventStore, type SessionEventStore } from '../src/index.js';
import { startRedis, type TestRedis } from './support/redis.js';

function note(label: string): JSONRPCMessage {
  return { jsonrpc: '2.0', method: 'notifications/message', params: { label } };
}

const PRIMING = {} as JSONRPCMessage;

async function replayLabels(store: SessionEventStore, sessionId: string, eventId: string) {
  const labels: unknown[] = [];
  const streamId = await store.replayEventsAfter(sessionId, eventId, async (_id, message) => {
    labels.push('params' in message ? message.params?.label : message);
  });
  return { streamId, labels };
}

let redis: TestRedis;
const redisStores: RedisEventStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(redisStores.map((store) => store.close()));
  await redis?.stop();
});

const factories: Array<[string, (maxEventsPerStream?: number) => Promise<SessionEventStore>]> = [
  [
    'InMemoryEventStore',
    async (maxEventsPerStream) => new InMemoryEventStore({ maxEventsPerStream }),
  ],
  [
    'RedisEventStore',
    async (maxEventsPerStream) => {
      const store = await RedisEventStore.connect({
        url: redis.url,
        keyPrefix: `${redis.keyPrefix}${redisStores.length}:`,
        maxEventsPerStream,
      });
      redisStores.push(store);
      return store;
    },
  ],
];

describe.each(factories)('the SessionEventStore contract: %s', (_name, create) => {
  it('replays, in order, only the later events of the same stream, and names the stream', async () => {
    const store = await create();
    const first = await store.storeEvent('s1', 'stream-a', note('a1'));
    await store.storeEvent('s1', 'stream-b', note('b1'));
    await store.storeEvent('s1', 'stream-a', note('a2'));
    await store.storeEvent('s1', 'stream-a', note('a3'));
    expect(await replayLabels(store, 's1', first)).toEqual({
      streamId: 'stream-a',
      labels: ['a2', 'a3'],
    });
    expect(await store.getStreamIdForEventId('s1', first)).toBe('stream-a');
  });

  it('uses priming events as cursors but never re-sends them', async () => {
    const store = await create();
    const priming = await store.storeEvent('s1', 'st', PRIMING);
    await store.storeEvent('s1', 'st', note('e1'));
    await store.storeEvent('s1', 'st', PRIMING);
    await store.storeEvent('s1', 'st', note('e2'));
    expect((await replayLabels(store, 's1', priming)).labels).toEqual(['e1', 'e2']);
  });

  it("never lets one session reach another session's events", async () => {
    const store = await create();
    const secret = await store.storeEvent('owner', 'st', note('secret'));
    await store.storeEvent('owner', 'st', note('secret-2'));
    await store.storeEvent('intruder', 'st', note('own'));
    expect(await store.getStreamIdForEventId('intruder', secret)).toBeUndefined();
    await expect(replayLabels(store, 'intruder', secret)).rejects.toThrow(/Unknown event id/);
  });

  it.each(['', 'garbage', 'st:', ':1-0', 'st:not-an-id', 'unknown-stream:1-0', 'x.1'])(
    'treats %j as unknown',
    async (eventId) => {
      const store = await create();
      await store.storeEvent('s1', 'st', note('e1'));
      expect(await store.getStreamIdForEventId('s1', eventId)).toBeUndefined();
      await expect(replayLabels(store, 's1', eventId)).rejects.toThrow(/Unknown event id/);
    },
  );

  it("purges one session's events and leaves the others'", async () => {
    const store = await create();
    const gone = await store.storeEvent('s1', 'st', note('x'));
    await store.storeEvent('s1', 'other', note('y'));
    const kept = await store.storeEvent('s2', 'st', note('k1'));
    await store.storeEvent('s2', 'st', note('k2'));
    await store.purgeSession('s1');
    expect(await store.getStreamIdForEventId('s1', gone)).toBeUndefined();
    expect((await replayLabels(store, 's2', kept)).labels).toEqual(['k2']);
  });

  it('keeps at most maxEventsPerStream events per stream, dropping the oldest', async () => {
    const store = await create(3);
    const ids: string[] = [];
    for (const label of ['e1', 'e2', 'e3', 'e4', 'e5'])
      ids.push(await store.storeEvent('s1', 'st', note(label)));
    // A cursor still held replays what remains after it.
    expect((await replayLabels(store, 's1', ids[2])).labels).toEqual(['e4', 'e5']);
    expect((await replayLabels(store, 's1', ids[0])).labels).toEqual(['e3', 'e4', 'e5']);
  });
});

describe('RedisEventStore.connect', () => {
  it('fails with a message naming the URL when Redis does not answer', async () => {
    await expect(RedisEventStore.connect({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /could not reach Redis at redis:\/\/127\.0\.0\.1:1.*Start Redis or fix the URL/,
    );
  });
});
