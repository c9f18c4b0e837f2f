import { fmt } from '../lib/log.js';
import { loadProblems, runLoad, type RequestDefinition } from '../lib/load.js';
import {
  ECHO_BODY,
  INITIALIZE_BODY,
  INITIALIZED_BODY,
  isEchoResult,
  POST_HEADERS,
  SESSION_HEADERS,
} from '../lib/mcp-http.js';
import { startServer } from '../lib/servers.js';
import { alternate, type Scenario } from './scenario.js';

type Context = Record<string, unknown>;

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Adds the connection's current session to a request; restarts the sequence if there is none. */
function inSession(request: RequestDefinition, context: Context): RequestDefinition | null {
  if (typeof context.sessionId !== 'string') return null;
  return { ...request, headers: { ...SESSION_HEADERS, 'mcp-session-id': context.sessionId } };
}

/** The four requests of one session lifecycle, counting the lifecycles that completed. */
export function lifecycle(counter: { completed: number }): RequestDefinition[] {
  return [
    {
      method: 'POST',
      body: INITIALIZE_BODY,
      headers: POST_HEADERS,
      onResponse: (status, _body, context, headers) => {
        context.sessionId = status === 200 ? header(headers, 'mcp-session-id') : undefined;
      },
    },
    { method: 'POST', body: INITIALIZED_BODY, setupRequest: inSession },
    {
      method: 'POST',
      body: ECHO_BODY,
      setupRequest: inSession,
      onResponse: (status, body, context) => {
        context.echoed = status === 200 && isEchoResult(body);
      },
    },
    {
      method: 'DELETE',
      body: '',
      setupRequest: inSession,
      onResponse: (status, _body, context) => {
        if (status === 200 && context.echoed === true) counter.completed++;
      },
    },
  ];
}

export const churn: Scenario = {
  id: 'churn',
  title: 'Session churn — complete lifecycles per second',
  method:
    'Each autocannon connection (32 of them) loops over one whole session lifecycle: `initialize`, ' +
    '`notifications/initialized`, `tools/call echo`, `DELETE`, each request carrying the session ' +
    'id the initialize returned. A lifecycle counts when its echo returned the result and its ' +
    'DELETE returned 200. Servers run in their default SSE mode (ours with its event store, the ' +
    "baseline with the SDK examples' store), so the sessions' events are created and freed too. " +
    'Server CPU time per lifecycle: `process.cpuUsage()` of the server over the window, divided by ' +
    'the lifecycles completed in it.',
  estimateSeconds: (c, servers) => c.rounds * servers * (c.warmupSeconds + c.measureSeconds + 2),
  run: (context) =>
    alternate(churn, context, async (server, round) => {
      const { config, results } = context;
      const child = await startServer(server, {
        mode: 'sse',
        maxSessions: 10_000,
        tag: `churn-r${round + 1}`,
      });
      try {
        const warm = { completed: 0 };
        await runLoad({
          url: child.url,
          connections: config.churnConnections,
          durationSeconds: config.warmupSeconds,
          requests: lifecycle(warm),
        });
        const counter = { completed: 0 };
        const cpuBefore = await child.call<number>('cpu');
        const r = await runLoad({
          url: child.url,
          connections: config.churnConnections,
          durationSeconds: config.measureSeconds,
          requests: lifecycle(counter),
        });
        const cpuPerLifecycle = ((await child.call<number>('cpu')) - cpuBefore) / counter.completed;
        const perSecond = counter.completed / r.durationSeconds;
        results.record(
          {
            scenario: 'churn',
            metric: 'lifecycles',
            label: 'Session lifecycles',
            unit: 'lifecycles/s',
            better: 'higher',
          },
          server,
          perSecond,
        );
        results.record(
          {
            scenario: 'churn',
            metric: 'p99',
            label: 'Latency p99 (any request)',
            unit: 'ms',
            better: 'lower',
          },
          server,
          r.p99,
        );
        results.record(
          {
            scenario: 'churn',
            metric: 'cpu-per-lifecycle',
            label: 'Server CPU time per lifecycle',
            unit: 'µs',
            better: 'lower',
          },
          server,
          cpuPerLifecycle,
        );
        const problems = loadProblems(r);
        if (problems) results.note('churn', `${server}, round ${round + 1}: ${problems}`);
        return `${fmt(perSecond)} lifecycles/s, p99 ${r.p99} ms, CPU ${fmt(cpuPerLifecycle)} µs/lifecycle${problems ? ` (${problems})` : ''}`;
      } finally {
        await child.stop();
      }
    }),
};
