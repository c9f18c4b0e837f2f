import type { BenchMode } from '../servers/bench-mode.js';
import { launch, type ChildServer } from './children.js';
import { MEMORY_NODE_ARGS } from './memory.js';
import { packageJson } from './packages.js';
import type { ServerId } from './results.js';

/** How a server is started: sessions with JSON or SSE responses, or stateless (SSE). */
export type Mode = BenchMode;

export interface ServerDef {
  /** Column header in the report. */
  label: string;
  /** One line for the report's list of contenders. */
  description: string;
  entry: string;
  /** Environment for a mode; `maxSessions` is the session cap the scenario needs. */
  env(mode: Mode, maxSessions: number): Record<string, string>;
  /** Why this server cannot run here, or null. */
  unavailable(): string | null;
  /** Compared only by the scenarios that name it in their `servers`, not by every scenario. */
  onlyWhereNamed?: boolean;
}

function missing(pkg: string): string | null {
  return packageJson(pkg) ? null : `${pkg} is not installed`;
}

export const SERVERS: Record<ServerId, ServerDef> = {
  ours: {
    label: 'ours',
    description:
      'NestJS 12 + McpSessionModule, configured as the sample is (bench/servers/ours-app.ts)',
    entry: 'ours.js',
    env: (mode, maxSessions) => ({
      HOST: '127.0.0.1',
      PORT: '0',
      MCP_JSON_RESPONSE: String(mode === 'json'),
      MCP_STATELESS: String(mode === 'stateless'),
      MCP_MAX_SESSIONS: String(maxSessions),
    }),
    unavailable: () => null,
  },
  'ours-sdk': {
    label: 'ours, SDK transport',
    description:
      "the same application as ours with `transport: 'sdk'`: sessions served by the SDK's web-standard transport behind the Node/Web bridge instead of the module's Node-native one",
    entry: 'ours.js',
    env: (mode, maxSessions) => ({
      ...SERVERS.ours.env(mode, maxSessions),
      MCP_TRANSPORT: 'sdk',
    }),
    unavailable: () => null,
    onlyWhereNamed: true,
  },
  'ours-mounted': {
    label: 'ours, server mount',
    description:
      "ours with `mount: 'server'`: the endpoint served from the HTTP server ahead of Express's router, middleware and guards; and `reuseModernServers: true`: a 2026-07-28 request served by an idle server of an earlier one",
    entry: 'ours.js',
    env: (mode, maxSessions) => ({
      ...SERVERS.ours.env(mode, maxSessions),
      BENCH_MOUNT: 'server',
      MCP_REUSE_MODERN_SERVERS: 'true',
    }),
    unavailable: () => null,
    onlyWhereNamed: true,
  },
  'ours-fastify': {
    label: 'ours on Fastify',
    description:
      'the same application as ours, on @nestjs/platform-fastify instead of Express; in the throughput scenarios (bench/servers/ours-fastify.ts)',
    entry: 'ours-fastify.js',
    env: (mode, maxSessions) => SERVERS.ours.env(mode, maxSessions),
    unavailable: () => missing('@nestjs/platform-fastify'),
    onlyWhereNamed: true,
  },
  baseline: {
    label: 'baseline',
    description:
      "Express + the SDK's StreamableHTTPServerTransport + a Map of sessions, as the SDK's examples do (bench/servers/baseline.ts)",
    entry: 'baseline.js',
    env: (mode) => ({ BENCH_MODE: mode }),
    unavailable: () => null,
  },
  ceiling: {
    label: 'ceiling',
    description:
      'raw node:http: parse the JSON-RPC body, a Map of sessions, write the same result bytes (bench/servers/ceiling.ts)',
    entry: 'ceiling.js',
    env: (mode) => ({ BENCH_MODE: mode }),
    unavailable: () => null,
  },
  rekog: {
    label: '@rekog/mcp-nest',
    description:
      '@rekog/mcp-nest 2 in its stateful mode (McpStrategy + StreamableHttpTransport with `statefulMode: true`; bench/servers/rekog.ts). ' +
      'It installs and runs with NestJS 12 on Node.js 20: its peers are @nestjs/microservices and the MCP SDK v2 packages ' +
      '(@modelcontextprotocol/server, /node, /core), not @modelcontextprotocol/sdk 1.x, so its figures include the SDK v2; it is ' +
      "CommonJS and loads the ESM-only NestJS 12 through require(esm); it mounts its route on the HTTP adapter, outside Nest's router",
    entry: 'rekog.js',
    env: (mode) => ({ BENCH_MODE: mode }),
    unavailable: () => missing('@rekog/mcp-nest') ?? missing('@nestjs/microservices'),
  },
  'sdk-handler': {
    label: 'SDK v2 handler',
    description:
      "the SDK v2's own `createMcpHandler` (`legacy: 'reject'`) behind `toNodeHandler` on a bare node:http server: " +
      '2026-07-28 requests only, stateless, a fresh server per request; in the modern scenario (bench/servers/sdk-handler.ts)',
    entry: 'sdk-handler.js',
    env: () => ({}),
    unavailable: () =>
      missing('@modelcontextprotocol/server') ?? missing('@modelcontextprotocol/node'),
    onlyWhereNamed: true,
  },
  'nest-sdk': {
    label: 'Nest + SDK (diagnostic)',
    description:
      "diagnostic, only with --servers: the baseline's code in a plain NestJS controller, without McpSessionModule (bench/servers/nest-sdk.ts)",
    entry: 'nest-sdk.js',
    env: (mode) => ({ BENCH_MODE: mode }),
    unavailable: () => null,
  },
};

/** The servers a run compares unless --servers says otherwise. */
export const DEFAULT_SERVERS: readonly ServerId[] = [
  'ours',
  'ours-fastify',
  'ours-sdk',
  'ours-mounted',
  'baseline',
  'ceiling',
  'rekog',
  'sdk-handler',
];

export interface StartOptions {
  mode: Mode;
  maxSessions?: number;
  nodeArgs?: string[];
  /** Distinguishes the log file. */
  tag: string;
}

/** Starts one server under test in its own process. */
export function startServer(id: ServerId, options: StartOptions): Promise<ChildServer> {
  const def = SERVERS[id];
  return launch({
    name: `${id}-${options.tag}`,
    entry: def.entry,
    env: def.env(options.mode, options.maxSessions ?? 1_000),
    nodeArgs: options.nodeArgs,
  });
}

/**
 * Ours with side-channel commands (bench/servers/ours-host.ts) for the scenarios at scale: SSE
 * mode, the memory scenario's heap limit and probe, the scheduled sweep pushed out to 1 h so that
 * only the scenario's own sweeps run. `env` adds to or overrides the sample's settings.
 */
export function launchOursHost(
  maxSessions: number,
  env: Record<string, string>,
): Promise<ChildServer> {
  return launch({
    name: 'ours-host',
    entry: 'ours-host.js',
    nodeArgs: MEMORY_NODE_ARGS,
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      MCP_JSON_RESPONSE: 'false',
      MCP_MAX_SESSIONS: String(maxSessions + 1_000),
      MCP_REAP_INTERVAL: '3600',
      ...env,
    },
  });
}

/**
 * The order in which servers run in a round: as given in even rounds, reversed in odd ones
 * (A B C, C B A, A B C …), so that no server always runs first or last.
 */
export function roundOrder<T>(servers: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...servers] : [...servers].reverse();
}
