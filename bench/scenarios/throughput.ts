import { fmt } from '../lib/log.js';
import { loadProblems, runLoad } from '../lib/load.js';
import { boundedPool, ECHO_BODY, isEchoResult, McpHttp, SESSION_HEADERS } from '../lib/mcp-http.js';
import { startServer, type Mode } from '../lib/servers.js';
import { alternate, type Scenario, type ScenarioContext } from './scenario.js';

/** Throughput and latency of `tools/call echo`, over established sessions or stateless. */
function throughput(mode: Mode, id: string, title: string, method: string): Scenario {
  const scenario: Scenario = {
    id,
    title,
    method,
    // @rekog/mcp-nest is compared in its stateful mode, as the issue asks.
    servers: mode === 'stateless' ? ['ours', 'baseline', 'ceiling'] : undefined,
    estimateSeconds: (c, servers) => c.rounds * servers * (c.warmupSeconds + c.measureSeconds + 2),
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
            if (mode !== 'stateless') {
              sessionIds = await boundedPool(config.sessions, 16, context.deadline, () =>
                http.openSession(),
              );
            }
            // Every session answers the call correctly before the load starts.
            const checks = Math.max(sessionIds.length, 1);
            await boundedPool(checks, 16, context.deadline, (i) => http.echo(sessionIds[i]));
          } finally {
            http.destroy();
          }
          const load = {
            url: child.url,
            connections: config.sessions,
            body: ECHO_BODY,
            headers: SESSION_HEADERS,
            // One session per connection, so every session carries its share of the load.
            perConnectionHeaders:
              mode === 'stateless'
                ? undefined
                : sessionIds.map((sessionId) => ({ 'mcp-session-id': sessionId })),
            verify: isEchoResult,
          };
          await runLoad({ ...load, durationSeconds: config.warmupSeconds });
          const cpuBefore = await child.call<number>('cpu');
          const r = await runLoad({ ...load, durationSeconds: config.measureSeconds });
          const cpuPerRequest = ((await child.call<number>('cpu')) - cpuBefore) / (r.ok + r.non2xx);
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
          const problems = loadProblems(r);
          if (problems) results.note(id, `${server}, round ${round + 1}: ${problems}`);
          return `${fmt(r.okPerSecond)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${fmt(cpuPerRequest)} µs/req${problems ? ` (${problems})` : ''}`;
        } finally {
          await child.stop();
        }
      }),
  };
  return scenario;
}

const CPU_NOTE =
  "Server CPU time per request is the server process's `process.cpuUsage()` over the measured " +
  'window divided by the responses in it: it depends less than throughput on what else the ' +
  'machine runs.';

const SESSIONS_METHOD = (responses: string) =>
  `Each server is started fresh; the harness opens 64 sessions (initialize + ` +
  `notifications/initialized), checks one \`tools/call echo\` on each, then drives ` +
  `\`tools/call echo\` with autocannon: 64 connections, one session per connection ` +
  `(every request carries its connection's \`Mcp-Session-Id\`), one request in flight per ` +
  `connection, ${responses}. A warm-up window precedes the measured window. Throughput counts ` +
  `2xx responses whose body carries the echo result; latency is autocannon's (1 ms resolution). ` +
  CPU_NOTE;

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
    CPU_NOTE,
);
