import { execFileSync } from 'node:child_process';
import { packageJson } from './packages.js';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';

/** The machine the run is on. */
export function machine(): Record<string, string> {
  const cpu = cpus();
  return {
    CPU: cpu[0]?.model.trim() ?? 'unknown',
    Cores: String(cpu.length),
    Memory: `${Math.round(totalmem() / 1024 ** 3)} GiB`,
    OS: `${osType()} ${release()}`,
    'Node.js': process.version,
    'Load average at the start (1, 5, 15 min)': loadAverage(),
  };
}

/** The load average, which says how busy the machine was besides the run. */
export function loadAverage(): string {
  return loadavg()
    .map((v) => v.toFixed(2))
    .join(', ');
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The versions of what is measured and what measures it. */
export function versions(): Record<string, string> {
  const out: Record<string, string> = {};
  const commit = git(['rev-parse', '--short', 'HEAD']);
  if (commit) {
    const dirty = git(['status', '--porcelain', '--', 'src']);
    out['nestjs-mcp-session (this repository)'] =
      `${commit}${dirty ? ' + uncommitted changes in src/' : ''}`;
  }
  for (const pkg of [
    '@modelcontextprotocol/sdk',
    '@nestjs/core',
    '@nestjs/platform-express',
    'express',
    '@rekog/mcp-nest',
    '@modelcontextprotocol/server',
    'autocannon',
  ]) {
    const version = packageJson(pkg)?.version;
    if (version) out[pkg] = version;
  }
  return out;
}
