/**
 * The benchmark harness: `npm run bench` (full, about 17 minutes on 2 cores; see
 * docs/PERFORMANCE.md) or `npm run bench:quick` (under 2 minutes). Runs every scenario of
 * scenarios/index.ts, saves the results as JSON and renders BENCHMARKS.md and
 * docs/bench-throughput.svg from them.
 *
 * Options: --quick; --only=<scenario,…>; --servers=<ours,ours-fastify,baseline,ceiling,rekog>;
 * --set=<name>=<number>,… (override a numeric setting of lib/config.ts);
 * --render (re-render the report from the last saved results, measuring nothing);
 * --cpu-prof (servers write CPU profiles to build/bench/profiles; summarize them with
 * `node build/bench/bench/profile-summary.js <file.cpuprofile>`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enableCpuProfiles, killAllChildren, PROFILE_DIR } from './lib/children.js';
import { option } from './lib/command-line.js';
import { makeConfig } from './lib/config.js';
import { fmt, log } from './lib/log.js';
import { loadAverage, machine, versions } from './lib/machine.js';
import { ResultSet, SERVER_IDS, type ServerId } from './lib/results.js';
import { SERVERS } from './lib/servers.js';
import { renderMarkdown } from './report/markdown.js';
import { renderThroughputSvg } from './report/svg.js';
import { evaluateTargets } from './report/targets.js';
import { SCENARIOS } from './scenarios/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD = join(REPO, 'build', 'bench');

// Nothing outlives the harness: children are killed however it ends.
process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    log.step(`${signal}: stopping the servers under test`);
    killAllChildren();
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => {
  console.error(error);
  killAllChildren();
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  console.error(error);
  killAllChildren();
  process.exit(1);
});

const quick = process.argv.includes('--quick');
/** Only a full run of everything, as configured, replaces the published figures. */
const partial = quick || ['only', 'servers', 'set'].some((name) => option(name) !== undefined);
const outputs = partial
  ? {
      json: join(BUILD, quick ? 'results.quick.json' : 'results.partial.json'),
      markdown: join(BUILD, 'quick', 'BENCHMARKS.md'),
      svg: join(BUILD, 'quick', 'bench-throughput.svg'),
      chartLink: 'bench-throughput.svg',
    }
  : {
      json: join(BUILD, 'results.json'),
      markdown: join(REPO, 'BENCHMARKS.md'),
      svg: join(REPO, 'docs', 'bench-throughput.svg'),
      chartLink: 'docs/bench-throughput.svg',
    };

function writeReport(results: ResultSet): void {
  for (const file of [outputs.markdown, outputs.svg]) mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    outputs.markdown,
    renderMarkdown(results, { chart: outputs.chartLink, scenarios: SCENARIOS }),
  );
  writeFileSync(outputs.svg, renderThroughputSvg(results));
  log.step(`wrote ${outputs.markdown} and ${outputs.svg}`);
  for (const t of evaluateTargets(results)) {
    const verdict = t.met === null ? 'n/a   ' : t.met ? 'met   ' : 'MISSED';
    log.detail(`${verdict} ${t.target}: ${t.measured}`);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--render')) {
    // --render re-renders the results of the last run of its kind (full, quick or partial).
    writeReport(ResultSet.load(outputs.json));
    return;
  }
  const config = makeConfig(quick);
  const only = option('only');
  if (only) config.only = only.split(',');
  // --set=key=value,… overrides numeric knobs of lib/config.ts, for development.
  for (const pair of option('set')?.split(',') ?? []) {
    const [name, value] = pair.split('=');
    if (!(name in config) || typeof config[name as keyof typeof config] !== 'number') {
      throw new Error(`--set: ${name} is not a numeric setting of lib/config.ts`);
    }
    (config as unknown as Record<string, number>)[name] = Number(value);
  }
  const serversOption = option('servers');
  if (serversOption) {
    config.servers = serversOption
      .split(',')
      .filter((s): s is ServerId => SERVER_IDS.includes(s as ServerId));
  }
  if (process.argv.includes('--cpu-prof')) {
    enableCpuProfiles();
    log.step(`servers write CPU profiles to ${PROFILE_DIR}`);
  }
  const watchdog = setTimeout(() => {
    log.step(`over the time budget of ${config.budgetSeconds} s: stopping`);
    killAllChildren();
    process.exit(2);
  }, config.budgetSeconds * 1000);
  watchdog.unref();

  const scenarios = SCENARIOS.filter(
    (s) => (config.only === null || config.only.includes(s.id)) && (s.enabled?.(config) ?? true),
  );
  const results = new ResultSet({
    quick,
    startedAt: new Date().toISOString(),
    machine: machine(),
    versions: versions(),
    parameters: {
      rounds: config.rounds,
      'rounds (two replicas)': config.replicaRounds,
      'warm-up window (s)': config.warmupSeconds,
      'measured window (s)': config.measureSeconds,
      'concurrent sessions (throughput)': config.sessions,
      'connections (churn)': config.churnConnections,
      'idle sessions (memory)': config.memorySessions,
      'idle sessions (memory, ours at scale)': config.memorySessionsOursLarge,
      'sessions (reaper, ours at scale)': config.reaperSessions,
      'expired share (reaper)': `${Math.round(config.reaperExpiredShare * 100)}%`,
      'appends (event store)': config.eventStoreAppends,
      'replayed events (event store)': config.eventStoreReplay,
      'hibernated sessions': config.hibernatedSessions,
      'first requests timed after hibernation (and as many woken before them)':
        config.rehydrationSamples,
    },
    scenarios: scenarios.map((s) => s.id),
  });
  const servers = config.servers.filter((id) => {
    const reason = SERVERS[id].unavailable();
    if (reason) results.skip(id, '*', reason);
    return reason === null;
  });
  const estimate = scenarios.reduce((sum, s) => {
    const n = s.servers ? servers.filter((id) => s.servers!.includes(id)).length : servers.length;
    return sum + s.estimateSeconds(config, n);
  }, 0);
  log.step(
    `${quick ? 'quick' : 'full'} run: ${scenarios.length} scenarios, servers ${servers.join(', ')}; about ${fmt(estimate / 60, 2)} min`,
  );

  const context = {
    config,
    results,
    servers,
    deadline: Date.now() + config.budgetSeconds * 1000,
  };
  for (const [index, scenario] of scenarios.entries()) {
    log.step(`== ${index + 1}/${scenarios.length} ${scenario.title}`);
    try {
      await scenario.run(context);
    } catch (error) {
      log.detail(`${scenario.id} FAILED: ${(error as Error).stack}`);
      results.note(scenario.id, `The scenario failed: ${(error as Error).message.split('\n')[0]}`);
    }
    results.save(outputs.json);
  }
  results.doc.meta.finishedAt = new Date().toISOString();
  results.doc.meta.machine['Load average at the end (1, 5, 15 min)'] = loadAverage();
  results.doc.meta.durationSeconds = log.elapsedSeconds();
  results.save(outputs.json);
  log.step(`done in ${fmt(log.elapsedSeconds() / 60, 2)} min; results in ${outputs.json}`);
  writeReport(results);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    killAllChildren();
    process.exit(1);
  },
);
