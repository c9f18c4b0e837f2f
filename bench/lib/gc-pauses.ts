import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** A stretch of `performance.now()` time. */
export interface Span {
  start: number;
  end: number;
}

/** One garbage-collection pause, and its kind ('scavenge', 'mark-compact' …). */
export interface GcPause extends Span {
  kind: string;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

export function lengthMs(span: Span): number {
  return span.end - span.start;
}

/** Records every garbage-collection pause of this process from now until `stop()`. */
export function watchGcPauses(): { stop(): GcPause[] } {
  const pauses: GcPause[] = [];
  const take = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      // Node.js sets `detail.kind` on 'gc' entries; its typings do not declare it.
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      pauses.push({
        start: entry.startTime,
        end: entry.startTime + entry.duration,
        kind: GC_KINDS[detail?.kind ?? -1] ?? 'other',
      });
    }
  };
  const observer = new PerformanceObserver((list) => take(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      take(observer.takeRecords());
      observer.disconnect();
      return pauses;
    },
  };
}
