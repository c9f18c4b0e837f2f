import { Agent, request } from 'node:http';

/** The protocol revision the harness speaks (the SDK's latest). */
export const PROTOCOL_VERSION = '2025-11-25';
/** What every echo call sends, and what its result must contain. */
export const ECHO_TEXT = 'hello from the benchmark';

export const POST_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const SESSION_HEADERS: Record<string, string> = {
  ...POST_HEADERS,
  'mcp-protocol-version': PROTOCOL_VERSION,
};

export const INITIALIZE_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'bench', version: '1.0.0' },
  },
});

export const INITIALIZED_BODY = JSON.stringify({
  jsonrpc: '2.0',
  method: 'notifications/initialized',
});

export const ECHO_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: ECHO_TEXT } },
});

/** The sessionless protocol revision, whose requests carry their own version and capabilities. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/**
 * The headers of a 2026-07-28 `tools/call echo`: no session, the revision, and the routing headers
 * that repeat the body's method and tool name.
 */
export const MODERN_ECHO_HEADERS: Record<string, string> = {
  ...POST_HEADERS,
  'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
};

/** A 2026-07-28 `tools/call echo`: no initialize before it, everything it needs in `_meta`. */
export const MODERN_ECHO_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'echo',
    arguments: { text: ECHO_TEXT },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
    },
  },
});

/** True when a response body (JSON or SSE) carries the echo result. */
export function isEchoResult(body: string): boolean {
  return body.includes(`"text":"${ECHO_TEXT}"`) && body.includes('"result"');
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A small keep-alive HTTP client for the MCP endpoint, for setting up and checking sessions. */
export class McpHttp {
  private readonly agent: Agent;
  private readonly target: URL;

  constructor(url: string, maxSockets = 32) {
    this.target = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /**
   * One request. A request that fails on a reused keep-alive connection before any answer is
   * sent once more on a connection of its own: the server closes idle connections after its
   * keep-alive timeout (5 s), and a pause of the harness (a forced GC for a memory reading) can
   * outlast it. The retry does not go back to the pool, whose other idle connections may be just
   * as stale.
   */
  async send(
    method: string,
    headers: Record<string, string>,
    body?: string,
    timeoutMs = 30_000,
  ): Promise<HttpReply> {
    try {
      return await this.sendOnce(method, headers, body, timeoutMs, this.agent);
    } catch (error) {
      if (!(error as { reusedSocket?: boolean }).reusedSocket) throw error;
      return this.sendOnce(method, headers, body, timeoutMs, false);
    }
  }

  private sendOnce(
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
    agent: Agent | false,
  ): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method,
          headers:
            body === undefined
              ? headers
              : { ...headers, 'content-length': Buffer.byteLength(body) },
          agent,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} timed out after ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        const closedIdle = error.code === 'ECONNRESET' && req.reusedSocket;
        reject(closedIdle ? Object.assign(error, { reusedSocket: true }) : error);
      });
      req.end(body);
    });
  }

  /** initialize; returns the new session id. */
  async initialize(): Promise<string> {
    const reply = await this.send('POST', POST_HEADERS, INITIALIZE_BODY);
    const id = reply.headers['mcp-session-id'];
    if (reply.status !== 200 || typeof id !== 'string') {
      throw new Error(`initialize answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    }
    return id;
  }

  /** notifications/initialized; expects 202. */
  async initialized(sessionId: string): Promise<void> {
    const reply = await this.send(
      'POST',
      { ...SESSION_HEADERS, 'mcp-session-id': sessionId },
      INITIALIZED_BODY,
    );
    if (reply.status !== 202) {
      throw new Error(`notifications/initialized answered ${reply.status}: ${reply.body}`);
    }
  }

  /** initialize + notifications/initialized. */
  async openSession(): Promise<string> {
    const id = await this.initialize();
    await this.initialized(id);
    return id;
  }

  /** tools/call echo; returns the raw reply after checking it carries the result. */
  async echo(sessionId?: string): Promise<HttpReply> {
    const headers = sessionId
      ? { ...SESSION_HEADERS, 'mcp-session-id': sessionId }
      : SESSION_HEADERS;
    const reply = await this.send('POST', headers, ECHO_BODY);
    if (reply.status !== 200 || !isEchoResult(reply.body)) {
      throw new Error(`tools/call echo answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    }
    return reply;
  }

  /** A 2026-07-28 tools/call echo; returns the raw reply after checking it carries the result. */
  async modernEcho(): Promise<HttpReply> {
    const reply = await this.send('POST', MODERN_ECHO_HEADERS, MODERN_ECHO_BODY);
    if (reply.status !== 200 || !isEchoResult(reply.body)) {
      throw new Error(
        `tools/call echo at ${MODERN_PROTOCOL_VERSION} answered ${reply.status}: ${reply.body.slice(0, 300)}`,
      );
    }
    return reply;
  }

  /** DELETE the session; expects 200. */
  async close(sessionId: string): Promise<void> {
    const reply = await this.send('DELETE', { ...SESSION_HEADERS, 'mcp-session-id': sessionId });
    if (reply.status !== 200) throw new Error(`DELETE answered ${reply.status}: ${reply.body}`);
  }

  destroy(): void {
    this.agent.destroy();
  }
}

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. Bounded in count, and
 * in time by `deadline` (epoch ms): past it, the remaining tasks are not started and it rejects.
 * `onProgress` is called about every `progressEvery` completions.
 */
export async function boundedPool<T>(
  count: number,
  concurrency: number,
  deadline: number,
  task: (index: number) => Promise<T>,
  onProgress?: (done: number) => void,
  progressEvery = 10_000,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      if (Date.now() > deadline) throw new Error(`deadline passed after ${done}/${count} tasks`);
      const index = next++;
      results[index] = await task(index);
      done++;
      if (onProgress && done % progressEvery === 0) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
