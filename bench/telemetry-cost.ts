/**
 * Server CPU time per request with the module's telemetry in five states, side by side in one
 * run: `absent` (`@opentelemetry/api` cannot be resolved, as when it is not installed), `off` (the
 * API installed, no provider registered: the module measures nothing), `metrics` (a meter provider
 * only), `sdk` (metrics and traces set up as bench/servers/with-opentelemetry.ts does, with the
 * module's `telemetry: false`: what the OpenTelemetry SDK alone costs the application) and `on`
 * (the same setup, the module's telemetry on). Each is ours (bench/servers/ours.ts) in its own
 * process; rounds alternate the order. CPU is the server's user + system time (the probe's
 * `resource-usage`) around a fixed number of `tools/call echo` requests after a warm-up; the
 * figure per variant is the median over the rounds.
 *
 *   node build/bench/bench/telemetry-cost.js [--mode=sse|json] [--warmup=3000] [--count=5000]
 *     [--concurrency=16] [--rounds=5]
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { killAllChildren, launch, SERVERS_DIR } from './lib/children.js';
import { McpHttp } from './lib/mcp-http.js';
import { SERVERS } from './lib/servers.js';
import { countOption, openWorkSessions, runUnits, unitOptions } from './lib/units-of-work.js';
import type { ResourceSample } from './servers/probe.js';

process.on('exit', killAllChildren);

/** Each variant: the file preloaded into the server, and its environment. */
const VARIANTS = {
  absent: { preload: 'without-opentelemetry.js', env: {} },
  off: { preload: undefined, env: {} },
  metrics: { preload: 'with-opentelemetry.js', env: { BENCH_OTEL_SIGNALS: 'metrics' } },
  sdk: { preload: 'with-opentelemetry.js', env: { MCP_TELEMETRY: 'false' } },
  on: { preload: 'with-opentelemetry.js', env: {} },
} as const;
type Variant = keyof typeof VARIANTS;

const options = unitOptions({ servers: ['ours'], warmup: 3000, units: 5000, concurrency: 16 });
const rounds = countOption('rounds', 5);

/** Server CPU microseconds per request of one variant, in one round. */
async function measure(variant: Variant): Promise<number> {
  const { preload, env } = VARIANTS[variant];
  const server = await launch({
    name: `ours-telemetry-${variant}`,
    entry: 'ours.js',
    env: { ...SERVERS.ours.env(options.mode, 10_000), ...env },
    nodeArgs: preload ? ['--import', pathToFileURL(join(SERVERS_DIR, preload)).href] : [],
  });
  const http = new McpHttp(server.url, options.concurrency);
  try {
    const sessions = await openWorkSessions(http, options);
    await runUnits(http, sessions, options.warmup, options);
    const before = await server.call<ResourceSample>('resource-usage');
    await runUnits(http, sessions, options.units, options);
    const after = await server.call<ResourceSample>('resource-usage');
    const cpu = after.user + after.system - (before.user + before.system);
    return cpu / options.units;
  } finally {
    http.destroy();
    await server.stop();
  }
}

const samples: Record<Variant, number[]> = { absent: [], off: [], metrics: [], sdk: [], on: [] };
const order = Object.keys(VARIANTS) as Variant[];
for (let round = 0; round < rounds; round++) {
  const variants = round % 2 === 0 ? order : [...order].reverse();
  for (const variant of variants) {
    const perRequest = await measure(variant);
    samples[variant].push(perRequest);
    console.log(`round ${round + 1} ${variant}: ${perRequest.toFixed(1)} µs CPU per request`);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const off = median(samples.off);
const percent = (value: number) =>
  `${value >= off ? '+' : ''}${((value / off - 1) * 100).toFixed(1)}%`;
console.log(
  `\nServer CPU per tools/call (${options.mode}, ${options.units} requests after ${options.warmup} ` +
    `warm-up, concurrency ${options.concurrency}, median of ${rounds} rounds):`,
);
for (const variant of order) {
  const value = median(samples[variant]);
  console.log(
    `  ${variant.padEnd(6)} ${value.toFixed(1).padStart(7)} µs  ${percent(value)} against off`,
  );
}
killAllChildren();
