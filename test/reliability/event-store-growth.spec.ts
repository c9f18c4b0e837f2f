import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InMemoryEventStore } from '../../src/index.js';

/**
 * The in-memory event store is bounded (`maxTotalBytes`, `maxEventsPerStream`), and its memory
 * must be bounded with it: a long-lived session makes one SSE stream per POST, so a busy session
 * opens hundreds of thousands of streams in its life. Found by the soak (heap growing with the
 * number of calls while the stored bytes stayed at the cap).
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('InMemoryEventStore memory', () => {
  it('stays bounded for one session that makes 100 000 requests', async () => {
    const store = new InMemoryEventStore({ maxTotalBytes: 256 * 1024 });
    const before = liveHeap();
    for (let request = 0; request < 100_000; request++) {
      const stream = `stream-${request}`;
      // What the transport stores for one call: the priming event, then the response.
      await store.storeEvent('busy-session', stream, {} as never);
      await store.storeEvent('busy-session', stream, {
        jsonrpc: '2.0',
        id: request,
        result: { content: [{ type: 'text', text: `result ${request}` }] },
      });
    }
    const grown = liveHeap() - before;
    expect(store.bytes).toBeLessThanOrEqual(256 * 1024);
    // The events held fit in 256 KiB serialized (well under 4 MiB in the heap). Streams whose
    // events are all gone must not be kept: 100 000 of them take ~40 MiB.
    expect(grown / 2 ** 20).toBeLessThan(16);
    await store.purgeSession('busy-session');
    expect(liveHeap() - before).toBeLessThan(4 * 2 ** 20);
  }, 60_000);

  it('stays bounded when 1 000 sessions make 100 requests each (the soak pattern)', async () => {
    const maxTotalBytes = 1024 * 1024;
    const store = new InMemoryEventStore({ maxTotalBytes });
    const before = liveHeap();
    let maxStreams = 0;
    for (let round = 0; round < 100; round++) {
      for (let session = 0; session < 1000; session++) {
        const stream = `stream-${round}-${session}`;
        await store.storeEvent(`session-${session}`, stream, {} as never);
        await store.storeEvent(`session-${session}`, stream, {
          jsonrpc: '2.0',
          id: round,
          result: { content: [{ type: 'text', text: `result ${round}` }] },
        });
        maxStreams = Math.max(maxStreams, store.streamCount);
      }
    }
    const grown = liveHeap() - before;
    expect(store.bytes).toBeLessThanOrEqual(maxTotalBytes);
    // Each stream is charged its bookkeeping, so the bound caps the streams held as well: without
    // forgetting emptied streams this run would hold 100 000 of them.
    expect(maxStreams).toBeLessThanOrEqual(
      maxTotalBytes / InMemoryEventStore.STREAM_OVERHEAD_BYTES,
    );
    // The charge tracks the heap: what the store holds stays within a small multiple of its bound.
    expect(grown).toBeLessThan(4 * maxTotalBytes);
    for (let session = 0; session < 1000; session++) await store.purgeSession(`session-${session}`);
    expect([store.size, store.streamCount, store.sessionCount]).toEqual([0, 0, 0]);
  }, 60_000);
});
