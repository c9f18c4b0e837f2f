import { InMemoryEventStore as SdkExampleEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryEventStore } from '../../src/index.js';
import { fmt, log } from '../lib/log.js';
import type { ServerId } from '../lib/results.js';
import { roundOrder } from '../lib/servers.js';
import type { Scenario } from './scenario.js';

/** A tools/call result as the transport stores it. */
const MESSAGE: JSONRPCMessage = {
  jsonrpc: '2.0',
  id: 1,
  result: { content: [{ type: 'text', text: 'hello from the benchmark' }] },
};
/** Streams the appends are spread over (one per session), as on a busy server. */
const STREAMS = 1_000;

/** The two stores behind one interface: ours is scoped by session, the SDK's is not. */
interface Subject {
  append(stream: number): Promise<string>;
  replay(lastEventId: string, send: () => Promise<void>): Promise<void>;
}

function ours(options?: ConstructorParameters<typeof InMemoryEventStore>[0]): Subject {
  const store = new InMemoryEventStore(options);
  return {
    append: (stream) => store.storeEvent(`session-${stream}`, `stream-${stream}`, MESSAGE),
    replay: async (lastEventId, send) => {
      await store.replayEventsAfter('session-0', lastEventId, send);
    },
  };
}

function sdkExample(): Subject {
  const store = new SdkExampleEventStore();
  return {
    append: (stream) => store.storeEvent(`stream-${stream}`, MESSAGE),
    replay: async (lastEventId, send) => {
      await store.replayEventsAfter(lastEventId, { send });
    },
  };
}

const SUBJECTS: Array<{ id: ServerId; appends: () => Subject; replays: () => Subject }> = [
  // Ours with its default bounds for appends (so eviction runs), and room for the whole replay.
  {
    id: 'ours',
    appends: () => ours(),
    replays: () => ours({ maxEventsPerStream: 1_000_000, maxTotalBytes: 1 << 30 }),
  },
  { id: 'baseline', appends: sdkExample, replays: sdkExample },
];

async function appendsPerSecond(subject: Subject, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await subject.append(i % STREAMS);
  return count / ((performance.now() - start) / 1000);
}

async function replay(subject: Subject, count: number): Promise<{ ms: number; sent: number }> {
  const first = await subject.append(0);
  for (let i = 0; i < count; i++) await subject.append(0);
  let sent = 0;
  const start = performance.now();
  await subject.replay(first, async () => {
    sent++;
  });
  return { ms: performance.now() - start, sent };
}

export const eventStore: Scenario = {
  id: 'event-store',
  title: 'The event store',
  servers: ['ours', 'baseline'],
  method:
    "In the harness process. Ours is the module's `InMemoryEventStore`; the baseline is the " +
    "SDK examples' `InMemoryEventStore` (unbounded, not scoped by session), which SDK-based " +
    'servers copy. Appends: `storeEvent` of a tools/call result, awaited one by one, spread over ' +
    `${fmt(STREAMS)} streams (one per session); ours with its default bounds (1000 events per ` +
    'stream, 10 MiB in all), so its eviction runs. Replay: one stream holds the events, and ' +
    '`replayEventsAfter` is timed from the first event id, sending every later event to a no-op ' +
    'callback (ours sized so that nothing is evicted). Rounds alternate the two stores.',
  estimateSeconds: (c) => c.rounds * (c.eventStoreAppends / 100_000) * 2 + 2,
  run: async (context) => {
    const { config, results } = context;
    for (let round = 0; round < config.rounds; round++) {
      for (const subject of roundOrder(SUBJECTS, round)) {
        const label = `event-store · round ${round + 1}/${config.rounds} · ${subject.id}`;
        log.step(`${label} …`);
        const rate = await appendsPerSecond(subject.appends(), config.eventStoreAppends);
        const { ms, sent } = await replay(subject.replays(), config.eventStoreReplay);
        if (sent !== config.eventStoreReplay) {
          results.note(
            'event-store',
            `${subject.id}, round ${round + 1}: the replay sent ${fmt(sent)} of the ` +
              `${fmt(config.eventStoreReplay)} events stored after the Last-Event-ID.`,
          );
        }
        results.record(
          {
            scenario: 'event-store',
            metric: 'appends',
            label: `Appends (${fmt(config.eventStoreAppends)} events)`,
            unit: 'appends/s',
            better: 'higher',
          },
          subject.id,
          rate,
        );
        results.record(
          {
            scenario: 'event-store',
            metric: 'replay-ms',
            label: `Replay of ${fmt(config.eventStoreReplay)} events after a Last-Event-ID`,
            unit: 'ms',
            better: 'lower',
          },
          subject.id,
          ms,
        );
        log.detail(`${label}: ${fmt(rate)} appends/s, replay ${fmt(ms)} ms`);
      }
    }
  },
};
