/**
 * Server CPU time per unit of work, split into user and system time, with the minor page faults
 * and the voluntary context switches (how often a thread waited; the load generator's too), read
 * from the server (the probe's `resource-usage` command) around a fixed number of units after a
 * warm-up: the timed counterpart of instructions.js, for the same flows and options. With them,
 * what the server's V8 heap allocated, promoted and collected per unit (the probe's GC profile),
 * which the machine's speed does not move.
 * Servers alternate (A B, B A …) for `--rounds` rounds.
 *
 *   node build/bench/bench/cpu-time.js [--servers=ours,baseline] [--mode=sse]
 *     [--flow=echo|lifecycle] [--warmup=3000] [--count=3000] [--concurrency=32] [--rounds=2]
 *
 * Extra server flags come from BENCH_SERVER_NODE_ARGS (for example `--single-threaded-gc`).
 */
import { killAllChildren } from './lib/children.js';
import { McpHttp } from './lib/mcp-http.js';
import type { ServerId } from './lib/results.js';
import { roundOrder, startServer } from './lib/servers.js';
import { countOption, openWorkSessions, runUnits, unitOptions } from './lib/units-of-work.js';
import type { GcProfileSample } from './lib/gc-profile.js';
import type { ResourceSample } from './servers/probe.js';

process.on('exit', killAllChildren);

const options = unitOptions({
  servers: ['ours', 'baseline'],
  warmup: 3000,
  units: 3000,
  concurrency: 32,
});
const rounds = countOption('rounds', 2);

async function measure(id: ServerId, round: number): Promise<void> {
  const server = await startServer(id, {
    mode: options.mode,
    maxSessions: 10_000,
    tag: 'cpu-time',
  });
  const http = new McpHttp(server.url, options.concurrency);
  try {
    const sessions = await openWorkSessions(http, options);
    await runUnits(http, sessions, options.warmup, options);
    await server.call('gc-profile-start');
    const before = await server.call<ResourceSample>('resource-usage');
    const clientBefore = process.resourceUsage().voluntaryContextSwitches;
    const started = performance.now();
    await runUnits(http, sessions, options.units, options);
    const seconds = (performance.now() - started) / 1000;
    const clientSwitches = process.resourceUsage().voluntaryContextSwitches - clientBefore;
    const after = await server.call<ResourceSample>('resource-usage');
    const heap = await server.call<GcProfileSample>('gc-profile-stop');
    const kib = (bytes: number) => (bytes / options.units / 1024).toFixed(1);
    const perUnit = (key: keyof ResourceSample, digits = 0) =>
      ((after[key] - before[key]) / options.units).toFixed(digits);
    console.log(
      `round ${round + 1} ${id}: ${(options.units / seconds).toFixed(0)} ${options.flow}/s; ` +
        `per ${options.flow}: user ${perUnit('user')} µs, system ${perUnit('system')} µs, ` +
        `${perUnit('minorFaults', 1)} minor faults, ` +
        `${perUnit('voluntaryContextSwitches', 2)} voluntary context switches ` +
        `(the load generator's: ${(clientSwitches / options.units).toFixed(2)}); ` +
        `heap: ${kib(heap.allocatedBytes)} KiB allocated, ${kib(heap.promotedBytes)} KiB promoted, ` +
        `GC ${((heap.gcMs * 1000) / options.units).toFixed(0)} µs ` +
        `(${heap.scavenges} scavenges and ${heap.majorCollections} major collections in all)`,
    );
  } finally {
    http.destroy();
    await server.stop();
  }
}

for (let round = 0; round < rounds; round++) {
  for (const id of roundOrder(options.servers, round)) await measure(id, round);
}
