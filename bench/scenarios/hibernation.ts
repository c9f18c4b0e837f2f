import { launch } from '../lib/children.js';
import { fmt, log } from '../lib/log.js';
import { boundedPool, McpHttp } from '../lib/mcp-http.js';
import { MEMORY_NODE_ARGS, readMemory, warmUp } from '../lib/memory.js';
import type { Scenario } from './scenario.js';

const ID = 'hibernation';
const BATCH = 10_000;
const LATENCY_SAMPLES = 500;
const MiB = 1024 * 1024;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/**
 * Ours with hibernation: memory per hibernated session at a large count, and the latency of the
 * first request after hibernation (the rebuild) against a request to a live session.
 */
export const hibernation: Scenario = {
  id: ID,
  title: 'Ours with hibernation: memory per hibernated session, and rehydration latency',
  servers: ['ours'],
  method:
    'Ours runs in its own process (bench/servers/ours-host.ts, SSE mode, `hibernateAfter` set, ' +
    'the scheduled sweep pushed out to 1 h, the same heap limit and probe as in the memory ' +
    `scenario). After the warm-up and a first reading, the harness opens sessions ${fmt(BATCH)} at ` +
    'a time (initialize + notifications/initialized, 32 at a time) and after each batch asks the ' +
    'host to hibernate every quiet session (`SessionManager.hibernateIdleSessions`, the method ' +
    'the scheduled sweep calls), so that the process never holds more than one batch awake, as ' +
    'with a running reaper. Then a reading: heap and RSS growth per hibernated session, and the ' +
    `whole process's RSS. Last, for ${LATENCY_SAMPLES} hibernated sessions one after another: a ` +
    '`tools/call echo` timed from send to complete reply (the first request, which rebuilds the ' +
    'session), then a second one (the session is live).',
  estimateSeconds: (c) => c.hibernatedSessions / 650 + 20,
  enabled: (c) => c.hibernatedSessions > 0,
  run: async (context) => {
    if (!context.servers.includes('ours')) return;
    const { config, results, deadline } = context;
    const total = config.hibernatedSessions;
    log.step(`${ID} · ${fmt(total)} sessions, hibernated ${fmt(BATCH)} at a time …`);
    const host = await launch({
      name: 'ours-host',
      entry: 'ours-host.js',
      nodeArgs: MEMORY_NODE_ARGS,
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        MCP_JSON_RESPONSE: 'false',
        MCP_MAX_SESSIONS: String(total + 1_000),
        MCP_SESSION_IDLE_TIMEOUT: '1800',
        MCP_HIBERNATE_AFTER: '600',
        MCP_REAP_INTERVAL: '3600',
      },
    });
    const http = new McpHttp(host.url, 64);
    try {
      await warmUp(http, 32, deadline);
      await host.call('hibernate');
      const start = await readMemory(host);
      const ids: string[] = [];
      while (ids.length < total) {
        const batch = Math.min(BATCH, total - ids.length);
        ids.push(...(await boundedPool(batch, 32, deadline, () => http.openSession())));
        const done = await host.call<{ hibernated: number; durationMs: number }>('hibernate');
        log.detail(
          `${ID}: ${fmt(ids.length)}/${fmt(total)} open; hibernated ${fmt(done.hibernated)} in ${fmt(done.durationMs)} ms`,
        );
      }
      const open = await readMemory(host);
      const cold: number[] = [];
      const warm: number[] = [];
      for (const id of ids.slice(0, LATENCY_SAMPLES)) {
        let began = performance.now();
        await http.echo(id);
        cold.push(performance.now() - began);
        began = performance.now();
        await http.echo(id);
        warm.push(performance.now() - began);
      }
      const figure = (metric: string, label: string, unit: string) => ({
        scenario: ID,
        metric,
        label,
        unit,
        better: 'lower' as const,
      });
      results.record(
        figure('heap-per-session', `Heap per hibernated session, ${fmt(total)} hibernated`, 'KiB'),
        'ours',
        (open.heapUsed - start.heapUsed) / total / 1024,
      );
      results.record(
        figure('rss-per-session', `RSS per hibernated session, ${fmt(total)} hibernated`, 'KiB'),
        'ours',
        (open.rss - start.rss) / total / 1024,
      );
      results.record(
        figure('rss-total', `Process RSS with ${fmt(total)} hibernated sessions`, 'MiB'),
        'ours',
        open.rss / MiB,
      );
      for (const [name, samples] of [
        ['rehydrate', cold],
        ['live', warm],
      ] as const) {
        const label =
          name === 'rehydrate' ? 'First request after hibernation' : 'Request to a live session';
        results.record(
          figure(`${name}-p50`, `${label}, p50`, 'ms'),
          'ours',
          percentile(samples, 0.5),
        );
        results.record(
          figure(`${name}-p99`, `${label}, p99`, 'ms'),
          'ours',
          percentile(samples, 0.99),
        );
      }
      results.note(
        ID,
        `${fmt(total)} sessions hibernated; latencies over ${fmt(LATENCY_SAMPLES)} sessions, one request at a time, from the harness process (loopback HTTP included).`,
      );
    } finally {
      await host.stop();
    }
  },
};
