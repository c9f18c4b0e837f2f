import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { InMemoryEventStore } from '../../src/index.js';
import type { TestApp } from './app.js';

/**
 * Helpers of the reliability specs (test/reliability): raw HTTP over a socket for requests that
 * Node's own client refuses to send, and a snapshot of everything a request could leave behind.
 */

export interface RawHttpResponse {
  /** 0 when the server closed the connection without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, as latin1 text. */
  raw: string;
}

export interface RawExchangeOptions {
  /** Bytes written after the request head, in order, `gapMs` apart. */
  chunks?: Array<string | Buffer>;
  gapMs?: number;
  /** Closes the socket once every chunk is written, without waiting for an answer. */
  abortAfterWrite?: boolean;
  /** Gives up (destroys the socket and resolves with what arrived) after this long. */
  timeoutMs?: number;
}

/**
 * Splits a raw HTTP/1.1 response into its status, headers and (de-chunked) body; `undefined` while
 * it is incomplete. A response delimited by the end of the connection is complete once `closed`.
 */
export function parseRawResponse(raw: string, closed = false): RawHttpResponse | undefined {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine, ...lines] = raw.slice(0, headEnd).split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body: string | undefined = raw.slice(headEnd + 4);
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    body = body.length < length ? undefined : body.slice(0, length);
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    body = dechunk(body);
  } else if (!closed) {
    body = undefined;
  }
  if (body === undefined) return undefined;
  return { status: Number(match[1]), headers, body: Buffer.from(body, 'latin1').toString(), raw };
}

function dechunk(text: string): string | undefined {
  let out = '';
  let offset = 0;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(text.slice(offset, lineEnd), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return out;
    const start = lineEnd + 2;
    if (text.length < start + size + 2) return undefined;
    out += text.slice(start, start + size);
    offset = start + size + 2;
  }
}

/**
 * Writes `head` (the request line and headers, up to and including the blank line; a string is
 * sent as latin1, one byte per character) and then the chunks (strings as UTF-8) on a fresh
 * loopback socket, byte for byte, and reads the first response. The socket is
 * closed once that response is complete, when the server closes it, or at `timeoutMs`.
 */
export function rawExchange(
  baseUrl: string,
  head: string | Buffer,
  options: RawExchangeOptions = {},
): Promise<RawHttpResponse> {
  const url = new URL(baseUrl);
  const { chunks = [], gapMs = 0, timeoutMs = 10_000 } = options;
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    let done = false;
    const timers = new Set<NodeJS.Timeout>();
    const finish = () => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      socket.destroy();
      resolve(
        parseRawResponse(received, true) ?? { status: 0, headers: {}, body: '', raw: received },
      );
    };
    const later = (ms: number, fn: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    };
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (parseRawResponse(received)) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => undefined);
    later(timeoutMs, finish);
    socket.write(typeof head === 'string' ? Buffer.from(head, 'latin1') : head);
    let next = 0;
    const writeNext = () => {
      if (done) return;
      if (next < chunks.length) {
        socket.write(chunks[next++]);
        later(gapMs, writeNext);
      } else if (options.abortAfterWrite) {
        finish();
      }
    };
    if (chunks.length > 0 || options.abortAfterWrite) later(gapMs, writeNext);
  });
}

/** A string whose characters are the UTF-8 bytes of `text`, to put non-ASCII into a raw head. */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf-8').toString('latin1');
}

/** Builds a request head; `headers` is a list so that a header may be repeated. */
export function requestHead(
  baseUrl: string,
  method: string,
  headers: Array<[string, string]>,
  path = '/mcp',
): string {
  const { host } = new URL(baseUrl);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`, 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The headers of a well-formed MCP POST, as a list for {@link requestHead}. */
export function postHeaders(
  body: string | Buffer | undefined,
  extra: Array<[string, string]> = [],
): Array<[string, string]> {
  return [
    ['Content-Type', 'application/json'],
    ['Accept', 'application/json, text/event-stream'],
    ...(body === undefined ? [] : ([['Content-Length', String(Buffer.byteLength(body))]] as const)),
    ...extra,
  ] as Array<[string, string]>;
}

/** Everything a request could leave behind in the process. */
export interface ResourceSnapshot {
  sessions: number;
  storedEvents: number;
  storedSessions: number;
  timers: number;
  sockets: number;
  connections: number;
}

function countResources(type: string): number {
  return process.getActiveResourcesInfo().filter((name) => name === type).length;
}

export function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

export async function snapshot(t: TestApp, store?: InMemoryEventStore): Promise<ResourceSnapshot> {
  return {
    sessions: t.manager.count(),
    storedEvents: store?.size ?? 0,
    storedSessions: store?.sessionCount ?? 0,
    timers: countResources('Timeout'),
    sockets: countResources('TCPSocketWrap'),
    connections: await connectionCount(t.app.getHttpServer() as Server),
  };
}

/** Polls `condition` every 10 ms until it holds; throws with `message` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  message = 'condition not met in time',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Waits until the timers, sockets and connections counted in `before` are all that is left (the
 * server closes its side a tick after the client has its answer), then asserts it.
 */
export async function expectReleased(
  t: TestApp,
  before: ResourceSnapshot,
  timeoutMs = 5000,
): Promise<ResourceSnapshot> {
  let now = await snapshot(t);
  await waitUntil(async () => {
    now = await snapshot(t);
    return (
      now.connections <= before.connections &&
      now.sockets <= before.sockets &&
      now.timers <= before.timers
    );
  }, timeoutMs).catch(() => undefined);
  expect({
    timersAdded: Math.max(0, now.timers - before.timers),
    socketsAdded: Math.max(0, now.sockets - before.sockets),
    connectionsAdded: Math.max(0, now.connections - before.connections),
  }).toEqual({ timersAdded: 0, socketsAdded: 0, connectionsAdded: 0 });
  return now;
}

/**
 * Checks that nothing outlived a request: no new session or stored event, and (once released) no
 * new timer, socket or connection.
 */
export async function expectNothingLeft(
  t: TestApp,
  store: InMemoryEventStore | undefined,
  before: ResourceSnapshot,
  timeoutMs = 5000,
): Promise<void> {
  await expectReleased(t, before, timeoutMs);
  const now = await snapshot(t, store);
  expect({
    sessions: now.sessions,
    storedEvents: now.storedEvents,
    storedSessions: now.storedSessions,
  }).toEqual({
    sessions: before.sessions,
    storedEvents: before.storedEvents,
    storedSessions: before.storedSessions,
  });
}

/** Asserts a JSON-RPC error body: `{"jsonrpc":"2.0","error":{code,message},"id":null}`. */
export function expectJsonRpcError(
  res: { status: number; body?: string; text?: string },
  status: number,
  code?: number,
): { error: { code: number; message: string; data?: unknown } } {
  expect(res.status).toBe(status);
  const text = res.body ?? res.text ?? '';
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`expected a JSON-RPC error body with status ${status}, got: ${text}`);
  }
  expect(parsed).toMatchObject({
    jsonrpc: '2.0',
    id: null,
    error: { message: expect.any(String) },
  });
  expect(typeof parsed.error.code).toBe('number');
  if (code !== undefined) expect(parsed.error.code).toBe(code);
  return parsed;
}

/** A tools/call request body. */
export function toolCall(name: string, args: Record<string, unknown>, id: unknown = 2): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args },
  });
}

/** Settles like `promise`, or rejects with `message` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
