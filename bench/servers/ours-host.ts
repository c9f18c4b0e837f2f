/**
 * Ours, for the scenarios at scale (large-population, hibernation): the same application as
 * servers/ours.ts, plus side-channel commands that mark a clock value, run one sweep of the idle
 * reaper (`SessionManager.reapExpiredSessions`, the method the scheduled reaper calls) at a chosen
 * clock value while measuring the event loop, measure the event loop while the harness sends
 * requests (the sweep's control), hibernate every quiet session, and close them all.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionManager } from '../../src/index.js';
import { lengthMs, watchGcPauses, type GcPause, type Span } from '../lib/gc-pauses.js';
import { announceReady, registerCommand } from './ipc.js';
import { startOurs } from './ours-app.js';

/** The event-loop delay and GC pauses from `watchEventLoop()` until `stop()`. */
export interface LoopReport {
  /** The worst event-loop delay seen. */
  maxDelayMs: number;
  /** The longest garbage-collection pause, and its kind, if any. */
  longestGcPause: { ms: number; kind: string } | null;
  /**
   * The longest time the event loop was held by anything but the garbage collector: the longest
   * gap between two turns of a 1 ms interval timer, less the interval and the GC pauses in it.
   */
  longestBlockOutsideGcMs: number;
}

/** One sweep; the event loop is measured from the call until 100 ms after it settled. */
export interface SweepReport extends LoopReport {
  sessionsBefore: number;
  closed: number;
  sessionsAfter: number;
  /** From the call until the returned promise settled. */
  durationMs: number;
}

/** How often the turn timer asks to run, and the gap between its turns worth keeping. */
const TURN_INTERVAL_MS = 1;
const NOTABLE_GAP_MS = 2;

/** Records the gaps between the turns of a 1 ms interval timer, from now until `stop()`. */
function watchTurnGaps(): { stop(): Span[] } {
  const gaps: Span[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last >= NOTABLE_GAP_MS) gaps.push({ start: last, end: now });
    last = now;
  }, TURN_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      return gaps;
    },
  };
}

function overlapMs(a: Span, b: Span): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

/** Starts measuring the event loop (1 ms resolution) and GC pauses. */
async function watchEventLoop(): Promise<{ stop(): LoopReport }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await sleep(20);
  delay.reset();
  const gcPauses = watchGcPauses();
  const turnGaps = watchTurnGaps();
  return {
    stop() {
      delay.disable();
      const gaps = turnGaps.stop();
      const pauses = gcPauses.stop();
      const longest = pauses.reduce<GcPause | null>(
        (worst, pause) => (!worst || lengthMs(pause) > lengthMs(worst) ? pause : worst),
        null,
      );
      const outsideGc = gaps.map(
        (gap) =>
          lengthMs(gap) -
          TURN_INTERVAL_MS -
          pauses.reduce((sum, pause) => sum + overlapMs(gap, pause), 0),
      );
      return {
        maxDelayMs: delay.max / 1e6,
        longestGcPause: longest && { ms: lengthMs(longest), kind: longest.kind },
        longestBlockOutsideGcMs: Math.max(0, ...outsideGc),
      };
    },
  };
}

const { app, url } = await startOurs();
const manager = app.get(SessionManager);

/** A clock value that every session active so far is at or before, and no later one is. */
registerCommand('mark', async () => {
  await sleep(100); // responses just written have all run their 'close' handlers
  const at = Date.now();
  await sleep(5);
  return { at };
});

registerCommand('sweep', async (args): Promise<SweepReport> => {
  const { now } = args as { now: number };
  const sessionsBefore = manager.count();
  const watch = await watchEventLoop();
  const start = performance.now();
  const closed = await manager.reapExpiredSessions(now);
  const durationMs = performance.now() - start;
  await sleep(100); // work the sweep deferred (timers, close callbacks) is measured too
  return {
    sessionsBefore,
    closed,
    sessionsAfter: manager.count(),
    durationMs,
    ...watch.stop(),
  };
});

/**
 * The control for the sweep's figures: `watch-start`, then the harness sends requests, then
 * `watch-stop` reports the event loop meanwhile, with no sweep running.
 */
let control: { stop(): LoopReport } | null = null;
registerCommand('watch-start', async () => {
  control = await watchEventLoop();
  return {};
});
registerCommand('watch-stop', async (): Promise<LoopReport> => {
  if (!control) throw new Error('watch-start first');
  const report = control.stop();
  control = null;
  return report;
});

/** Closes every session (`SessionManager.closeAll`, as at shutdown), timed. */
registerCommand('close-all', async () => {
  const start = performance.now();
  const closed = await manager.closeAll();
  return { closed, durationMs: performance.now() - start };
});

/** Hibernates every quiet session now (the method the scheduled sweep calls), timed. */
registerCommand('hibernate', async () => {
  await sleep(100); // responses just written have all run their 'close' handlers
  const start = performance.now();
  const hibernated = await manager.hibernateIdleSessions(Date.now() + 24 * 3600 * 1000);
  return { hibernated, durationMs: performance.now() - start };
});

announceReady(url);
