// Runs the official MCP conformance suite's requirement sets of both protocol eras (2025-11-25,
// at the session wire, and 2026-07-28, at the sessionless wire) against the same running sample
// application, in eight modes (stateful SSE, stateless, JSON responses, three replicas sharing
// their sessions on Redis behind a round-robin proxy, stateful SSE on Fastify, sessions on the
// SDK's own session transport instead of the module's Node-native one, the endpoint mounted ahead
// of Nest's router with the servers of 2026-07-28 requests reused, and the sample on the SDK v1, which serves the 2025 era only). Checks each mode and set against its expected-failures file, compares the expected
// failures with the SDK's plain transport, and writes docs/CONFORMANCE.md. Exits non-zero on an
// unexpected failure, a stale expected failure or a warning nobody has explained; scenarios the
// suite runs but does not score (extensions, pending) are reported apart. Usage:
// npm run test:conformance (builds the sample first).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from './redis-server.mjs';
import { startRoundRobinProxy } from './round-robin-proxy.mjs';

const SUITE_VERSION = '0.2.0-alpha.12';
const SUITE = `@modelcontextprotocol/conformance@${SUITE_VERSION}`;
// The suite needs Node >= 22; it runs on Node 22 from the npm registry, the machine's Node stays.
const SUITE_NODE = 'node@22';
const NPX_ARGS = ['-y', '-p', SUITE_NODE, '-p', SUITE, 'conformance'];

/** The requirement sets: the 2025 era's (sessions) and the 2026-07-28 revision's (no sessions). */
const LEGACY_SET = '2025-11-25';
const MODERN_SET = '2026-07-28';
const BOTH_ERAS = [LEGACY_SET, MODERN_SET];

const MODES = [
  { name: 'stateful', title: 'stateful, SSE, in-memory event store', env: {}, sets: BOTH_ERAS },
  {
    name: 'stateless',
    title: 'stateless',
    env: { MCP_STATELESS: 'true' },
    sets: BOTH_ERAS,
    expectedFiles: { [LEGACY_SET]: 'conformance/expected-failures.stateless.yaml' },
    plainMode: 'stateless',
  },
  {
    name: 'json',
    title: 'JSON responses',
    env: { MCP_JSON_RESPONSE: 'true' },
    sets: BOTH_ERAS,
    expectedFiles: {
      [LEGACY_SET]: 'conformance/expected-failures.json.yaml',
      [MODERN_SET]: 'conformance/expected-failures.json.2026-07-28.yaml',
    },
    plainMode: 'json',
  },
  {
    name: 'cluster',
    title: 'three replicas on Redis, round-robin',
    // Every request may land on another replica than the one holding its session.
    replicas: 3,
    sets: BOTH_ERAS,
  },
  // The other NestJS HTTP platform: the same wire, so no expected failures.
  { name: 'fastify', title: 'Fastify', env: { MCP_HTTP_ADAPTER: 'fastify' }, sets: BOTH_ERAS },
  // Sessions on the SDK's own transport instead of the module's Node-native one: the same wire.
  {
    name: 'sdk-transport',
    title: 'SDK session transport',
    env: { MCP_TRANSPORT: 'sdk' },
    sets: BOTH_ERAS,
  },
  // The fastest setup: the endpoint mounted on the HTTP server, ahead of Nest's router, and the
  // servers of 2026-07-28 requests reused.
  {
    name: 'mounted',
    title: 'mounted ahead of the router, 2026-07-28 servers reused',
    env: { MCP_MOUNT: 'server', MCP_REUSE_MODERN_SERVERS: 'true' },
    sets: BOTH_ERAS,
  },
  // The sample's server on the SDK v1, which serves 2025-era sessions only.
  { name: 'sdk-v1', title: 'SDK v1 server', env: { MCP_SDK: 'v1' }, sets: [LEGACY_SET] },
];

/** Warnings that no change to the module or the sample can avoid, keyed by `mode/check` or check id. */
const EXPLAINED_WARNINGS = {
  'server-sse-multiple-streams-session':
    'Stateless mode issues no session id, by definition; the scenario warns and goes on without one.',
};

function log(message) {
  process.stdout.write(`${message}\n`);
}

/** Starts a process and resolves with its URL once a line of its output matches `ready`. */
function startServer(command, args, env, ready, label) {
  const child = spawn(command, args, {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) =>
      reject(new Error(`${label} exited (${code}) before it was ready:\n${output}`)),
    );
  });
  const stop = async () => {
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0 && code !== null) throw new Error(`${label} exited with ${code}:\n${output}`);
  };
  return { url, stop };
}

/** Starts the sample for a mode: one process, or replicas on Redis behind a round-robin proxy. */
async function startSample(mode) {
  const start = (env, label) =>
    startServer(
      process.execPath,
      ['build/sample/main.js'],
      { PORT: '0', HOST: '127.0.0.1', ...env },
      /MCP endpoint ready at (http:\/\/\S+\/mcp)/,
      label,
    );
  if (!mode.replicas) {
    const sample = start(mode.env, `sample (${mode.name})`);
    return { url: (await sample.url).replace('127.0.0.1', 'localhost'), stop: sample.stop };
  }
  const redis = await startRedisServer();
  const replicas = Array.from({ length: mode.replicas }, (_, i) =>
    start(
      { MCP_SESSION_STORE: 'redis', REDIS_URL: redis.socket },
      `sample (${mode.name} ${i + 1})`,
    ),
  );
  const proxy = await startRoundRobinProxy(await Promise.all(replicas.map((r) => r.url)));
  return {
    url: proxy.url,
    stop: async () => {
      await proxy.close();
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.stop();
    },
  };
}

/** Runs the suite CLI; resolves with its exit code and output. Prints each scenario as it starts. */
function runSuite(args, label) {
  return new Promise((resolve) => {
    const child = spawn('npx', [...NPX_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk) => {
      const text = chunk.toString();
      output += text;
      for (const match of text.matchAll(/=== Running scenario: (\S+) ===/g)) {
        log(`  [${label}] ${match[1]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** Reads the suite's result directories: scenario → { failed, warnings }. */
function readResults(outputDir) {
  const results = new Map();
  for (const entry of readdirSync(outputDir)) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
    if (!match) continue;
    const checks = JSON.parse(readFileSync(join(outputDir, entry, 'checks.json'), 'utf8'));
    results.set(match[1], {
      failed: checks.some((check) => check.status === 'FAILURE'),
      warnings: checks
        .filter((check) => check.status === 'WARNING')
        .map((check) => ({ id: check.id, message: check.errorMessage ?? check.description })),
    });
  }
  return results;
}

/** Reads an expected-failures file: `  - scenario # reason` lines under `server:`. */
function readExpected(file) {
  if (!file) return new Map();
  const expected = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s+-\s+([\w-]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (match) expected.set(match[1], match[2] ?? '');
  }
  return expected;
}

/** The scenarios the suite ran but did not score for `set` (extensions, pending, ...), with why. */
function unscoredOf(output, set) {
  const unscored = new Map();
  const start = output.indexOf(`Not scored for ${set}:`);
  if (start < 0) return unscored;
  for (const line of output.slice(start).split('\n').slice(1)) {
    const match = /^\s+[✓✗]\s+(\S+)\s+\(([^)]+)\)/.exec(line);
    if (!match) break;
    unscored.set(match[1], match[2]);
  }
  return unscored;
}

/**
 * Runs each requirement set of a mode against one running sample, one set after the other, and
 * the expected failures against the plain SDK pattern.
 */
async function runMode(mode) {
  const sample = await startSample(mode);
  const runs = new Map();
  try {
    for (const set of mode.sets) {
      const outputDir = mkdtempSync(join(tmpdir(), `conformance-${mode.name}-${set}-`));
      const expected = readExpected(mode.expectedFiles?.[set]);
      const label = `${mode.name} ${set}`;
      // The baseline is evaluated here rather than by the suite, whose baseline check also counts
      // scenarios with only warnings as failures.
      const [run, plain] = await Promise.all([
        runSuite(['server', '--url', sample.url, '--requirements', set, '-o', outputDir], label),
        // The plain SDK pattern serves 2025-era sessions only.
        set === LEGACY_SET && mode.plainMode && expected.size > 0
          ? runPlain(mode, [...expected.keys()])
          : new Map(),
      ]);
      const results = readResults(outputDir);
      rmSync(outputDir, { recursive: true, force: true });
      runs.set(set, { run, results, expected, plain, unscored: unscoredOf(run.output, set) });
    }
  } finally {
    await sample.stop();
  }
  return { mode, runs };
}

/** Runs the given scenarios against the SDK's plain transport in the same mode. */
async function runPlain(mode, scenarios) {
  const server = startServer(
    process.execPath,
    ['scripts/plain-sdk-server.mjs', mode.plainMode],
    {},
    /listening (http:\/\/\S+\/mcp)/,
    `plain SDK server (${mode.name})`,
  );
  const url = await server.url;
  const runOne = async (scenario) => {
    const outputDir = mkdtempSync(join(tmpdir(), `conformance-plain-${mode.name}-`));
    await runSuite(
      [
        'server',
        '--url',
        url,
        '--scenario',
        scenario,
        '--spec-version',
        LEGACY_SET,
        '-o',
        outputDir,
      ],
      `${mode.name}, plain SDK`,
    );
    const result = readResults(outputDir).get(scenario);
    rmSync(outputDir, { recursive: true, force: true });
    return [scenario, result === undefined ? 'no result' : result.failed ? 'fails too' : 'passes'];
  };
  const outcomes = new Map(await Promise.all(scenarios.map(runOne)));
  await server.stop();
  return outcomes;
}

function statusOf(setRun, scenario) {
  if (!setRun) return 'n/a';
  const result = setRun.results.get(scenario);
  const expected = setRun.expected.has(scenario);
  if (!result) return 'missing';
  if (setRun.unscored.has(scenario))
    return result.failed ? 'not scored, fails' : 'not scored, passes';
  if (result.failed) return expected ? 'expected' : 'FAILED';
  return expected ? 'STALE' : 'passed';
}

const GOOD = new Set(['passed', 'expected', 'n/a', 'not scored, fails', 'not scored, passes']);

/** The table of one requirement set: a row per scenario, a column per mode. */
function setTable(outcomes, set, problems) {
  const runs = outcomes.map((o) => o.runs.get(set));
  const scenarios = [
    ...new Set(runs.flatMap((r) => (r ? [...r.results.keys(), ...r.expected.keys()] : []))),
  ].sort();
  const lines = [
    `## Requirement set ${set}`,
    '',
    `| Scenario | ${outcomes.map((o) => o.mode.title).join(' | ')} |`,
    `| --- | ${outcomes.map(() => '---').join(' | ')} |`,
  ];
  for (const scenario of scenarios) {
    const statuses = runs.map((r) => statusOf(r, scenario));
    lines.push(`| ${scenario} | ${statuses.join(' | ')} |`);
    outcomes.forEach((o, i) => {
      if (!GOOD.has(statuses[i]))
        problems.push(`${o.mode.name} ${set}: ${scenario} ${statuses[i]}`);
    });
  }
  const totals = runs.map((r) => {
    if (!r) return 'not run';
    const counts = {};
    for (const s of scenarios) counts[statusOf(r, s)] = (counts[statusOf(r, s)] ?? 0) + 1;
    const failed = (counts.FAILED ?? 0) + (counts.STALE ?? 0) + (counts.missing ?? 0);
    const unscored = (counts['not scored, fails'] ?? 0) + (counts['not scored, passes'] ?? 0);
    return `${counts.passed ?? 0} passed, ${counts.expected ?? 0} expected, ${failed} failed; ${unscored} not scored`;
  });
  lines.push('', `| Totals | ${totals.join(' | ')} |`, '');
  const cells = runs.flatMap((r) => (r ? scenarios.map((s) => statusOf(r, s)) : []));
  return { lines, cells };
}

function report(outcomes) {
  const problems = [];
  const lines = [
    '# Conformance',
    '',
    `The official MCP conformance suite \`${SUITE}\`, run on \`${SUITE_NODE}\`: the requirement sets`,
    `of both protocol eras (\`--requirements ${LEGACY_SET}\` and \`--requirements ${MODERN_SET}\`), each against`,
    `the same running sample application, in ${MODES.length} modes. Regenerate with \`npm run test:conformance\`.`,
    '',
    `Last run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version} for the sample.`,
    '',
    "`passed`: every check passed; `expected`: failed, and listed with its reason in the mode's",
    'expected-failures file; `not scored`: run by the suite but not part of the requirement set',
    '(extensions such as `tasks-*`, and scenarios still pending); `n/a`: the mode does not serve',
    'that era; `FAILED` / `STALE` / `missing` fail the run.',
    '',
  ];
  const tables = [];
  const cells = [];
  for (const set of BOTH_ERAS) {
    const table = setTable(outcomes, set, problems);
    lines.push(...table.lines);
    tables.push(...table.lines);
    cells.push(...table.cells);
  }

  lines.push("## Expected failures, checked against the SDK's plain transport", '');
  lines.push(
    "Each expected failure is also run against `scripts/plain-sdk-server.mjs` (Express + the SDK's",
    '`StreamableHTTPServerTransport` + a session map, serving the same MCP server) in the same mode,',
    'to show whether the failure belongs to the mode itself rather than to this module.',
    '',
    '| Mode | Set | Scenario | Reason | Plain SDK transport |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const o of outcomes) {
    for (const [set, r] of o.runs) {
      for (const [scenario, reason] of r.expected) {
        lines.push(
          `| ${o.mode.title} | ${set} | ${scenario} | ${reason} | ${r.plain.get(scenario) ?? (set === LEGACY_SET ? 'not run' : 'n/a (it serves 2025-era sessions only)')} |`,
        );
      }
    }
  }

  lines.push('', '## Warnings', '');
  let warnings = 0;
  for (const o of outcomes) {
    for (const [set, r] of o.runs) {
      for (const [scenario, result] of r.results) {
        if (r.unscored.has(scenario)) continue;
        for (const warning of result.warnings) {
          warnings++;
          const explanation =
            EXPLAINED_WARNINGS[`${o.mode.name}/${warning.id}`] ?? EXPLAINED_WARNINGS[warning.id];
          if (!explanation)
            problems.push(`${o.mode.name} ${set}: unexplained warning ${scenario}/${warning.id}`);
          lines.push(
            `- **${o.mode.title}, ${set}, ${scenario}, \`${warning.id}\`**: ${warning.message}`,
            `  - Why: ${explanation ?? 'NOT EXPLAINED: investigate, fix, or explain it in scripts/conformance.mjs.'}`,
          );
        }
      }
    }
  }
  if (warnings === 0) lines.push('None.');
  for (const o of outcomes) {
    for (const [set, r] of o.runs) {
      // Without expected failures the suite's own verdict must be a pass as well.
      if (r.expected.size === 0 && r.run.code !== 0) {
        problems.push(`${o.mode.name} ${set}: the suite exited with ${r.run.code}`);
      }
    }
  }
  const passedCells = cells.filter((status) => GOOD.has(status) && status !== 'n/a').length;
  const countedCells = cells.filter((status) => status !== 'n/a').length;
  return {
    markdown: `${lines.join('\n')}\n`,
    problems,
    table: tables,
    counts: {
      passed: passedCells,
      failed: countedCells - passedCells + (problems.length > 0 ? 1 : 0),
    },
  };
}

async function main() {
  log(`Preparing ${SUITE} on ${SUITE_NODE} ...`);
  const warmup = await runSuite(['list'], 'setup');
  if (warmup.code !== 0) throw new Error(`Could not run the conformance suite:\n${warmup.output}`);
  log(`Running the ${MODES.length} modes side by side ...`);
  const outcomes = await Promise.all(MODES.map(runMode));
  const { markdown, problems, table, counts } = report(outcomes);
  writeFileSync('docs/CONFORMANCE.md', markdown);
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/conformance.json', JSON.stringify(counts));
  log('');
  for (const line of table) log(line);
  log('');
  log('Written to docs/CONFORMANCE.md');
  if (problems.length > 0) {
    log(`\nConformance problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    for (const o of outcomes) {
      for (const [set, r] of o.runs) {
        if (r.run.code !== 0 && r.expected.size === 0)
          log(`\n--- ${o.mode.name} ${set} suite output ---\n${r.run.output.slice(-4000)}`);
      }
    }
    process.exit(1);
  }
  log('Conformance: all modes as expected.');
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
