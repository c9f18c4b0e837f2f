/**
 * How long V8's young-generation collections (scavenges) pause the main thread as the old
 * generation grows, with none of this library's code and none of the SDK's: a process holds
 * N MiB of small long-lived objects, then allocates short-lived ones (some kept a little while),
 * and reports the median and worst scavenge pause. It is the evidence for the reaper figures at
 * 100 000 live sessions, whose heap is several GiB.
 *
 *   node build/bench/bench/scavenge-scaling.js [MiB…=250,1000,3500]
 */
import { childMeasurementArgument, runChildMeasurement } from './lib/children.js';
import { lengthMs, watchGcPauses } from './lib/gc-pauses.js';
import { percentile } from './lib/stats.js';

/** Bytes one retained object and its slot take, roughly. */
const BYTES_PER_OBJECT = 56;
const CHURN_MS = 3_000;

/** In the child: fill the old generation, churn, and print the scavenge pauses as JSON. */
function measure(mebibytes: number): void {
  const chunks: object[][] = [];
  let chunk: object[] = [];
  const count = (mebibytes * 1024 * 1024) / BYTES_PER_OBJECT;
  for (let i = 0; i < count; i++) {
    chunk.push({ a: i, b: null, c: 'x', d: i * 2 });
    if (chunk.length === 1_000) {
      chunks.push(chunk);
      chunk = [];
    }
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const gcPauses = watchGcPauses();
  const ring = new Array<object>(20_000);
  let k = 0;
  const end = performance.now() + CHURN_MS;
  const churn = () => {
    for (let j = 0; j < 50_000; j++) ring[k++ % ring.length] = { x: k, y: [k, k + 1] };
    if (performance.now() < end) setImmediate(churn);
    else
      setImmediate(() => {
        const pauses = gcPauses
          .stop()
          .filter((pause) => pause.kind === 'scavenge')
          .map(lengthMs);
        const median = pauses.length > 0 ? percentile(pauses, 0.5) : 0;
        const max = Math.max(0, ...pauses);
        const heapMiB = process.memoryUsage().heapUsed / 1024 / 1024;
        const retained = chunks.length * 1_000;
        console.log(JSON.stringify({ retained, scavenges: pauses.length, median, max, heapMiB }));
      });
  };
  churn();
}

const childSize = childMeasurementArgument();
if (childSize !== undefined) {
  measure(Number(childSize));
} else {
  const sizes = (process.argv[2] ?? '250,1000,3500').split(',').map(Number);
  console.log('old generation | objects | heap used | scavenges | median pause | worst pause');
  for (const size of sizes) {
    const r = runChildMeasurement<Record<string, number>>(import.meta.url, `${size}`, [
      '--expose-gc',
      '--max-old-space-size=8192',
    ]);
    console.log(
      `${size} MiB | ${r.retained} | ${r.heapMiB.toFixed(0)} MiB | ${r.scavenges} | ${r.median.toFixed(2)} ms | ${r.max.toFixed(2)} ms`,
    );
  }
}
