import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildServer } from '../lib/children.js';
import { fmt, log } from '../lib/log.js';
import { boundedPool, McpHttp } from '../lib/mcp-http.js';
import { MiB, readMemory, warmUp } from '../lib/memory.js';
import { launchOursHost } from '../lib/servers.js';
import { percentile } from '../lib/stats.js';
import type { MemorySample } from '../servers/probe.js';
import type { Scenario } from './scenario.js';

const ID = 'hibernation';
/** Sessions opened between two hibernation sweeps: at most this many are ever awake. */
const BATCH = 1_000;
/** How long the process may take to settle after the last sweep, and the RSS change that ends it. */
const SETTLE_SECONDS = 20;
const SETTLED_RSS_CHANGE = 2 * MiB;

function launchHost(sessions: number, lazyValidator: boolean): Promise<ChildServer> {
  return launchOursHost(sessions, {
    MCP_SESSION_IDLE_TIMEOUT: '1800',
    MCP_HIBERNATE_AFTER: '600',
    BENCH_LAZY_VALIDATOR: String(lazyValidator),
  });
}

/**
 * Opens `total` sessions, hibernating every quiet one after each batch, as a running sweep does;
 * fails unless every one of them was hibernated, since the figures are per hibernated session.
 * The first `fullyOpened` get initialize + notifications/initialized: those the latency part
 * wakes. The others get initialize alone, as the reaper scenario opens most of its sessions: a
 * hibernated session's record is the same size either way, and the notification is a fifth of
 * the server's work per session.
 */
async function openHibernated(
  host: ChildServer,
  http: McpHttp,
  total: number,
  fullyOpened: number,
  deadline: number,
): Promise<string[]> {
  const ids: string[] = [];
  let hibernated = 0;
  while (ids.length < total) {
    const batch = Math.min(BATCH, total - ids.length);
    const offset = ids.length;
    const open = (i: number) => (offset + i < fullyOpened ? http.openSession() : http.initialize());
    ids.push(...(await boundedPool(batch, 32, deadline, open)));
    const done = await host.call<{ hibernated: number; durationMs: number }>('hibernate');
    hibernated += done.hibernated;
    if (ids.length % (10 * BATCH) === 0 || ids.length === total) {
      log.detail(
        `${ID}: ${fmt(ids.length)}/${fmt(total)} open; last sweep hibernated ${fmt(done.hibernated)} in ${fmt(done.durationMs)} ms`,
      );
    }
  }
  if (hibernated !== total) throw new Error(`${hibernated} of ${total} sessions hibernated`);
  return ids;
}

/**
 * Readings once a second, from `first` (or a new reading), until RSS stops falling: V8 returns
 * freed pages over a few seconds.
 */
async function settledMemory(host: ChildServer, first?: MemorySample): Promise<MemorySample> {
  let reading = first ?? (await readMemory(host));
  for (let second = 0; second < SETTLE_SECONDS; second++) {
    await sleep(1000);
    const next = await readMemory(host);
    const settled = Math.abs(next.rss - reading.rss) < SETTLED_RSS_CHANGE;
    reading = next;
    if (settled) break;
  }
  return reading;
}

/**
 * The first request to each of `samples` hibernated sessions (the rebuild), then a second one
 * (live). Before them, the same on as many other hibernated sessions, unmeasured: the rebuild
 * path's JIT warm-up, which a running server has long behind it (every other scenario warms up
 * too). `ids` holds both, samples first.
 */
async function rehydrationLatency(http: McpHttp, ids: string[], samples: number) {
  if (ids.length < 2 * samples) throw new Error('too few sessions');
  for (const id of ids.slice(samples, 2 * samples)) {
    await http.echo(id);
    await http.echo(id);
  }
  const cold: number[] = [];
  const warm: number[] = [];
  for (const id of ids.slice(0, samples)) {
    let began = performance.now();
    await http.echo(id);
    cold.push(performance.now() - began);
    began = performance.now();
    await http.echo(id);
    warm.push(performance.now() - began);
  }
  return { cold, warm };
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
    'Ours runs in its own process (bench/servers/ours-host.ts, SSE mode, the in-memory event ' +
    'store, `hibernateAfter` set, the scheduled sweep pushed out to 1 h, the same heap limit and ' +
    "probe as in the memory scenario), serving the echo server built as the sample's servers are, " +
    'with `lazyJsonSchemaValidator()`. After the warm-up and a first reading, the harness opens ' +
    `sessions ${fmt(BATCH)} at a time, 32 at a time (those that the latency part wakes with ` +
    'initialize + notifications/initialized, the others with initialize alone), and ' +
    'after each batch asks the host to hibernate every quiet session ' +
    '(`SessionManager.hibernateIdleSessions`, the method the scheduled sweep calls), so that ' +
    `the process never holds more than ${fmt(BATCH)} sessions awake, as with a running sweep. ` +
    'Readings after forced GC: right after the last sweep, and once RSS has settled (V8 hands ' +
    `freed pages back over a few seconds; at most ${SETTLE_SECONDS} s). Last, for as many ` +
    'hibernated sessions as the parameters say, one after another: a `tools/call echo` timed ' +
    'from send to complete reply in the harness (the first request, which rebuilds the session), ' +
    'then a second one (the session is live), after the same on as many other hibernated ' +
    'sessions, unmeasured, as the warm-up of the rebuild path (a running server has it behind ' +
    'it). The latency part is repeated in a fresh process holding only those hibernated ' +
    "sessions, whose echo server keeps the SDK's default validator (an Ajv instance built with " +
    'each server).',
  estimateSeconds: (c) => c.hibernatedSessions / 650 + 60,
  enabled: (c) => c.hibernatedSessions > 0,
  run: async (context) => {
    if (!context.servers.includes('ours')) return;
    const { config, results, deadline } = context;
    const total = config.hibernatedSessions;
    const samples = config.rehydrationSamples;
    const figure = (metric: string, label: string, unit: string) => ({
      scenario: ID,
      metric,
      label,
      unit,
      better: 'lower' as const,
    });
    const recordLatency = (prefix: string, what: string, samples: number[]) => {
      results.record(
        figure(`${prefix}-p50`, `${what}, p50`, 'ms'),
        'ours',
        percentile(samples, 0.5),
      );
      results.record(
        figure(`${prefix}-p99`, `${what}, p99`, 'ms'),
        'ours',
        percentile(samples, 0.99),
      );
    };

    log.step(`${ID} · ${fmt(total)} sessions, hibernated ${fmt(BATCH)} at a time …`);
    const host = await launchHost(total, true);
    const http = new McpHttp(host.url, 64);
    try {
      await warmUp(http, config.warmupSessions, 32, deadline);
      const start = await settledMemory(host);
      const ids = await openHibernated(host, http, total, 2 * samples, deadline);
      const afterSweep = await readMemory(host);
      const settled = await settledMemory(host, afterSweep);
      results.record(
        figure('heap-per-session', `Heap per hibernated session, ${fmt(total)} hibernated`, 'KiB'),
        'ours',
        (settled.heapUsed - start.heapUsed) / total / 1024,
      );
      results.record(
        figure('rss-per-session', `RSS per hibernated session, ${fmt(total)} hibernated`, 'KiB'),
        'ours',
        (settled.rss - start.rss) / total / 1024,
      );
      results.record(
        figure('rss-total', `Process RSS with ${fmt(total)} hibernated sessions, settled`, 'MiB'),
        'ours',
        settled.rss / MiB,
      );
      results.record(
        figure(
          'rss-after-sweep',
          `Process RSS right after the last sweep (${fmt(BATCH)} sessions just hibernated)`,
          'MiB',
        ),
        'ours',
        afterSweep.rss / MiB,
      );
      log.detail(`${ID}: rehydrating ${fmt(samples)} sessions one at a time …`);
      const { cold, warm } = await rehydrationLatency(http, ids, samples);
      recordLatency('rehydrate', 'First request after hibernation', cold);
      recordLatency('live', 'Request to a live session', warm);
    } finally {
      await host.stop();
    }

    log.detail(`${ID}: the same latencies with the SDK's default validator …`);
    const plain = await launchHost(2 * samples, false);
    const plainHttp = new McpHttp(plain.url, 64);
    try {
      await warmUp(plainHttp, config.warmupSessions, 32, deadline);
      const ids = await openHibernated(plain, plainHttp, 2 * samples, 2 * samples, deadline);
      const { cold, warm } = await rehydrationLatency(plainHttp, ids, samples);
      recordLatency(
        'rehydrate-default',
        'First request after hibernation, default validator',
        cold,
      );
      recordLatency('live-default', 'Request to a live session, default validator', warm);
    } finally {
      await plain.stop();
    }
    results.note(
      ID,
      `${fmt(total)} sessions hibernated; latencies over ${fmt(samples)} sessions, one request at a time, from the harness process (loopback HTTP included).`,
    );
  },
};
