/**
 * Preloaded into every server under test (`node --expose-gc --import …/probe.js server.js`): answers
 * the harness's `memory` command over the IPC channel with `process.memoryUsage()`, after forcing
 * garbage collection when asked, its `cpu` and `resource-usage` commands with the process's CPU
 * time, and `gc-profile-start` / `gc-profile-stop` with what the V8 heap allocated and collected in
 * between. The server itself gets no extra endpoint.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';
import { startGcProfile, type GcProfileSample } from '../lib/gc-profile.js';
import { registerCommand } from './ipc.js';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

registerCommand('memory', async (args): Promise<MemorySample> => {
  const { gc } = (args ?? {}) as { gc?: boolean };
  if (gc) {
    if (!globalThis.gc) throw new Error('start the server with --expose-gc');
    // Several passes with turns of the event loop between them, so that objects freed by
    // finalizers and by deferred close callbacks are collected too.
    for (let pass = 0; pass < 4; pass++) {
      globalThis.gc();
      await tick();
    }
  }
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
});

/** CPU time the process has used so far, user + system, in microseconds. */
registerCommand('cpu', () => {
  const { user, system } = process.cpuUsage();
  return user + system;
});

/**
 * CPU time so far, split, in microseconds, minor page faults and voluntary context switches
 * (`process.resourceUsage()`).
 */
export interface ResourceSample {
  user: number;
  system: number;
  minorFaults: number;
  /** Times a thread of the process gave up the CPU to wait (for I/O, a lock, a timer). */
  voluntaryContextSwitches: number;
}

registerCommand('resource-usage', (): ResourceSample => {
  const usage = process.resourceUsage();
  return {
    user: usage.userCPUTime,
    system: usage.systemCPUTime,
    minorFaults: usage.minorPageFault,
    voluntaryContextSwitches: usage.voluntaryContextSwitches,
  };
});

let gcProfile: { stop(): GcProfileSample } | undefined;

/** Starts recording what the V8 heap allocates and collects (see `gc-profile-stop`). */
registerCommand('gc-profile-start', () => {
  gcProfile?.stop();
  gcProfile = startGcProfile();
  return true;
});

/** What the V8 heap allocated, promoted and collected since `gc-profile-start`. */
registerCommand('gc-profile-stop', (): GcProfileSample => {
  if (!gcProfile) throw new Error('gc-profile-start first');
  const sample = gcProfile.stop();
  gcProfile = undefined;
  return sample;
});

/** Writes a heap snapshot (after forced GC) to the given path; returns the path. */
registerCommand('heap-snapshot', (args) => {
  globalThis.gc?.();
  return writeHeapSnapshot((args as { path: string }).path);
});

/** Ends the process normally, so that --cpu-prof and --heap-prof write their profiles. */
registerCommand('exit', () => {
  setTimeout(() => process.exit(0), 10);
  return true;
});
