/**
 * Bytes that V8's scavenges promote to the old generation for each web-standard object a request
 * creates and drops at once (`Request`, `Response`, `ReadableStream`, `AbortSignal`), against a
 * plain object graph: garbage that a scavenge does not free is copied twice and collected only by
 * a later mark-compact. Each kind runs in a process of its own, with none of this library's code
 * and none of the SDK's. It is the evidence for the promoted bytes per request that cpu-time.js
 * reports for ours and the baseline alike.
 *
 *   node build/bench/bench/promotion.js
 *   npx -y -p node@24 node build/bench/bench/promotion.js   # the same on another Node.js
 */
import { setImmediate as tick } from 'node:timers/promises';
import { childMeasurementArgument, runChildMeasurement } from './lib/children.js';
import { startGcProfile } from './lib/gc-profile.js';

const URL = 'http://localhost/mcp';
const WARM_UP = 20_000;
const COUNT = 100_000;

/** What one request-like unit creates and drops, by kind. */
const KINDS: Record<string, () => unknown> = {
  'plain objects (control)': () => ({
    url: URL,
    headers: new Map([['accept', 'text/event-stream']]),
    parts: Array.from({ length: 8 }, (_, i) => ({ i })),
  }),
  Headers: () => new Headers({ accept: 'text/event-stream' }),
  AbortSignal: () => new AbortController().signal,
  ReadableStream: () => new ReadableStream({ start: (controller) => controller.close() }),
  Response: () => new Response('data: {}\n\n'),
  Request: () => new Request(URL, { method: 'POST' }),
  'Request with a signal': () =>
    new Request(URL, { method: 'POST', signal: new AbortController().signal }),
};

/** In the child: create and drop `COUNT` of one kind, and print bytes promoted per object. */
async function measure(kind: string): Promise<void> {
  const create = KINDS[kind];
  // The last object is printed, so that no optimization can drop the allocations.
  let last: unknown;
  for (let i = 0; i < WARM_UP; i++) last = create();
  const profile = startGcProfile();
  for (let i = 0; i < COUNT; i++) {
    last = create();
    // Turns of the event loop, as between requests, so that deferred work runs.
    if (i % 100 === 0) await tick();
  }
  const { promotedBytes, scavenges } = profile.stop();
  console.log(
    JSON.stringify({ kind, promotedPerObject: promotedBytes / COUNT, scavenges, last: !!last }),
  );
}

const childKind = childMeasurementArgument();
if (childKind !== undefined) {
  await measure(childKind);
} else {
  console.log(`Node.js ${process.version}: bytes promoted per object created and dropped`);
  for (const kind of Object.keys(KINDS)) {
    const { promotedPerObject, scavenges } = runChildMeasurement<{
      promotedPerObject: number;
      scavenges: number;
    }>(import.meta.url, kind);
    console.log(
      `${kind.padEnd(24)} ${promotedPerObject.toFixed(0).padStart(6)} B  (${scavenges} scavenges)`,
    );
  }
}
