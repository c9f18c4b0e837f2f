/** Types of memory-soak-lib.mjs, for the TypeScript specs that use it. */

export interface MemoryMode {
  name: string;
  title: string;
  env: Record<string, string>;
  stateless?: boolean;
  /** Calls as a 2026-07-28 client does: no session, the revision's envelope and headers. */
  modern?: boolean;
  hibernateEvery?: number;
  replicas?: number;
}

export interface MeasuredProcess {
  /** `owner` holds the session; `forwarder` receives every call and forwards it to the owner. */
  role: 'owner' | 'forwarder';
  heapBefore: number;
  heapAfter: number;
  bytesPerRequest: number;
  /** Sessions the process holds at the end. */
  sessions: number;
}

export interface ModeMeasurement {
  mode: string;
  title: string;
  requests: number;
  errors: number;
  hibernations: number;
  processes: MeasuredProcess[];
}

export declare const MEMORY_MODES: MemoryMode[];

export declare function measureMode(
  mode: MemoryMode,
  options: { requests: number; warmup: number; concurrency?: number },
): Promise<ModeMeasurement>;
