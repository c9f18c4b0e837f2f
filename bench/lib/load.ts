import autocannon from 'autocannon';

export type RequestDefinition = autocannon.RequestDefinition;

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** A sequence of requests each connection loops over (instead of one request). */
  requests?: RequestDefinition[];
  /** One header set per connection, assigned in turn as autocannon opens its connections. */
  perConnectionHeaders?: Array<Record<string, string>>;
  /** Checks each response body; a false counts as a mismatch. */
  verify?: (body: string) => boolean;
}

export interface LoadResult {
  /** 2xx responses per second over the window. */
  okPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  durationSeconds: number;
  statusCodes: Record<string, number>;
}

/**
 * Drives the server with autocannon for a fixed duration. Bounded: autocannon stops itself at the
 * end of the window, and a watchdog stops it 30 s later in any case.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const connectionHeaders = options.perConnectionHeaders;
  let nextConnection = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: 10,
        method: options.method ?? 'POST',
        body: options.body,
        headers: options.headers,
        requests: options.requests,
        verifyBody: options.verify,
        setupClient: connectionHeaders
          ? (client) =>
              client.setHeaders(connectionHeaders[nextConnection++ % connectionHeaders.length])
          : undefined,
      },
      (error, result) => {
        clearTimeout(watchdog);
        if (error) return reject(error);
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
          statusCodes[code] = count;
        }
        resolve({
          okPerSecond: result['2xx'] / result.duration,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          mismatches: result.mismatches,
          p50: result.latency.p50,
          p99: result.latency.p99,
          durationSeconds: result.duration,
          statusCodes,
        });
      },
    );
    const watchdog = setTimeout(() => instance.stop(), (options.durationSeconds + 30) * 1000);
  });
}

/** A one-line summary of what went wrong in a load run, or '' when nothing did. */
export function loadProblems(result: LoadResult): string {
  const problems: string[] = [];
  if (result.non2xx)
    problems.push(`${result.non2xx} non-2xx (${JSON.stringify(result.statusCodes)})`);
  if (result.errors) problems.push(`${result.errors} errors`);
  if (result.timeouts) problems.push(`${result.timeouts} timeouts`);
  if (result.mismatches) problems.push(`${result.mismatches} wrong bodies`);
  return problems.join(', ');
}
