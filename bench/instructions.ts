/**
 * Counts the machine instructions a server executes per unit of work, under valgrind's callgrind:
 * a figure that, unlike time, does not move with what else the machine runs, so that an A/B of
 * two servers or two commits resolves differences of a few percent on a noisy machine.
 *
 *   node build/bench/bench/instructions.js [--servers=ours,nest-sdk,baseline] [--mode=sse]
 *     [--flow=echo|lifecycle] [--warmup=6000] [--count=1500] [--concurrency=8]
 *
 * Each server starts under callgrind with instrumentation off; the harness opens sessions and runs
 * the warm-up (so that the JIT has compiled the hot paths), turns instrumentation on
 * (`callgrind_control -i on`), runs `count` units of work, turns it off, and reads the totals
 * callgrind writes at exit. `echo` is one `tools/call echo` over established sessions;
 * `lifecycle` is initialize, notifications/initialized, tools/call echo and DELETE.
 *
 * The total is split by symbol name into V8's garbage collector, its optimizing compilers, and
 * the rest ("running": the JavaScript, the interpreter, builtins and runtime). The running figure
 * repeats within a few percent between runs; GC depends on where collections fall in the window,
 * so compare it over several runs or with larger counts. Under callgrind a server runs about 50
 * times slower: a run of three servers takes several minutes. Needs `valgrind` on the PATH.
 * Extra server flags come from BENCH_SERVER_NODE_ARGS (`--perf-basic-prof` names JIT code).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren, launch, type ChildServer } from './lib/children.js';
import { McpHttp } from './lib/mcp-http.js';
import type { ServerId } from './lib/results.js';
import { SERVERS } from './lib/servers.js';
import { openWorkSessions, runUnits, unitOptions } from './lib/units-of-work.js';

const OUT_DIR = fileURLToPath(new URL('../callgrind/', import.meta.url));

process.on('exit', killAllChildren);

const options = unitOptions({
  servers: ['ours', 'nest-sdk', 'baseline'],
  warmup: 6000,
  units: 1500,
  concurrency: 8,
});
const { servers, mode, flow, warmup, units, concurrency } = options;

/** Where instructions went: V8's garbage collector, its optimizing compilers, or the rest. */
interface InstructionSplit {
  total: number;
  gc: number;
  compiler: number;
}

/** V8's garbage collector, by the names of its classes (an approximation, by symbol name). */
const GC_SYMBOL =
  /Scaveng|Marking|MarkCompact|Sweeper|Heap::|heap::|Evacuat|MemoryChunk|RememberedSet|SlotSet|FreeList|LiveObject|PointersUpdating|Pretenuring|StringTableCleaner|IterateObjectCache|SizeFromMap/;
/** V8's optimizing compilers (TurboFan, Maglev) and their background jobs. */
const COMPILER_SYMBOL = /v8::internal::(compiler|maglev|turboshaft)::|OptimizingCompile/;

/**
 * Reads the self cost of every function from the file callgrind wrote when the process exited
 * (its format: `fn=` opens a function; a cost line after `calls=` is the call's inclusive cost,
 * not the caller's own; a function's name is given once, with its id, on the first `fn=` or
 * `cfn=` line that names it, and later lines give the id alone) and splits it by
 * {@link GC_SYMBOL} and {@link COMPILER_SYMBOL}.
 */
function readInstructions(pid: number): InstructionSplit {
  const lines = readFileSync(join(OUT_DIR, `callgrind.out.${pid}`), 'utf8').split('\n');
  const names = new Map<string, string>();
  const split: InstructionSplit = { total: 0, gc: 0, compiler: 0 };
  let kind: 'gc' | 'compiler' | null = null;
  let afterCall = false;
  let totals: number | undefined;
  for (const line of lines) {
    if (line.startsWith('totals: ')) {
      totals = Number(line.slice('totals: '.length));
    } else if (line.startsWith('fn=')) {
      const [, id, name] = /^fn=(\(\d+\))?\s*(.*)$/.exec(line) ?? [];
      if (id && name) names.set(id, name);
      const symbol = name || names.get(id ?? '') || '';
      kind = GC_SYMBOL.test(symbol) ? 'gc' : COMPILER_SYMBOL.test(symbol) ? 'compiler' : null;
    } else if (line.startsWith('cfn=')) {
      // A callee named here for the first time keeps that name for its own `fn=(id)` block.
      const [, id, name] = /^cfn=(\(\d+\))?\s*(.*)$/.exec(line) ?? [];
      if (id && name) names.set(id, name);
    } else if (line.startsWith('calls=')) {
      afterCall = true;
    } else if (/^[-+*\d]/.test(line)) {
      const cost = Number(line.split(' ')[1] ?? 0);
      if (!afterCall) {
        split.total += cost;
        if (kind) split[kind] += cost;
      }
      afterCall = false;
    }
  }
  if (totals !== split.total) {
    throw new Error(`callgrind.out.${pid}: self costs add up to ${split.total}, not ${totals}`);
  }
  return split;
}

async function measure(id: ServerId): Promise<InstructionSplit> {
  const started = Date.now();
  const env = SERVERS[id].env(mode, 10_000);
  const server: ChildServer = await launch({
    name: `${id}-callgrind`,
    entry: SERVERS[id].entry,
    env,
    wrapper: [
      'valgrind',
      '--tool=callgrind',
      '--instr-atstart=no',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${join(OUT_DIR, 'callgrind.out.%p')}`,
    ],
    readyTimeoutMs: 600_000,
    exitGraceMs: 120_000,
  });
  const pid = server.pid!;
  // callgrind_control reaches the server through pipes named after $USER and $HOST, and ours
  // sets HOST (where it listens): the control command needs the server's environment.
  const control = (...args: string[]) =>
    execFileSync('callgrind_control', [...args, String(pid)], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
  const http = new McpHttp(server.url, concurrency);
  try {
    const sessions = await openWorkSessions(http, options);
    await runUnits(http, sessions, warmup, options);
    control('--instr=on');
    await runUnits(http, sessions, units, options);
    control('--instr=off');
    await server.stop(); // callgrind writes its counts when the process exits
    const split = readInstructions(pid);
    const perUnit = (n: number) => `${(n / units / 1000).toFixed(0)} k`;
    console.log(
      `${id}: ${perUnit(split.total)} instructions per ${flow} (${mode}): ` +
        `${perUnit(split.total - split.gc - split.compiler)} running, ${perUnit(split.gc)} GC, ` +
        `${perUnit(split.compiler)} optimizing compiler; ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s under callgrind`,
    );
    return split;
  } finally {
    http.destroy();
    await server.stop();
  }
}

rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });
const results = new Map<ServerId, InstructionSplit>();
for (const id of servers) results.set(id, await measure(id));
const first = results.get(servers[0])!;
const running = (s: InstructionSplit) => s.total - s.gc - s.compiler;
for (const [id, split] of results) {
  console.log(
    `${id}/${servers[0]}: ${(split.total / first.total).toFixed(3)}× in all, ` +
      `${(running(split) / running(first)).toFixed(3)}× running`,
  );
}
