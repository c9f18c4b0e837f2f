import type { ChildProcess } from 'node:child_process';
import type { Agent, IncomingHttpHeaders } from 'node:http';

/** Types of soak-lib.mjs, for the TypeScript specs that use it. */

/** The protocol version the load generator speaks. */
export declare const PROTOCOL_VERSION: string;

export interface ProbeSample {
  type: 'probe';
  id: number;
  at: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Live sessions across the sample's session managers. */
  sessions: number;
  /** Those of them that are hibernated. */
  hibernated: number;
}

export interface SampleExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export interface RunningSample {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` (the endpoint is at `/mcp`). */
  url: string;
  output(): string;
  exited: Promise<SampleExit>;
  /** Memory and sessions after a full GC; with `hibernate`, every quiet session hibernates first. */
  probe(options?: { gc?: boolean; hibernate?: boolean; timeoutMs?: number }): Promise<ProbeSample>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<SampleExit>;
}

export declare function startSample(options?: {
  env?: Record<string, string>;
  probe?: boolean;
  readyTimeoutMs?: number;
}): Promise<RunningSample>;

export interface PostReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export declare function post(
  baseUrl: string,
  options: {
    headers?: Record<string, string>;
    body?: string;
    agent?: Agent;
    timeoutMs?: number;
    method?: string;
  },
): Promise<PostReply>;

export declare function openSession(baseUrl: string, agent?: Agent): Promise<string>;

export interface LoadResult {
  sessionIds: string[];
  sessionsOpened: number;
  openMs: number;
  calls: number;
  errors: number;
  errorKinds: Record<string, number>;
  elapsedMs: number;
  callsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

export declare function runLoad(options: {
  url: string;
  sessions: number;
  durationMs: number;
  openConcurrency?: number;
  onOpened?: (opened: number) => void;
  onProgress?: (progress: { calls: number; errors: number }) => void;
  progressEveryMs?: number;
}): Promise<LoadResult>;

export declare function waitForReaped(
  sample: RunningSample,
  options?: { timeoutMs?: number; everyMs?: number },
): Promise<ProbeSample>;
