/**
 * Preloaded into every server under test (`node --expose-gc --import …/probe.js server.js`): answers
 * the harness's `memory` command over the IPC channel with `process.memoryUsage()`, after forcing
 * garbage collection when asked, its `cpu` and `resource-usage` commands with the process's CPU
 * time, and `gc-profile-start` / `gc-profile-stop` with what the V8 heap allocated and collected in
 * between. The server itself gets no extra endpoint.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { GCProfiler, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
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

/** What the V8 heap did between `gc-profile-start` and `gc-profile-stop`. */
export interface GcProfileSample {
  /**
   * Bytes allocated: the growth of the used heap between collections, summed. Objects allocated
   * and freed by the same concurrent sweep are missed, so this is a close lower bound.
   */
  allocatedBytes: number;
  /** Bytes that scavenges moved to the old generation: objects that outlived two of them. */
  promotedBytes: number;
  scavenges: number;
  /** Collections of the whole heap (mark-compact), whatever their kind. */
  majorCollections: number;
  /** The collections' main-thread time (V8's `cost`), in milliseconds. */
  gcMs: number;
}

let gcProfile: { profiler: GCProfiler; usedAtStart: number } | undefined;

registerCommand('gc-profile-start', () => {
  gcProfile?.profiler.stop();
  const profiler = new GCProfiler();
  gcProfile = { profiler, usedAtStart: getHeapStatistics().used_heap_size };
  profiler.start();
  return true;
});

registerCommand('gc-profile-stop', (): GcProfileSample => {
  if (!gcProfile) throw new Error('gc-profile-start first');
  const { profiler, usedAtStart } = gcProfile;
  gcProfile = undefined;
  const { statistics } = profiler.stop();
  const oldSpaceUsed = (side: (typeof statistics)[number]['afterGC']) =>
    side.heapSpaceStatistics.find((space) => space.spaceName === 'old_space')?.spaceUsedSize ?? 0;
  const sample: GcProfileSample = {
    allocatedBytes: 0,
    promotedBytes: 0,
    scavenges: 0,
    majorCollections: 0,
    gcMs: 0,
  };
  let usedAfterLast = usedAtStart;
  for (const gc of statistics) {
    sample.allocatedBytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - usedAfterLast);
    usedAfterLast = gc.afterGC.heapStatistics.usedHeapSize;
    sample.gcMs += gc.cost / 1000;
    if (gc.gcType === 'Scavenge') {
      sample.scavenges++;
      sample.promotedBytes += Math.max(0, oldSpaceUsed(gc.afterGC) - oldSpaceUsed(gc.beforeGC));
    } else if (gc.gcType === 'MarkSweepCompact') {
      sample.majorCollections++;
    }
  }
  sample.allocatedBytes += Math.max(0, getHeapStatistics().used_heap_size - usedAfterLast);
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
