import { setTimeout as sleep } from 'node:timers/promises';
import { fmt, log } from '../lib/log.js';
import { boundedPool, McpHttp } from '../lib/mcp-http.js';
import { MEMORY_NODE_ARGS, MiB, readMemory, warmUp } from '../lib/memory.js';
import type { ResultSet, ServerId } from '../lib/results.js';
import { startServer } from '../lib/servers.js';
import type { MemorySample } from '../servers/probe.js';
import { alternate, type Scenario } from './scenario.js';

const CONCURRENCY = 32;

export interface MemoryReadings {
  start: MemorySample;
  open: MemorySample;
  closed: MemorySample;
}

/** Records the memory figures of one server from its three readings. */
export function recordMemory(
  results: ResultSet,
  scenario: string,
  server: ServerId,
  count: number,
  m: MemoryReadings,
): string {
  const heapPerSession = (m.open.heapUsed - m.start.heapUsed) / count;
  const rssPerSession = (m.open.rss - m.start.rss) / count;
  const heapAfterClose = ((m.closed.heapUsed - m.start.heapUsed) / m.start.heapUsed) * 100;
  const figure = (metric: string, label: string, unit: string) => ({
    scenario,
    metric,
    label,
    unit,
    better: 'lower' as const,
  });
  const n = fmt(count);
  results.record(
    figure('heap-per-session', `Heap per idle session, ${n} open`, 'KiB'),
    server,
    heapPerSession / 1024,
  );
  results.record(
    figure('rss-per-session', `RSS per idle session, ${n} open`, 'KiB'),
    server,
    rssPerSession / 1024,
  );
  results.record(figure('heap-start', 'Heap used before', 'MiB'), server, m.start.heapUsed / MiB);
  results.record(
    figure('heap-open', `Heap used with ${n} sessions open`, 'MiB'),
    server,
    m.open.heapUsed / MiB,
  );
  results.record(
    figure('heap-closed', 'Heap used after closing every session', 'MiB'),
    server,
    m.closed.heapUsed / MiB,
  );
  results.record(
    figure('heap-after-close', 'Heap growth left after closing every session', '%'),
    server,
    heapAfterClose,
  );
  return (
    `heap ${fmt(heapPerSession / 1024)} KiB/session, RSS ${fmt(rssPerSession / 1024)} KiB/session, ` +
    `heap ${fmt(m.start.heapUsed / MiB)} → ${fmt(m.open.heapUsed / MiB)} → ${fmt(m.closed.heapUsed / MiB)} MiB`
  );
}

export const memoryIdle: Scenario = {
  id: 'memory',
  title: 'Memory per idle session',
  method:
    'Each server is started in SSE mode with `--expose-gc`, the same `--max-old-space-size` for ' +
    'all, and a preloaded probe (bench/servers/probe.ts) that answers memory readings over the IPC ' +
    'channel after forcing GC. 200 sessions (100 in a `--quick` run) are opened, used and closed ' +
    'first, so that warm-up costs are not counted; then a reading; then N sessions are opened ' +
    '(initialize + ' +
    'notifications/initialized, 32 at a time) and left idle; a reading; then every session is ' +
    'closed with DELETE; after 1 s, a last reading. Per-session figures are the growth divided by ' +
    'N; the heap figures are `heapUsed`.',
  estimateSeconds: (c) => (c.memorySessions / 1_000) * 4 + 6,
  run: (context) =>
    alternate(
      memoryIdle,
      { ...context, config: { ...context.config, rounds: 1 } },
      async (server) => {
        const n = context.config.memorySessions;
        const { deadline } = context;
        const child = await startServer(server, {
          mode: 'sse',
          maxSessions: n + 1_000,
          nodeArgs: MEMORY_NODE_ARGS,
          tag: 'memory',
        });
        const http = new McpHttp(child.url, CONCURRENCY);
        try {
          await warmUp(http, context.config.warmupSessions, CONCURRENCY, deadline);
          const start = await readMemory(child);
          const progress = (verb: string) => (done: number) =>
            log.detail(`memory · ${server}: ${verb} ${fmt(done)}/${fmt(n)} sessions`);
          const ids = await boundedPool(
            n,
            CONCURRENCY,
            deadline,
            () => http.openSession(),
            progress('opened'),
          );
          const open = await readMemory(child);
          await boundedPool(
            n,
            CONCURRENCY,
            deadline,
            (i) => http.close(ids[i]),
            progress('closed'),
          );
          await sleep(1_000);
          const closed = await readMemory(child);
          return recordMemory(context.results, 'memory', server, n, { start, open, closed });
        } finally {
          http.destroy();
          await child.stop();
        }
      },
    ),
};
