import type { EventId, JsonRpcMessage, StreamId } from '../protocol/json-rpc.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { type SessionEventStore, scopeEventStore } from './session-event-store.interface.js';

/** A notification whose serialized size depends only on the width of `label`. */
function note(label: string): JsonRpcMessage {
  return { jsonrpc: '2.0', method: 'notifications/message', params: { label } };
}

/** The priming event the SDK stores before a stream's first message. */
const PRIMING = {} as JsonRpcMessage;

/** What the store charges against `maxTotalBytes` for one event. */
function sizeOf(message: JsonRpcMessage): number {
  return Buffer.byteLength(JSON.stringify(message)) + InMemoryEventStore.EVENT_OVERHEAD_BYTES;
}

/** What the store charges against `maxTotalBytes` for each stream it holds. */
const STREAM = InMemoryEventStore.STREAM_OVERHEAD_BYTES;

/** A notification that costs more than a stream record, so that events dominate the bound. */
function bulky(label: string): JsonRpcMessage {
  return {
    jsonrpc: '2.0',
    method: 'notifications/message',
    params: { label, padding: '.'.repeat(STREAM) },
  };
}

interface Replayed {
  streamId: StreamId;
  ids: EventId[];
  labels: unknown[];
}

/** Replays after `lastEventId` and collects what was sent. */
async function replay(
  store: SessionEventStore,
  sessionId: string,
  lastEventId: EventId,
): Promise<Replayed> {
  const ids: EventId[] = [];
  const labels: unknown[] = [];
  const streamId = await store.replayEventsAfter(sessionId, lastEventId, async (id, message) => {
    ids.push(id);
    labels.push('params' in message ? message.params?.label : message);
  });
  return { streamId, ids, labels };
}

/** Stores `labels` in order on one stream and returns their ids. */
async function storeAll(
  store: SessionEventStore,
  sessionId: string,
  streamId: StreamId,
  labels: string[],
  make: (label: string) => JsonRpcMessage = note,
): Promise<EventId[]> {
  const ids: EventId[] = [];
  for (const label of labels) ids.push(await store.storeEvent(sessionId, streamId, make(label)));
  return ids;
}

describe('InMemoryEventStore', () => {
  describe('store and replay', () => {
    it('replays only the later events of the same stream, in order, and returns the stream id', async () => {
      const store = new InMemoryEventStore();
      const ids = await storeAll(store, 's1', 'stream-a', ['a1', 'a2', 'a3', 'a4']);

      const result = await replay(store, 's1', ids[1]);

      expect(result.streamId).toBe('stream-a');
      expect(result.labels).toEqual(['a3', 'a4']);
      expect(result.ids).toEqual([ids[2], ids[3]]);
    });

    it('replays nothing after the last event of a stream', async () => {
      const store = new InMemoryEventStore();
      const ids = await storeAll(store, 's1', 'stream-a', ['a1', 'a2']);

      const result = await replay(store, 's1', ids[1]);

      expect(result).toEqual({ streamId: 'stream-a', ids: [], labels: [] });
    });

    it('returns distinct event ids and maps each to its stream', async () => {
      const store = new InMemoryEventStore();
      const a = await storeAll(store, 's1', 'stream-a', ['a1', 'a2']);
      const b = await storeAll(store, 's1', 'stream-b', ['b1']);

      expect(new Set([...a, ...b]).size).toBe(3);
      await expect(store.getStreamIdForEventId('s1', a[0])).resolves.toBe('stream-a');
      await expect(store.getStreamIdForEventId('s1', a[1])).resolves.toBe('stream-a');
      await expect(store.getStreamIdForEventId('s1', b[0])).resolves.toBe('stream-b');
    });

    it('does not replay events of other streams of the same session', async () => {
      const store = new InMemoryEventStore();
      const [a1] = await storeAll(store, 's1', 'stream-a', ['a1']);
      await store.storeEvent('s1', 'stream-b', note('b1'));
      await store.storeEvent('s1', 'stream-a', note('a2'));
      await store.storeEvent('s1', 'stream-b', note('b2'));
      await store.storeEvent('s1', 'stream-a', note('a3'));

      const result = await replay(store, 's1', a1);

      expect(result.streamId).toBe('stream-a');
      expect(result.labels).toEqual(['a2', 'a3']);
    });

    it('sends events one at a time, waiting for each send to finish', async () => {
      const store = new InMemoryEventStore();
      const [first] = await storeAll(store, 's1', 'st', ['e1', 'e2', 'e3']);
      const log: string[] = [];

      await store.replayEventsAfter('s1', first, async (_id, message) => {
        const label = 'params' in message ? String(message.params?.label) : '?';
        log.push(`start ${label}`);
        await Promise.resolve();
        log.push(`end ${label}`);
      });

      expect(log).toEqual(['start e2', 'end e2', 'start e3', 'end e3']);
    });

    it('counts events, charged bytes, streams and sessions', async () => {
      const store = new InMemoryEventStore();
      expect([store.size, store.bytes, store.streamCount, store.sessionCount]).toEqual([
        0, 0, 0, 0,
      ]);

      await store.storeEvent('s1', 'st', note('x1'));
      await store.storeEvent('s1', 'st2', note('x22'));
      await store.storeEvent('s2', 'st', note('x333'));

      expect(store.size).toBe(3);
      expect(store.bytes).toBe(
        sizeOf(note('x1')) + sizeOf(note('x22')) + sizeOf(note('x333')) + 3 * STREAM,
      );
      expect(store.streamCount).toBe(3);
      expect(store.sessionCount).toBe(2);
    });
  });

  it('charges serialized size in UTF-8 bytes, plus bookkeeping per event and per stream', async () => {
    const store = new InMemoryEventStore();
    const message = note('€'.repeat(60));
    await store.storeEvent('s1', 'st', message);
    const bookkeeping = InMemoryEventStore.EVENT_OVERHEAD_BYTES + STREAM;
    expect(store.bytes).toBe(Buffer.byteLength(JSON.stringify(message)) + bookkeeping);
    expect(store.bytes - bookkeeping).toBeGreaterThan(JSON.stringify(message).length);
  });

  describe('session scoping', () => {
    it('treats an event id of another session as unknown', async () => {
      const store = new InMemoryEventStore();
      const [a1] = await storeAll(store, 'session-a', 'stream', ['a1', 'a2']);
      await storeAll(store, 'session-b', 'stream', ['b1', 'b2']);

      await expect(store.getStreamIdForEventId('session-b', a1)).resolves.toBeUndefined();
      const sent: EventId[] = [];
      await expect(
        store.replayEventsAfter('session-b', a1, async (id) => {
          sent.push(id);
        }),
      ).rejects.toThrow(/Unknown event id/);
      expect(sent).toEqual([]);
      // The owner still resolves it.
      await expect(store.getStreamIdForEventId('session-a', a1)).resolves.toBe('stream');
    });

    it('gives the same stream id in two sessions distinct event ids', async () => {
      const store = new InMemoryEventStore();
      const [a1] = await storeAll(store, 'session-a', 'stream', ['a1']);
      const [b1] = await storeAll(store, 'session-b', 'stream', ['b1']);

      expect(a1).not.toBe(b1);
      expect((await replay(store, 'session-a', a1)).labels).toEqual([]);
      expect((await replay(store, 'session-b', b1)).labels).toEqual([]);
    });

    it.each([
      ['empty', ''],
      ['no separator', 'x'],
      ['unknown token, seq 0', 'abc.0'],
      ['unknown token, negative seq', 'abc.-1'],
      ['unknown token, valid seq', 'abc.1'],
      ['separator only', '.'],
      ['no token', '.1'],
    ])('treats a garbage id (%s: %j) as unknown', async (_case, eventId) => {
      const store = new InMemoryEventStore();
      await storeAll(store, 's1', 'st', ['e1', 'e2']);

      await expect(store.getStreamIdForEventId('s1', eventId)).resolves.toBeUndefined();
      await expect(replay(store, 's1', eventId)).rejects.toThrow(/Unknown event id/);
    });

    it('treats a real token with an out-of-range or malformed sequence as unknown', async () => {
      const store = new InMemoryEventStore();
      const ids = await storeAll(store, 's1', 'st', ['e1', 'e2']);
      const token = ids[1].slice(0, ids[1].lastIndexOf('.'));
      expect(ids).toEqual([`${token}.1`, `${token}.2`]);

      for (const eventId of [
        `${token}.3`,
        `${token}.0`,
        `${token}.-1`,
        `${token}.`,
        `${token}.abc`,
        `${token}.NaN`,
        `${token}.Infinity`,
        `${token}.9007199254740993`,
        `${token}.01`,
        `${token}.1e0`,
        `${token}.+1`,
        `${token}.0x1`,
        `${token}. 1`,
      ]) {
        await expect(store.getStreamIdForEventId('s1', eventId)).resolves.toBeUndefined();
        await expect(replay(store, 's1', eventId)).rejects.toThrow(/Unknown event id/);
      }
    });
  });

  describe('priming events', () => {
    it('stores a priming event, whose id works as a cursor, but never re-sends it', async () => {
      const store = new InMemoryEventStore();
      const primingId = await store.storeEvent('s1', 'st', PRIMING);
      const [e1] = await storeAll(store, 's1', 'st', ['e1', 'e2']);

      expect(store.size).toBe(3);
      expect(store.bytes).toBe(sizeOf(PRIMING) + sizeOf(note('e1')) + sizeOf(note('e2')) + STREAM);
      await expect(store.getStreamIdForEventId('s1', primingId)).resolves.toBe('st');

      const fromPriming = await replay(store, 's1', primingId);
      expect(fromPriming.streamId).toBe('st');
      expect(fromPriming.labels).toEqual(['e1', 'e2']);

      // A second priming event in the middle of the stream (a reconnection) is skipped as well.
      await store.storeEvent('s1', 'st', PRIMING);
      await storeAll(store, 's1', 'st', ['e3']);
      expect((await replay(store, 's1', e1)).labels).toEqual(['e2', 'e3']);
    });
  });

  describe('maxEventsPerStream', () => {
    it('drops the oldest events of that stream only, and its counters go down', async () => {
      const store = new InMemoryEventStore({ maxEventsPerStream: 3 });
      const other = await storeAll(store, 's1', 'other', ['o1']);
      const ids = await storeAll(store, 's1', 'st', ['e1', 'e2', 'e3']);
      expect(store.size).toBe(4);

      await storeAll(store, 's1', 'st', ['e4', 'e5']);

      expect(store.size).toBe(4);
      expect(store.bytes).toBe(
        sizeOf(note('o1')) +
          sizeOf(note('e3')) +
          sizeOf(note('e4')) +
          sizeOf(note('e5')) +
          2 * STREAM,
      );
      // The other stream is untouched.
      await expect(store.getStreamIdForEventId('s1', other[0])).resolves.toBe('other');
      // The cursor to the oldest kept event replays the rest.
      expect((await replay(store, 's1', ids[2])).labels).toEqual(['e4', 'e5']);
    });

    it('still accepts a cursor to a dropped event and replays what remains (the gap is silent)', async () => {
      const store = new InMemoryEventStore({ maxEventsPerStream: 2 });
      const primingId = await store.storeEvent('s1', 'st', PRIMING);
      const ids = await storeAll(store, 's1', 'st', ['e1', 'e2', 'e3', 'e4']);

      expect(store.size).toBe(2);
      // e1 and e2 are gone, yet their ids (and the priming id) are still known cursors.
      await expect(store.getStreamIdForEventId('s1', primingId)).resolves.toBe('st');
      await expect(store.getStreamIdForEventId('s1', ids[0])).resolves.toBe('st');

      const fromPriming = await replay(store, 's1', primingId);
      expect(fromPriming.labels).toEqual(['e3', 'e4']);
      expect(fromPriming.ids).toEqual([ids[2], ids[3]]);
      expect((await replay(store, 's1', ids[0])).labels).toEqual(['e3', 'e4']);
    });

    it('with a bound of 1 keeps only the latest event', async () => {
      const store = new InMemoryEventStore({ maxEventsPerStream: 1 });
      const ids = await storeAll(store, 's1', 'st', ['e1', 'e2', 'e3']);

      expect(store.size).toBe(1);
      expect(store.bytes).toBe(sizeOf(note('e3')) + STREAM);
      expect((await replay(store, 's1', ids[0])).labels).toEqual(['e3']);
    });
  });

  describe('maxTotalBytes', () => {
    it('evicts the store-wide oldest events first, across sessions', async () => {
      const s = sizeOf(note('A1'));
      const p = sizeOf(PRIMING);
      const store = new InMemoryEventStore({ maxTotalBytes: 2 * p + 3 * s + 2 * STREAM });
      const pa = await store.storeEvent('session-a', 'st', PRIMING);
      const pb = await store.storeEvent('session-b', 'st', PRIMING);
      await store.storeEvent('session-a', 'st', note('A1'));
      await store.storeEvent('session-b', 'st', note('B1'));
      await store.storeEvent('session-a', 'st', note('A2'));
      expect(store.size).toBe(5);
      expect(store.bytes).toBe(2 * p + 3 * s + 2 * STREAM);

      // One more event: the two priming events and A1 (the oldest) must go to fit it.
      await store.storeEvent('session-b', 'st', note('B2'));

      expect(store.size).toBe(3);
      expect(store.bytes).toBe(3 * s + 2 * STREAM);
      expect(store.sessionCount).toBe(2);
      expect((await replay(store, 'session-a', pa)).labels).toEqual(['A2']);
      expect((await replay(store, 'session-b', pb)).labels).toEqual(['B1', 'B2']);

      // Next to go is B1, then A2.
      await store.storeEvent('session-a', 'st', note('A3'));
      expect((await replay(store, 'session-b', pb)).labels).toEqual(['B2']);
      expect((await replay(store, 'session-a', pa)).labels).toEqual(['A2', 'A3']);
      await store.storeEvent('session-a', 'st', note('A4'));
      expect((await replay(store, 'session-a', pa)).labels).toEqual(['A3', 'A4']);
      expect((await replay(store, 'session-b', pb)).labels).toEqual(['B2']);
      expect(store.bytes).toBeLessThanOrEqual(2 * p + 3 * s + 2 * STREAM);
    });

    it('skips events already dropped by the per-stream bound when evicting by age', async () => {
      const s = sizeOf(note('A1'));
      const store = new InMemoryEventStore({
        maxEventsPerStream: 2,
        maxTotalBytes: 4 * s + 3 * STREAM,
      });
      const [a1] = await storeAll(store, 'session-a', 'a', ['A1', 'A2', 'A3']); // A1 dropped
      const [b1] = await storeAll(store, 'session-b', 'b', ['B1', 'B2']);
      expect(store.size).toBe(4);

      // Over the byte bound: the oldest event still held is A2 (A1 is already gone).
      await storeAll(store, 'session-b', 'c', ['C1']);

      expect(store.size).toBe(4);
      expect(store.bytes).toBe(4 * s + 3 * STREAM);
      expect((await replay(store, 'session-a', a1)).labels).toEqual(['A3']);
      expect((await replay(store, 'session-b', b1)).labels).toEqual(['B2']);
    });

    it('drops an event larger than the whole bound right away, with its stream', async () => {
      const store = new InMemoryEventStore({ maxTotalBytes: 10 });
      const big = await store.storeEvent('s1', 'st', note('far more than ten bytes'));

      expect([store.size, store.bytes, store.streamCount, store.sessionCount]).toEqual([
        0, 0, 0, 0,
      ]);
      await expect(store.getStreamIdForEventId('s1', big)).resolves.toBeUndefined();
      await expect(replay(store, 's1', big)).rejects.toThrow(/Unknown event id/);
    });

    it('forgets a stream with its last event, so that stream records stay bounded too', async () => {
      const s = sizeOf(note('A1'));
      const store = new InMemoryEventStore({ maxTotalBytes: 3 * s + 2 * STREAM });
      const [a1] = await storeAll(store, 'session-a', 'a', ['A1']);
      const [b1] = await storeAll(store, 'session-b', 'b', ['B1', 'B2']);
      expect([store.streamCount, store.sessionCount]).toEqual([2, 2]);

      // A new stream: A1, the oldest event, goes, and with it stream a and session-a's entry.
      const [c1] = await storeAll(store, 'session-b', 'c', ['C1']);

      expect([store.size, store.streamCount, store.sessionCount]).toEqual([3, 2, 1]);
      expect(store.bytes).toBe(3 * s + 2 * STREAM);
      await expect(store.getStreamIdForEventId('session-a', a1)).resolves.toBeUndefined();
      await expect(replay(store, 'session-a', a1)).rejects.toThrow(/Unknown event id/);
      expect((await replay(store, 'session-b', b1)).labels).toEqual(['B2']);
      await expect(store.getStreamIdForEventId('session-b', c1)).resolves.toBe('c');

      // The same stream id stored again starts afresh, with ids the old cursor does not reach.
      const [a2] = await storeAll(store, 'session-a', 'a', ['A2']);
      expect(a2.split('.')[0]).not.toBe(a1.split('.')[0]);
      await expect(store.getStreamIdForEventId('session-a', a2)).resolves.toBe('a');
    });
  });

  describe('purgeSession', () => {
    it("removes all of a session's events and leaves other sessions intact", async () => {
      const store = new InMemoryEventStore();
      const a = await storeAll(store, 'session-a', 'st1', ['a1', 'a2']);
      const a2 = await storeAll(store, 'session-a', 'st2', ['a3']);
      const b = await storeAll(store, 'session-b', 'st1', ['b1', 'b2']);
      expect([store.size, store.sessionCount]).toEqual([5, 2]);

      await store.purgeSession('session-a');

      expect(store.size).toBe(2);
      expect(store.bytes).toBe(sizeOf(note('b1')) + sizeOf(note('b2')) + STREAM);
      expect(store.sessionCount).toBe(1);
      for (const id of [...a, ...a2]) {
        await expect(store.getStreamIdForEventId('session-a', id)).resolves.toBeUndefined();
        await expect(replay(store, 'session-a', id)).rejects.toThrow(/Unknown event id/);
      }
      expect((await replay(store, 'session-b', b[0])).labels).toEqual(['b2']);
    });

    it('is a no-op for an unknown session and can be repeated', async () => {
      const store = new InMemoryEventStore();
      await storeAll(store, 'session-a', 'st', ['a1']);

      await store.purgeSession('nobody');
      await store.purgeSession('session-a');
      await store.purgeSession('session-a');

      expect([store.size, store.bytes, store.sessionCount]).toEqual([0, 0, 0]);
    });

    it('does not let purged events count in later age-based eviction', async () => {
      const s = sizeOf(bulky('A1'));
      const store = new InMemoryEventStore({ maxTotalBytes: 3 * s + 2 * STREAM });
      await storeAll(store, 'session-a', 'st', ['A1', 'A2'], bulky);
      const [b1] = await storeAll(store, 'session-b', 'st', ['B1'], bulky);
      await store.purgeSession('session-a');

      await storeAll(store, 'session-b', 'st', ['B2', 'B3'], bulky);
      expect([store.size, store.bytes]).toEqual([3, 3 * s + STREAM]);
      await storeAll(store, 'session-b', 'st', ['B4'], bulky);

      // B1 was the oldest held; the purged A events did not shield it.
      expect([store.size, store.bytes]).toEqual([3, 3 * s + STREAM]);
      expect((await replay(store, 'session-b', b1)).labels).toEqual(['B2', 'B3', 'B4']);
    });

    it('starts a fresh stream, with new ids, when a purged session stores again', async () => {
      const store = new InMemoryEventStore();
      const [old] = await storeAll(store, 's1', 'st', ['e1']);
      await store.purgeSession('s1');

      const [fresh] = await storeAll(store, 's1', 'st', ['e2', 'e3']);

      expect(fresh).not.toBe(old);
      await expect(store.getStreamIdForEventId('s1', old)).resolves.toBeUndefined();
      expect((await replay(store, 's1', fresh)).labels).toEqual(['e3']);
      expect([store.size, store.sessionCount]).toEqual([2, 1]);
    });
  });

  describe('close', () => {
    it('empties everything and forgets every id', async () => {
      const store = new InMemoryEventStore();
      const [a1] = await storeAll(store, 'session-a', 'st', ['a1', 'a2']);
      const [b1] = await storeAll(store, 'session-b', 'st', ['b1']);

      await store.close();

      expect([store.size, store.bytes, store.sessionCount]).toEqual([0, 0, 0]);
      await expect(store.getStreamIdForEventId('session-a', a1)).resolves.toBeUndefined();
      await expect(replay(store, 'session-b', b1)).rejects.toThrow(/Unknown event id/);
    });
  });

  describe('constructor', () => {
    it('applies the default bounds', async () => {
      const store = new InMemoryEventStore();
      const [first] = await storeAll(
        store,
        's1',
        'st',
        Array.from({ length: 1001 }, (_, i) => `e${i}`),
      );

      expect(store.size).toBe(1000);
      expect((await replay(store, 's1', first)).labels).toHaveLength(1000);
    });

    it.each([
      ['maxEventsPerStream', 0],
      ['maxEventsPerStream', -1],
      ['maxEventsPerStream', 1.5],
      ['maxEventsPerStream', Number.NaN],
      ['maxEventsPerStream', Number.POSITIVE_INFINITY],
      ['maxTotalBytes', 0],
      ['maxTotalBytes', -100],
      ['maxTotalBytes', 0.5],
      ['maxTotalBytes', Number.NaN],
    ])('rejects %s = %p with a RangeError naming the option', (name, value) => {
      expect(() => new InMemoryEventStore({ [name]: value })).toThrow(RangeError);
      expect(() => new InMemoryEventStore({ [name]: value })).toThrow(name);
    });

    it('accepts positive integer bounds', () => {
      expect(
        () => new InMemoryEventStore({ maxEventsPerStream: 1, maxTotalBytes: 1 }),
      ).not.toThrow();
    });
  });

  describe('long runs', () => {
    it('keeps size and bytes bounded over 20 000 events, and the age order bookkeeping small', async () => {
      const store = new InMemoryEventStore({ maxEventsPerStream: 10 });
      const streams = ['s-0', 's-1', 's-2'];
      const firstIds = new Map<StreamId, EventId>();
      let maxAgeOrder = 0;
      for (let i = 0; i < 20_000; i++) {
        const streamId = streams[i % streams.length];
        const id = await store.storeEvent(
          'session',
          streamId,
          note(`m${String(i).padStart(5, '0')}`),
        );
        if (!firstIds.has(streamId)) firstIds.set(streamId, id);
        expect(store.size).toBeLessThanOrEqual(30);
        // White-box: the age order is compacted once most of it is stale.
        const ageOrder = (store as unknown as { ageLogs: unknown[] }).ageLogs;
        maxAgeOrder = Math.max(maxAgeOrder, ageOrder.length);
      }

      expect(store.size).toBe(30);
      expect(store.bytes).toBe(30 * sizeOf(note('m00000')) + 3 * STREAM);
      expect(maxAgeOrder).toBeLessThanOrEqual(1024);
      const lastOfStream0 = Array.from({ length: 10 }, (_, k) =>
        String(19_998 - 3 * (9 - k)).padStart(5, '0'),
      ).map((n) => `m${n}`);
      expect((await replay(store, 'session', firstIds.get('s-0')!)).labels).toEqual(lastOfStream0);
    });

    it('keeps age-based eviction order correct after many compactions', async () => {
      const s = sizeOf(note('m00000'));
      const store = new InMemoryEventStore({
        maxEventsPerStream: 10,
        maxTotalBytes: 25 * s + 3 * STREAM,
      });
      const streams = ['s-0', 's-1', 's-2'];
      const firstIds = new Map<StreamId, EventId>();
      for (let i = 0; i < 20_000; i++) {
        const streamId = streams[i % streams.length];
        const id = await store.storeEvent(
          'session',
          streamId,
          note(`m${String(i).padStart(5, '0')}`),
        );
        if (!firstIds.has(streamId)) firstIds.set(streamId, id);
      }

      // The byte bound keeps the 25 newest events store-wide: m19975..m19999.
      expect(store.size).toBe(25);
      expect(store.bytes).toBe(25 * s + 3 * STREAM);
      const held: string[] = [];
      for (const streamId of streams) {
        held.push(
          ...((await replay(store, 'session', firstIds.get(streamId)!)).labels as string[]),
        );
      }
      const expected = Array.from({ length: 25 }, (_, k) => `m${19_975 + k}`);
      expect(held.sort()).toEqual(expected);

      // Eviction continues from the true oldest: the next event pushes out m19975 (stream s-1).
      await store.storeEvent('session', 's-0', note('m20000'));
      const s1 = await replay(store, 'session', firstIds.get('s-1')!);
      expect(s1.labels).not.toContain('m19975');
      expect(s1.labels).toContain('m19978');
      expect(store.size).toBe(25);
    });
  });
});

describe('scopeEventStore', () => {
  it('binds every call to the given session', async () => {
    const calls: unknown[][] = [];
    const inner: SessionEventStore = {
      storeEvent: async (...args) => {
        calls.push(['storeEvent', ...args]);
        return 'event-1';
      },
      getStreamIdForEventId: async (...args) => {
        calls.push(['getStreamIdForEventId', ...args]);
        return 'stream-1';
      },
      replayEventsAfter: async (...args) => {
        calls.push(['replayEventsAfter', ...args]);
        return 'stream-1';
      },
      purgeSession: async (...args) => {
        calls.push(['purgeSession', ...args]);
      },
    };
    const send = async () => undefined;
    const scoped = scopeEventStore(inner, 'session-x');

    await expect(scoped.storeEvent('stream-1', note('m'))).resolves.toBe('event-1');
    await expect(scoped.getStreamIdForEventId!('event-1')).resolves.toBe('stream-1');
    await expect(scoped.replayEventsAfter('event-1', { send })).resolves.toBe('stream-1');

    expect(calls).toEqual([
      ['storeEvent', 'session-x', 'stream-1', note('m')],
      ['getStreamIdForEventId', 'session-x', 'event-1'],
      ['replayEventsAfter', 'session-x', 'event-1', send],
    ]);
  });

  it('adapts an InMemoryEventStore so that two sessions cannot read each other', async () => {
    const store = new InMemoryEventStore();
    const a = scopeEventStore(store, 'session-a');
    const b = scopeEventStore(store, 'session-b');
    const a1 = await a.storeEvent('st', note('a1'));
    await a.storeEvent('st', note('a2'));
    await b.storeEvent('st', note('b1'));

    const sent: [EventId, JsonRpcMessage][] = [];
    const streamId = await a.replayEventsAfter(a1, {
      send: async (id, message) => {
        sent.push([id, message]);
      },
    });

    expect(streamId).toBe('st');
    expect(sent.map(([, message]) => message)).toEqual([note('a2')]);
    await expect(a.getStreamIdForEventId!(a1)).resolves.toBe('st');
    await expect(b.getStreamIdForEventId!(a1)).resolves.toBeUndefined();
    await expect(b.replayEventsAfter(a1, { send: async () => undefined })).rejects.toThrow(
      /Unknown event id/,
    );
    expect(store.size).toBe(3);
  });
});
