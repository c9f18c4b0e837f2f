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
 *     [--concurrency=16] [--rounds=5] [--variants=off,on] [--cpu-prof]
 *
 * With `--cpu-prof` the servers write CPU profiles to build/bench/profiles (summarize them with
 * profile-summary.js). With `--instructions` the figure is instead the instructions each server
 * executes per request under valgrind's callgrind (as instructions.js counts them, about 50×
 * slower): a count that, unlike time, does not move with what else the machine runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { option } from './lib/command-line.js';
import { enableCpuProfiles, killAllChildren, launch, SERVERS_DIR } from './lib/children.js';
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

const instructions = process.argv.includes('--instructions');
const CALLGRIND_DIR = fileURLToPath(new URL('../callgrind-telemetry/', import.meta.url));
const options = unitOptions({
  servers: ['ours'],
  warmup: 3000,
  units: instructions ? 1000 : 5000,
  concurrency: instructions ? 8 : 16,
});
const rounds = countOption('rounds', instructions ? 1 : 5);
const unit = instructions ? 'k instructions' : 'µs CPU';

/**
 * Server CPU microseconds (or, with `--instructions`, thousands of instructions) per request of
 * one variant, in one round.
 */
async function measure(variant: Variant): Promise<number> {
  const { preload, env } = VARIANTS[variant];
  const serverEnv = { ...SERVERS.ours.env(options.mode, 10_000), ...env };
  const server = await launch({
    name: `ours-telemetry-${variant}`,
    entry: 'ours.js',
    env: serverEnv,
    nodeArgs: preload ? ['--import', pathToFileURL(join(SERVERS_DIR, preload)).href] : [],
    ...(instructions
      ? {
          wrapper: [
            'valgrind',
            '--tool=callgrind',
            '--instr-atstart=no',
            '--smc-check=all-non-file',
            `--callgrind-out-file=${join(CALLGRIND_DIR, 'callgrind.out.%p')}`,
          ],
          readyTimeoutMs: 600_000,
          exitGraceMs: 120_000,
        }
      : {}),
  });
  // callgrind_control finds the server by pipes named after $USER and $HOST (which ours sets).
  const control = (flag: string) =>
    execFileSync('callgrind_control', [flag, String(server.pid)], {
      env: { ...process.env, ...serverEnv },
      stdio: 'ignore',
    });
  const http = new McpHttp(server.url, options.concurrency);
  try {
    const sessions = await openWorkSessions(http, options);
    await runUnits(http, sessions, options.warmup, options);
    if (instructions) {
      control('--instr=on');
      await runUnits(http, sessions, options.units, options);
      control('--instr=off');
      await server.stop(); // callgrind writes its counts when the process exits
      return callgrindTotal(server.pid!) / options.units / 1000;
    }
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

/** The instructions callgrind counted in the process `pid` (its `totals:` line). */
function callgrindTotal(pid: number): number {
  const text = readFileSync(join(CALLGRIND_DIR, `callgrind.out.${pid}`), 'utf8');
  const totals = /^totals: (\d+)/m.exec(text) ?? /^summary: (\d+)/m.exec(text);
  if (!totals) throw new Error(`callgrind.out.${pid} has no totals`);
  return Number(totals[1]);
}

if (instructions) {
  rmSync(CALLGRIND_DIR, { recursive: true, force: true });
  mkdirSync(CALLGRIND_DIR, { recursive: true });
}

const samples: Record<Variant, number[]> = { absent: [], off: [], metrics: [], sdk: [], on: [] };
const order = (option('variants')?.split(',') ?? Object.keys(VARIANTS)) as Variant[];
for (const variant of order) {
  if (!(variant in VARIANTS)) throw new Error(`--variants: unknown variant "${variant}"`);
}
if (process.argv.includes('--cpu-prof')) enableCpuProfiles();
for (let round = 0; round < rounds; round++) {
  const variants = round % 2 === 0 ? order : [...order].reverse();
  for (const variant of variants) {
    const perRequest = await measure(variant);
    samples[variant].push(perRequest);
    console.log(`round ${round + 1} ${variant}: ${perRequest.toFixed(1)} ${unit} per request`);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
/**
 * The median over the rounds of `variant` against `reference` measured in the same round: the
 * machine's drift between rounds (which on a shared host moves a figure by more than the
 * difference sought) cancels out of each round's ratio.
 */
const pairedChange = (variant: Variant, reference: Variant) =>
  median(samples[variant].map((value, round) => value / samples[reference][round] - 1));
const signed = (change: number) => `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`;
const reference: Variant = order.includes('off') ? 'off' : order[0];
console.log(
  `\nServer ${instructions ? 'instructions' : 'CPU'} per tools/call (${options.mode}, ${options.units} requests after ${options.warmup} ` +
    `warm-up, concurrency ${options.concurrency}, median of ${rounds} rounds; changes are medians of each round's ratio):`,
);
for (const variant of order) {
  console.log(
    `  ${variant.padEnd(7)} ${median(samples[variant]).toFixed(1).padStart(7)} ${unit}  ` +
      `${signed(pairedChange(variant, reference))} against ${reference}`,
  );
}
if (order.includes('sdk') && order.includes('on')) {
  console.log(
    `  the module's own share with both on (on against sdk): ${signed(pairedChange('on', 'sdk'))}`,
  );
}
killAllChildren();
