import { GCProfiler, getHeapStatistics } from 'node:v8';

/** What the V8 heap did between `startGcProfile()` and `stop()`. */
export interface GcProfileSample {
  /**
   * Bytes allocated: the growth of the used heap between collections, summed. Objects allocated
   * and freed by the same concurrent sweep are missed, so this is a close lower bound.
   */
  allocatedBytes: number;
  /** Bytes that scavenges moved to the old generation: objects that outlived two of them. */
  promotedBytes: number;
  scavenges: number;
  /** Collections of the whole heap (mark-compact). */
  majorCollections: number;
  /** The collections' main-thread time (V8's `cost`), in milliseconds. */
  gcMs: number;
}

type GcStatistics = ReturnType<GCProfiler['stop']>['statistics'][number];

function oldSpaceUsed(side: GcStatistics['afterGC']): number {
  return (
    side.heapSpaceStatistics.find((space) => space.spaceName === 'old_space')?.spaceUsedSize ?? 0
  );
}

/** Starts recording the heap's collections (`v8.GCProfiler`); `stop()` sums them up. */
export function startGcProfile(): { stop(): GcProfileSample } {
  const profiler = new GCProfiler();
  const usedAtStart = getHeapStatistics().used_heap_size;
  profiler.start();
  return {
    stop() {
      const { statistics } = profiler.stop();
      const sample: GcProfileSample = {
        allocatedBytes: 0,
        promotedBytes: 0,
        scavenges: 0,
        majorCollections: 0,
        gcMs: 0,
      };
      let usedAfterLast = usedAtStart;
      for (const gc of statistics) {
        const { usedHeapSize } = gc.beforeGC.heapStatistics;
        sample.allocatedBytes += Math.max(0, usedHeapSize - usedAfterLast);
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
    },
  };
}
