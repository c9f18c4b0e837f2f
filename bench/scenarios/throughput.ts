import { fmt } from '../lib/log.js';
import { loadProblems, runLoad } from '../lib/load.js';
import {
  boundedPool,
  ECHO_BODY,
  isEchoResult,
  McpHttp,
  MODERN_ECHO_BODY,
  MODERN_ECHO_HEADERS,
  MODERN_PROTOCOL_VERSION,
  SESSION_HEADERS,
} from '../lib/mcp-http.js';
import { startServer, type Mode } from '../lib/servers.js';
import { percentile } from '../lib/stats.js';
import { SERVER_IDS, type ServerId } from '../lib/results.js';
import { alternate, type Scenario, type ScenarioContext } from './scenario.js';

/** Requests sent one at a time after the measured window, for the latency of an idle server. */
const SOLO_REQUESTS = 200;

/**
 * What the load sends: 2025-era calls (over sessions unless the mode is stateless), or 2026-07-28
 * requests, which need no session whatever the mode.
 */
type Wire = '2025' | 'modern';

/** The servers that keep 2025-era sessions (the SDK v2 handler has none). */
const SESSION_SERVERS: readonly ServerId[] = SERVER_IDS.filter((id) => id !== 'sdk-handler');

/** One `tools/call echo` of the given wire, over the session if there is one. */
function echo(http: McpHttp, wire: Wire, sessionId: string | undefined): Promise<unknown> {
  return wire === 'modern' ? http.modernEcho() : http.echo(sessionId);
}

/** The latency of `tools/call echo` sent one at a time over one session (none if stateless). */
async function soloLatency(
  url: string,
  wire: Wire,
  sessionId: string | undefined,
): Promise<number[]> {
  const http = new McpHttp(url, 1);
  try {
    const samples: number[] = [];
    for (let i = 0; i < SOLO_REQUESTS; i++) {
      const began = performance.now();
      await echo(http, wire, sessionId);
      samples.push(performance.now() - began);
    }
    return samples;
  } finally {
    http.destroy();
  }
}

/**
 * Throughput and latency of `tools/call echo`: 2025-era calls over established sessions or
 * stateless, or 2026-07-28 requests (`wire: 'modern'`) to servers started in `mode`.
 */
function throughput(
  mode: Mode,
  id: string,
  title: string,
  method: string,
  wire: Wire = '2025',
): Scenario {
  const sessions = wire === '2025' && mode !== 'stateless';
  const scenario: Scenario = {
    id,
    title,
    method,
    // @rekog/mcp-nest is compared in its stateful mode, as the issue asks. Ours runs on both
    // NestJS HTTP platforms here, and only here. The 2026-07-28 revision is served by the SDK v2
    // handler and by the dual-era servers.
    servers:
      wire === 'modern'
        ? ['ours', 'ours-mounted', 'ours-fastify', 'sdk-handler', 'rekog']
        : mode === 'stateless'
          ? ['ours', 'ours-mounted', 'ours-fastify', 'baseline', 'ceiling']
          : SESSION_SERVERS,
    estimateSeconds: (c, servers) => c.rounds * servers * (c.warmupSeconds + c.measureSeconds + 3),
    run: (context: ScenarioContext) =>
      alternate(scenario, context, async (server, round) => {
        const { config, results } = context;
        const child = await startServer(server, {
          mode,
          maxSessions: 1_000,
          tag: `${id}-r${round + 1}`,
        });
        try {
          const http = new McpHttp(child.url, 16);
          let sessionIds: string[] = [];
          try {
            if (sessions) {
              sessionIds = await boundedPool(config.sessions, 16, context.deadline, () =>
                http.openSession(),
              );
            }
            // Every session answers the call correctly before the load starts. A server that
            // does not speak the revision is left out of the scenario, and the report says why.
            const checks = Math.max(sessionIds.length, 1);
            await boundedPool(checks, 16, context.deadline, (i) =>
              echo(http, wire, sessionIds[i]),
            ).catch((error: Error) => {
              if (wire !== 'modern') throw error;
              throw new Error(
                `${server} does not serve ${MODERN_PROTOCOL_VERSION} requests (${error.message})`,
              );
            });
          } finally {
            http.destroy();
          }
          const load = {
            url: child.url,
            connections: config.sessions,
            body: wire === 'modern' ? MODERN_ECHO_BODY : ECHO_BODY,
            headers: wire === 'modern' ? MODERN_ECHO_HEADERS : SESSION_HEADERS,
            // One session per connection, so every session carries its share of the load.
            perConnectionHeaders: sessions
              ? sessionIds.map((sessionId) => ({ 'mcp-session-id': sessionId }))
              : undefined,
            verify: isEchoResult,
          };
          await runLoad({ ...load, durationSeconds: config.warmupSeconds });
          const cpuBefore = await child.call<number>('cpu');
          const loadCpuBefore = process.cpuUsage();
          const r = await runLoad({ ...load, durationSeconds: config.measureSeconds });
          const loadCpu = process.cpuUsage(loadCpuBefore);
          const responses = r.ok + r.non2xx;
          const cpuPerRequest = ((await child.call<number>('cpu')) - cpuBefore) / responses;
          const loadCpuPerRequest = (loadCpu.user + loadCpu.system) / responses;
          const solo = await soloLatency(child.url, wire, sessionIds[0]);
          const figure = { scenario: id };
          results.record(
            {
              ...figure,
              metric: 'throughput',
              label: 'Throughput',
              unit: 'req/s',
              better: 'higher',
            },
            server,
            r.okPerSecond,
          );
          results.record(
            { ...figure, metric: 'p50', label: 'Latency p50', unit: 'ms', better: 'lower' },
            server,
            r.p50,
          );
          results.record(
            { ...figure, metric: 'p99', label: 'Latency p99', unit: 'ms', better: 'lower' },
            server,
            r.p99,
          );
          for (const [name, p] of [
            ['p50', 0.5],
            ['p99', 0.99],
          ] as const) {
            results.record(
              {
                ...figure,
                metric: `solo-${name}`,
                label: `Latency ${name}, one request at a time`,
                unit: 'ms',
                better: 'lower',
              },
              server,
              percentile(solo, p),
            );
          }
          results.record(
            {
              ...figure,
              metric: 'cpu-per-request',
              label: 'Server CPU time per request',
              unit: 'µs',
              better: 'lower',
            },
            server,
            cpuPerRequest,
          );
          results.record(
            {
              ...figure,
              metric: 'load-cpu-per-request',
              label: 'Load generator CPU time per request',
              unit: 'µs',
              better: 'lower',
            },
            server,
            loadCpuPerRequest,
          );
          const problems = loadProblems(r);
          if (problems) results.note(id, `${server}, round ${round + 1}: ${problems}`);
          return `${fmt(r.okPerSecond)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${fmt(cpuPerRequest)} µs/req (load generator ${fmt(loadCpuPerRequest)})${problems ? ` (${problems})` : ''}`;
        } finally {
          await child.stop();
        }
      }),
  };
  return scenario;
}

const FIGURES_NOTE =
  "Server CPU time per request is the server process's `process.cpuUsage()` over the measured " +
  'window divided by the responses in it: it depends less than throughput on what else the ' +
  "machine runs. The load generator's CPU time per request is the harness process's over the " +
  'same window (autocannon runs in it): a server whose responses arrive one by one wakes it ' +
  'more often than one whose responses leave in bursts. After the load, the harness sends ' +
  `${SOLO_REQUESTS} \`tools/call echo\` one at a time over one connection (and one session, ` +
  'unless stateless), timed with `performance.now()`: the latency a client meets when the ' +
  'server is not saturated.';

const SESSIONS_METHOD = (responses: string) =>
  `Each server is started fresh; the harness opens 64 sessions (initialize + ` +
  `notifications/initialized), checks one \`tools/call echo\` on each, then drives ` +
  `\`tools/call echo\` with autocannon: 64 connections, one session per connection ` +
  `(every request carries its connection's \`Mcp-Session-Id\`), one request in flight per ` +
  `connection, ${responses}. A warm-up window precedes the measured window. Throughput counts ` +
  `2xx responses whose body carries the echo result; latency is autocannon's (1 ms resolution). ` +
  FIGURES_NOTE;

export const throughputJson = throughput(
  'json',
  'throughput-json',
  'tools/call over 64 established sessions — JSON responses',
  SESSIONS_METHOD('servers in JSON-response mode (`application/json` answers)'),
);

export const throughputSse = throughput(
  'sse',
  'throughput-sse',
  'tools/call over 64 established sessions — SSE responses',
  SESSIONS_METHOD(
    'servers in SSE mode (each POST is answered by a `text/event-stream`); ours with its default ' +
      "bounded event store, the baseline with the SDK examples' `InMemoryEventStore`, so both are " +
      'resumable and both write a priming event and event ids. The Node bridge that both use ' +
      "(@hono/node-server) holds each of the baseline's SSE responses for a timer (about 1 ms) " +
      'before it writes it, which under this load releases them in bursts; ours writes each ' +
      'response as soon as it is ready (docs/PERFORMANCE.md, "Fixed later: a timer on every SSE ' +
      'response")',
  ),
);

export const stateless = throughput(
  'stateless',
  'stateless',
  'Stateless mode — a fresh MCP server per request',
  'Each server runs stateless (no sessions, SSE responses): every POST gets a new MCP server and ' +
    'transport, which are closed when the response ends. The baseline is the SDK example ' +
    '`simpleStatelessStreamableHttp` pattern. autocannon sends `tools/call echo` without ' +
    'initialize over 64 connections, as a stateless client may. @rekog/mcp-nest is compared in ' +
    'its stateful mode only. ' +
    FIGURES_NOTE,
);

export const modern = throughput(
  'json',
  'modern',
  'tools/call at the 2026-07-28 revision — no session, a fresh server per request',
  `autocannon sends \`tools/call echo\` as a ${MODERN_PROTOCOL_VERSION} client does: no ` +
    '`initialize`, no session; each POST carries the revision, the client capabilities and ' +
    'the client info in `params._meta`, and the headers `MCP-Protocol-Version`, `Mcp-Method: ' +
    'tools/call` and `Mcp-Name: echo`; 64 connections, one request in flight per connection. ' +
    "Every server answers with a fresh MCP server per request: the SDK v2's own " +
    '`createMcpHandler` on bare node:http, and the dual-era servers (ours, started with ' +
    'sessions and JSON responses for 2025-era clients; @rekog/mcp-nest in its default dual ' +
    'protocol mode). A server that does not serve the revision is left out, with its answer. ' +
    FIGURES_NOTE,
  'modern',
);
