// The part of autocannon 9's programmatic API that the harness uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Client {
      setHeaders(headers: Record<string, string>): void;
    }
    interface RequestDefinition {
      method?: string;
      path?: string;
      body?: string | Buffer;
      headers?: Record<string, string>;
      setupRequest?: (
        request: RequestDefinition,
        context: Record<string, unknown>,
      ) => RequestDefinition | null | undefined;
      onResponse?: (
        status: number,
        body: string,
        context: Record<string, unknown>,
        headers: Record<string, string | string[]>,
      ) => void;
    }
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      amount?: number;
      timeout?: number;
      pipelining?: number;
      method?: string;
      body?: string | Buffer;
      headers?: Record<string, string>;
      requests?: RequestDefinition[];
      initialContext?: Record<string, unknown>;
      setupClient?: (client: Client) => void;
      verifyBody?: (body: string) => boolean;
      excludeErrorStats?: boolean;
    }
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
      p99_9: number;
    }
    interface Result {
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      '2xx': number;
      latency: Histogram;
      requests: Histogram & { sent: number };
      throughput: Histogram;
      statusCodeStats: Record<string, { count: number }>;
    }
    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(
    options: autocannon.Options,
    callback: (error: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export default autocannon;
}
