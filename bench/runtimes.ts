/**
 * The figures that change with the runtime, on every supported Node.js line side by side in one
 * run: `npm run bench:runtimes` (or `node build/bench/bench/runtimes.js [--full]` after
 * `npm run build:bench`). For each line it runs the harness with that line's `node`, so that the
 * servers under test run on it too, for ours alone and the scenarios whose figures the runtime
 * moves: memory per idle session, the reaper's sweep in a large population, hibernation and the
 * first request after it. Then it prints one Markdown table, a column per line.
 *
 * The line running this script is the first column; the others are the versions pinned in
 * package.json's `config.nodeLines`, obtained from the npm registry's `node` package. `--quick`
 * sizes by default; `--full` runs the full sizes (about 10 minutes per line on 2 cores).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './lib/log.js';
import type { ResultsDocument } from './lib/results.js';
import { median } from './lib/stats.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(REPO, 'build', 'bench', 'bench', 'main.js');
const SCENARIOS = 'memory,large-population,hibernation';
const full = process.argv.includes('--full');
const RESULTS = join(REPO, 'build', 'bench', full ? 'results.partial.json' : 'results.quick.json');

interface NodeLine {
  version: string;
  node: string;
}

/** The `node` of a pinned version, from the npm registry (cached by npx after the first run). */
function nodeFromRegistry(version: string): NodeLine {
  const found = spawnSync('npx', ['-y', '-p', `node@${version}`, '-c', 'command -v node'], {
    encoding: 'utf8',
  });
  const node = found.stdout.trim();
  if (found.status !== 0 || node === '') {
    throw new Error(`Could not obtain Node.js ${version} from the npm registry: ${found.stderr}`);
  }
  return { version, node };
}

/** Runs the harness on one line; returns its results. */
function measure(line: NodeLine): ResultsDocument {
  process.stdout.write(`\n== Node.js ${line.version}\n`);
  const args = [MAIN, `--only=${SCENARIOS}`, '--servers=ours', ...(full ? [] : ['--quick'])];
  const run = spawnSync(line.node, args, { stdio: 'inherit', cwd: REPO });
  if (run.status !== 0) throw new Error(`The harness failed on Node.js ${line.version}`);
  return JSON.parse(readFileSync(RESULTS, 'utf8')) as ResultsDocument;
}

const pinned = (
  JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    config: { nodeLines: string };
  }
).config.nodeLines.split(' ');
const lines = [
  { version: process.versions.node, node: process.execPath },
  ...pinned.map(nodeFromRegistry),
];
const runs = lines.map((line) => ({ line, results: measure(line) }));

const rows = runs[0].results.measurements;
const out = [
  '',
  `Ours, ${full ? 'full' : '--quick'} sizes, ${new Date().toISOString().slice(0, 10)}:`,
  '',
  `| Scenario | Figure | ${runs.map(({ line }) => `Node ${line.version}`).join(' | ')} |`,
  `| --- | --- | ${runs.map(() => '---:').join(' | ')} |`,
];
for (const row of rows) {
  const values = runs.map(({ results }) => {
    const same = results.measurements.find(
      (m) => m.scenario === row.scenario && m.metric === row.metric && m.subject === row.subject,
    );
    return same ? `${fmt(median(same.samples))} ${row.unit}` : '–';
  });
  out.push(`| ${row.scenario} | ${row.label} | ${values.join(' | ')} |`);
}
process.stdout.write(`${out.join('\n')}\n`);
