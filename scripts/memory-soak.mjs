// Memory soak, full size: `npm run soak:memory` (also the second part of `npm run soak`). In every
// mode of scripts/memory-soak-lib.mjs, one long-lived session makes SOAK_MEMORY_REQUESTS echo
// calls (default 100 000), 8 at a time, after 2 000 to warm up; the sample's heap is read after a
// full GC before and after. Prints a Markdown table of heap growth per request; with
// SOAK_REPORT=<file>, writes the results as JSON. Exits non-zero on any error, or on growth of
// MAX_BYTES_PER_REQUEST or more in any process (a structure kept per request).
import { writeFileSync } from 'node:fs';
import { MEMORY_MODES, measureMode } from './memory-soak-lib.mjs';

const REQUESTS = Number(process.env.SOAK_MEMORY_REQUESTS ?? 100_000);
const WARMUP = 2_000;
const MAX_BYTES_PER_REQUEST = 256;
const REPORT = process.env.SOAK_REPORT;

const log = (line) => process.stdout.write(`${line}\n`);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

log(`memory soak: ${REQUESTS} calls per mode on one session, 8 at a time, Node ${process.version}`);
const results = [];
for (const mode of MEMORY_MODES) {
  const started = Date.now();
  const result = await measureMode(mode, { requests: REQUESTS, warmup: WARMUP });
  results.push(result);
  log(`  ${mode.title}: ${((Date.now() - started) / 1000).toFixed(0)} s, ${result.errors} errors`);
}

log('');
log('| Mode | Process | Heap before (MiB) | Heap after (MiB) | Growth per request (bytes) |');
log('| --- | --- | ---: | ---: | ---: |');
for (const result of results) {
  for (const p of result.processes) {
    log(
      `| ${result.title} | ${p.role} | ${mib(p.heapBefore)} | ${mib(p.heapAfter)} | ` +
        `${p.bytesPerRequest.toFixed(1)} |`,
    );
  }
}
if (REPORT) writeFileSync(REPORT, JSON.stringify({ requests: REQUESTS, results }, null, 2));

const failures = results.filter(
  (result) =>
    result.errors > 0 || result.processes.some((p) => p.bytesPerRequest >= MAX_BYTES_PER_REQUEST),
);
for (const failure of failures) log(`FAILED: ${failure.title}`);
process.exitCode = failures.length > 0 ? 1 : 0;
