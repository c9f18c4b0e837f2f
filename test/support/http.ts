import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Send the body in chunks without a Content-Length. */
  chunked?: boolean;
}

/** Headers every well-formed MCP POST carries. */
export const MCP_POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** One HTTP exchange over a fresh connection (no pooling, so nothing outlives the test). */
export function rawRequest(baseUrl: string, options: RawRequest = {}): Promise<RawResponse> {
  const url = new URL(options.path ?? '/mcp', baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'POST', headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf-8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined && !options.chunked) {
      req.setHeader('content-length', Buffer.byteLength(options.body));
      req.end(options.body);
    } else if (options.body !== undefined) {
      const body = Buffer.from(options.body);
      const size = 64 * 1024;
      for (let offset = 0; offset < body.length; offset += size)
        req.write(body.subarray(offset, offset + size));
      req.end();
    } else {
      req.end();
    }
  });
}

/** Headers of a well-formed request on a session (protocol 2025-11-25). */
export function sessionHeaders(
  sessionId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...MCP_POST_HEADERS,
    'mcp-session-id': sessionId,
    'mcp-protocol-version': '2025-11-25',
    ...extra,
  };
}

/** Builds a JSON-RPC `initialize` request body. */
export function initializeBody(protocolVersion = '2025-11-25', id: number | string = 1): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion,
      capabilities: {},
      clientInfo: { name: 'raw-client', version: '1.0.0' },
    },
  });
}

/** Parses the JSON-RPC messages out of an SSE body. */
export function sseMessages(text: string): any[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length + 1)
    .map((line) => JSON.parse(line.slice('data: '.length)));
}

/** Opens a session with a raw initialize and the initialized notification; returns its id. */
export async function openRawSession(
  baseUrl: string,
  headers: Record<string, string> = {},
  path = '/mcp',
): Promise<string> {
  const init = await rawRequest(baseUrl, {
    path,
    headers: { ...MCP_POST_HEADERS, ...headers },
    body: initializeBody(),
  });
  if (init.status !== 200) throw new Error(`initialize answered ${init.status}: ${init.text}`);
  const sessionId = init.headers['mcp-session-id'] as string;
  const notified = await rawRequest(baseUrl, {
    path,
    headers: {
      ...MCP_POST_HEADERS,
      ...headers,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  if (notified.status !== 202) throw new Error(`initialized answered ${notified.status}`);
  return sessionId;
}

export interface OpenStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Everything received so far. */
  text: () => string;
  /** Resolves once the received text satisfies `predicate` (rejects after `timeoutMs`). */
  waitFor: (predicate: (text: string) => boolean, timeoutMs?: number) => Promise<string>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Drops the connection from the client side. */
  close: () => void;
}

/** Opens a long-lived request (an SSE stream) and exposes what arrives as it arrives. */
export function openStream(baseUrl: string, options: RawRequest = {}): Promise<OpenStream> {
  const url = new URL(options.path ?? '/mcp', baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        let received = '';
        const listeners = new Set<() => void>();
        res.setEncoding('utf-8');
        res.on('data', (chunk: string) => {
          received += chunk;
          for (const listener of listeners) listener();
        });
        const ended = new Promise<void>((done) => {
          res.on('end', done);
          res.on('close', done);
        });
        res.on('error', () => undefined);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: () => received,
          ended,
          close: () => req.destroy(),
          waitFor: (predicate, timeoutMs = 5000) =>
            new Promise((found, fail) => {
              const check = () => {
                if (!predicate(received)) return;
                listeners.delete(check);
                clearTimeout(timer);
                found(received);
              };
              const timer = setTimeout(() => {
                listeners.delete(check);
                fail(new Error(`stream did not deliver the expected data; got: ${received}`));
              }, timeoutMs);
              listeners.add(check);
              check();
            }),
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) {
      req.setHeader('content-length', Buffer.byteLength(options.body));
      req.end(options.body);
    } else {
      req.end();
    }
  });
}
