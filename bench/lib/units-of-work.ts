/**
 * The units of work that the per-unit tools (instructions.ts, cpu-time.ts) run against one
 * server, and their shared command-line options.
 */
import { option } from './command-line.js';
import { boundedPool, type McpHttp } from './mcp-http.js';
import { SERVER_IDS, type ServerId } from './results.js';
import type { Mode } from './servers.js';

/** `echo`: one `tools/call echo` over established sessions; `lifecycle`: a whole session. */
export const FLOWS = ['echo', 'lifecycle'] as const;
export type Flow = (typeof FLOWS)[number];

export interface UnitOptions {
  servers: ServerId[];
  mode: Mode;
  flow: Flow;
  /** Units run before the measured ones. */
  warmup: number;
  /** Units measured. */
  units: number;
  /** Workers, each with one request in flight (and, for `echo`, one session). */
  concurrency: number;
}

/** A positive integer option. */
export function countOption(name: string, fallback: number): number {
  const value = Number(option(name) ?? fallback);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Reads --servers, --mode, --flow, --warmup, --count and --concurrency from the command line. */
export function unitOptions(defaults: Omit<UnitOptions, 'mode' | 'flow'>): UnitOptions {
  const servers = (option('servers') ?? defaults.servers.join(',')).split(',') as ServerId[];
  for (const id of servers) {
    if (!SERVER_IDS.includes(id)) throw new Error(`unknown server "${id}"`);
  }
  const mode = (option('mode') ?? 'sse') as Mode;
  if (!['sse', 'json', 'stateless'].includes(mode)) throw new Error(`unknown mode "${mode}"`);
  const flow = (option('flow') ?? 'echo') as Flow;
  if (!FLOWS.includes(flow)) throw new Error(`--flow must be one of ${FLOWS.join(', ')}`);
  if (flow === 'lifecycle' && mode === 'stateless') throw new Error('stateless has no lifecycle');
  return {
    servers,
    mode,
    flow,
    warmup: countOption('warmup', defaults.warmup),
    units: countOption('count', defaults.units),
    concurrency: countOption('concurrency', defaults.concurrency),
  };
}

/** The sessions the `echo` flow runs over, one per worker (none for the other flows). */
export function openWorkSessions(http: McpHttp, options: UnitOptions): Promise<string[]> {
  const { flow, mode, concurrency } = options;
  return flow === 'echo' && mode !== 'stateless'
    ? boundedPool(concurrency, concurrency, Infinity, () => http.openSession())
    : Promise.resolve([]);
}

/**
 * Runs `total` units of work on `concurrency` workers, worker `w` on session `sessions[w]` (one
 * request in flight per session, as a client does).
 */
export async function runUnits(
  http: McpHttp,
  sessions: string[],
  total: number,
  { flow, concurrency }: UnitOptions,
): Promise<void> {
  const worker = async (w: number) => {
    for (let i = w; i < total; i += concurrency) {
      if (flow === 'lifecycle') {
        const id = await http.openSession();
        await http.echo(id);
        await http.close(id);
      } else {
        await http.echo(sessions[w]);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
}
