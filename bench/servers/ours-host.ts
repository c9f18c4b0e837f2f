/**
 * Ours, for the scenarios at scale (large-population, hibernation): the same application as
 * servers/ours.ts, plus side-channel commands that mark a clock value, run one sweep of the idle
 * reaper (`SessionManager.reapExpiredSessions`, the method the scheduled reaper calls) at a chosen
 * clock value while measuring the event loop, and hibernate every quiet session.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionManager } from '../../src/index.js';
import { announceReady, registerCommand } from './ipc.js';
import { startOurs } from './ours-app.js';

export interface SweepReport {
  sessionsBefore: number;
  closed: number;
  sessionsAfter: number;
  /** From the call until the returned promise settled. */
  durationMs: number;
  /** The worst event-loop delay seen from the call until 100 ms after it settled. */
  maxDelayMs: number;
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
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await sleep(20);
  delay.reset();
  const start = performance.now();
  const closed = await manager.reapExpiredSessions(now);
  const durationMs = performance.now() - start;
  await sleep(100); // work the sweep deferred (timers, close callbacks) is measured too
  delay.disable();
  return {
    sessionsBefore,
    closed,
    sessionsAfter: manager.count(),
    durationMs,
    maxDelayMs: delay.max / 1e6,
  };
});

/** Hibernates every quiet session now (the method the scheduled sweep calls), timed. */
registerCommand('hibernate', async () => {
  await sleep(100); // responses just written have all run their 'close' handlers
  const start = performance.now();
  const hibernated = await manager.hibernateIdleSessions(Date.now() + 24 * 3600 * 1000);
  return { hibernated, durationMs: performance.now() - start };
});

announceReady(url);
