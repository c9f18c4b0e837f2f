import { setTimeout as sleep } from 'node:timers/promises';
import { fmt, log } from '../lib/log.js';
import { boundedPool, McpHttp } from '../lib/mcp-http.js';
import { readMemory, warmUp } from '../lib/memory.js';
import { launchOursHost } from '../lib/servers.js';
import type { LoopReport, SweepReport } from '../servers/ours-host.js';
import { recordMemory } from './memory.js';
import type { Scenario } from './scenario.js';

const ID = 'large-population';
const IDLE_TIMEOUT_SECONDS = 1_800;
/**
 * Tool calls sent, 8 at a time, while the control watches the event loop with no sweep: one per
 * 50 sessions of the reaper's population (2 000 at 100 000).
 */
const CONTROL_CALLS_PER_SESSION = 1 / 50;

/** The longest GC pause in a report, for the log and the notes. */
function gcPause(report: LoopReport): string {
  const pause = report.longestGcPause;
  return pause ? `${fmt(pause.ms)} ms (${pause.kind})` : 'none';
}

/**
 * Ours alone, with many sessions: memory per idle session at a large count, then the idle reaper
 * at a larger one, then every session closed. One population serves all three, to keep the run
 * short.
 */
export const largePopulation: Scenario = {
  id: ID,
  title: 'Ours at scale: memory per idle session, and the idle reaper',
  servers: ['ours'],
  method:
    'Ours runs in its own process (bench/servers/ours-host.ts: the bench application in SSE ' +
    'mode, idle timeout 1800 s, the scheduled sweep pushed out to 1 h so that it does not run ' +
    'meanwhile, the same heap limit and probe as in the memory scenario). After the warm-up and a ' +
    'first memory reading, the harness opens the first tenth of the sessions (initialize + ' +
    'notifications/initialized, 32 at a time) and asks the host for a *mark*, a clock value after ' +
    'every one of them went idle. It opens more sessions the same way up to the memory count, ' +
    'takes a reading (memory per idle session), then opens the rest up to the reaper count ' +
    '(initialize only, 64 at a time). A first sweep runs at the real clock: nothing is expired, so ' +
    'it measures the scan of every session. Then a control: the host watches the event loop ' +
    'in the same way while the harness sends `tools/call echo` (one per 50 sessions, 8 at a ' +
    'time) to sessions that are not expired, with no sweep running, to show the pauses any work ' +
    'meets at this population. A second sweep runs ' +
    '`SessionManager.reapExpiredSessions(now)` — the method the scheduled reaper calls — with ' +
    '`now` = mark + idle timeout, at which exactly the first tenth are expired, and closes them. ' +
    'The host times each sweep (call to settled promise) and records the event-loop delay with ' +
    '`perf_hooks.monitorEventLoopDelay` (1 ms resolution), and the longest garbage-collection ' +
    "pause (PerformanceObserver 'gc' entries) and the longest block outside those pauses (the " +
    'longest gap between turns of a 1 ms interval timer, less the interval and the pauses in it), ' +
    'from the call until 100 ms after it settled. ' +
    'Last, the host closes every other session (`SessionManager.closeAll`, as at shutdown; the ' +
    'memory scenario closes its sessions with DELETE), and after 1 s a last reading shows what ' +
    'the heap kept.',
  estimateSeconds: (c) =>
    c.memorySessionsOursLarge / 650 +
    (c.reaperSessions - c.memorySessionsOursLarge) / 1_100 +
    c.reaperSessions / 20_000 +
    12,
  enabled: (c) => c.memorySessionsOursLarge > 0 && c.reaperSessions >= c.memorySessionsOursLarge,
  run: async (context) => {
    if (!context.servers.includes('ours')) return;
    const { config, results, deadline } = context;
    const memoryCount = config.memorySessionsOursLarge;
    const total = config.reaperSessions;
    const expired = Math.round(total * config.reaperExpiredShare);
    const controlCalls = Math.round(total * CONTROL_CALLS_PER_SESSION);
    if (expired > memoryCount) throw new Error('the expired share must fit in the memory count');
    log.step(
      `${ID} · ${fmt(memoryCount)} idle sessions for memory, ${fmt(total)} for the reaper, ${fmt(expired)} of them expired …`,
    );
    const host = await launchOursHost(total, {
      MCP_SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT_SECONDS),
    });
    const http = new McpHttp(host.url, 64);
    try {
      await warmUp(http, config.warmupSessions, 32, deadline);
      const start = await readMemory(host);
      const progress = (offset: number) => (done: number) =>
        log.detail(`${ID}: ${fmt(offset + done)}/${fmt(total)} sessions open`);
      await boundedPool(expired, 32, deadline, () => http.openSession(), progress(0));
      const mark = await host.call<{ at: number }>('mark');
      const unexpired = await boundedPool(
        memoryCount - expired,
        32,
        deadline,
        () => http.openSession(),
        progress(expired),
      );
      const open = await readMemory(host);
      await boundedPool(
        total - memoryCount,
        64,
        deadline,
        () => http.initialize(),
        progress(memoryCount),
      );
      const scan = await host.call<SweepReport>('sweep', {});
      await host.call('watch-start');
      await boundedPool(controlCalls, 8, deadline, (i) =>
        http.echo(unexpired[i % unexpired.length]),
      );
      const control = await host.call<LoopReport>('watch-stop');
      const sweep = await host.call<SweepReport>('sweep', {
        now: mark.at + IDLE_TIMEOUT_SECONDS * 1000,
      });
      log.detail(
        `${ID}: scan of ${fmt(scan.sessionsBefore)} in ${fmt(scan.durationMs)} ms (worst delay ${fmt(scan.maxDelayMs)} ms); ` +
          `sweep closed ${fmt(sweep.closed)} in ${fmt(sweep.durationMs)} ms (worst delay ${fmt(sweep.maxDelayMs)} ms, ` +
          `longest GC pause ${gcPause(sweep)}, longest block outside GC ${fmt(sweep.longestBlockOutsideGcMs)} ms)`,
      );
      log.detail(
        `${ID}: control, ${fmt(controlCalls)} tool calls and no sweep: worst delay ${fmt(control.maxDelayMs)} ms, ` +
          `longest GC pause ${gcPause(control)}, longest block outside GC ${fmt(control.longestBlockOutsideGcMs)} ms`,
      );
      const closedAll = await host.call<{ closed: number; durationMs: number }>('close-all');
      log.detail(
        `${ID}: closed the other ${fmt(closedAll.closed)} in ${fmt(closedAll.durationMs)} ms`,
      );
      await sleep(1_000);
      const closed = await readMemory(host);

      const summary = recordMemory(results, ID, 'ours', memoryCount, { start, open, closed });
      log.detail(`${ID}: ${summary}`);
      const figure = (metric: string, label: string) => ({
        scenario: ID,
        metric,
        label,
        unit: 'ms',
        better: 'lower' as const,
      });
      for (const [kind, report, expiredLabel] of [
        ['scan', scan, 'none expired'],
        ['sweep', sweep, `${fmt(sweep.closed)} expired and closed`],
      ] as const) {
        results.record(
          figure(
            `${kind}-ms`,
            `Reaper sweep, ${fmt(report.sessionsBefore)} sessions, ${expiredLabel}`,
          ),
          'ours',
          report.durationMs,
        );
        results.record(
          figure(`${kind}-max-delay`, 'Worst event-loop delay during that sweep'),
          'ours',
          report.maxDelayMs,
        );
        results.record(
          figure(`${kind}-gc-pause`, 'Longest garbage-collection pause during that sweep'),
          'ours',
          report.longestGcPause?.ms ?? 0,
        );
        results.record(
          figure(
            `${kind}-block-outside-gc`,
            'Longest event-loop block outside garbage collection during that sweep',
          ),
          'ours',
          report.longestBlockOutsideGcMs,
        );
      }
      results.record(
        figure(
          'control-max-delay',
          `Control: worst event-loop delay while serving ${fmt(controlCalls)} tool calls, no sweep`,
        ),
        'ours',
        control.maxDelayMs,
      );
      results.record(
        figure('control-gc-pause', 'Longest garbage-collection pause during the control'),
        'ours',
        control.longestGcPause?.ms ?? 0,
      );
      results.record(
        figure(
          'control-block-outside-gc',
          'Longest event-loop block outside garbage collection during the control',
        ),
        'ours',
        control.longestBlockOutsideGcMs,
      );
      results.note(
        ID,
        `Longest garbage-collection pauses (PerformanceObserver 'gc' entries): ${gcPause(scan)} ` +
          `during the scan, ${gcPause(sweep)} during the sweep that closed sessions, ` +
          `${gcPause(control)} during the control.`,
      );
      results.note(
        ID,
        'The longest block outside GC is the longest gap between two turns of a 1 ms interval ' +
          'timer in the host, less the interval and the GC pauses that overlap it: how long the ' +
          'event loop was held by code (the sweep, requests, the probe) and by the GC work that ' +
          "V8 does not report as a pause (incremental marking steps), not by the collector's pauses.",
      );
      results.note(
        ID,
        `Memory per idle session with ${fmt(memoryCount)} sessions open; the reaper with ` +
          `${fmt(sweep.sessionsBefore)} (${fmt(sweep.closed)} closed by the sweep, ${fmt(expired)} ` +
          `expected, ${fmt(sweep.sessionsAfter)} left); "after closing every session" is after all ` +
          `${fmt(total)} were closed.`,
      );
      if (sweep.closed !== expired) {
        results.note(ID, `The sweep closed ${fmt(sweep.closed)} sessions, not ${fmt(expired)}.`);
      }
    } finally {
      http.destroy();
      await host.stop();
    }
  },
};
