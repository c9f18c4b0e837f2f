import { EventEmitter } from 'node:events';
import type { HttpResponse } from '../../src/http/http-response.js';
import type { HttpJsonRpcError } from '../../src/http/json-rpc-error.js';
import type { McpRequest } from '../../src/pipeline/mcp-request.js';
import type { McpServerInstance } from '../../src/server/mcp-server-factory.interface.js';
import type { McpTransport } from '../../src/server/mcp-transport.interface.js';
import type { SdkLine, SdkLines } from '../../src/server/sdk-lines.js';
import type { LiveSession } from '../../src/session/mcp-session.js';

/** A response that records what is written to it, and closes when it ends. */
export class FakeResponse extends EventEmitter implements HttpResponse {
  headersSent = false;
  writableEnded = false;
  statusCode = 200;
  headers: Record<string, string | number> = {};
  body = '';

  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = status;
    this.headers = headers;
    this.headersSent = true;
    return this;
  }

  end(body?: string): this {
    if (this.writableEnded) return this;
    this.body += body ?? '';
    this.writableEnded = true;
    this.emit('close');
    return this;
  }

  /** The JSON-RPC error code written, if an error was. */
  get errorCode(): number | undefined {
    return this.body
      ? (JSON.parse(this.body) as { error?: { code: number } }).error?.code
      : undefined;
  }
}

/** A request as the pipeline sees it, without HTTP: its body is given, serving is recorded. */
export function fakeRequest(
  init: Partial<Pick<McpRequest, 'origin' | 'method' | 'principal' | 'body'>> & {
    sessionId?: string;
    headers?: Record<string, string>;
    /** What reading the body fails with, if it does. */
    bodyError?: HttpJsonRpcError;
  } = {},
): McpRequest & { res: FakeResponse; served: McpTransport[] } {
  const res = new FakeResponse();
  const served: McpTransport[] = [];
  return {
    origin: init.origin ?? 'client',
    method: init.method ?? 'POST',
    headers: { host: 'localhost', accept: 'application/json, text/event-stream', ...init.headers },
    sessionId: init.sessionId,
    principal: init.principal,
    res,
    body: init.body,
    served,
    readBody: async () => init.bodyError,
    serve: async (transport) => {
      served.push(transport);
    },
    serveWith: async () => undefined,
    forwarded: (sessionId) => ({
      sessionId,
      method: init.method ?? 'POST',
      url: 'http://localhost/mcp',
      headers: {},
      body: init.body,
      principal: init.principal,
    }),
  };
}

/** A server that records whether it was closed. */
export function fakeServer(): McpServerInstance & { closed: boolean } {
  const server = {
    closed: false,
    connect: async () => undefined,
    close: async () => {
      server.closed = true;
    },
  };
  return server as unknown as McpServerInstance & { closed: boolean };
}

/** A transport that answers nothing and records a closed standalone stream. */
export function fakeTransport(): McpTransport & { streamClosed: boolean } {
  const transport = {
    streamClosed: false,
    start: async () => undefined,
    send: async () => undefined,
    close: async () => undefined,
    handleRequest: async () => new Response(null, { status: 202 }),
    closeStandaloneSSEStream: () => {
      transport.streamClosed = true;
    },
  };
  return transport as unknown as McpTransport & { streamClosed: boolean };
}

/** The live part of a session, with fake server and transport. */
export function fakeLive(): LiveSession & {
  server: ReturnType<typeof fakeServer>;
  transport: ReturnType<typeof fakeTransport>;
} {
  return { server: fakeServer(), transport: fakeTransport(), events: undefined };
}

/** An SDK line that takes any object for an unconnected server, and makes fake transports. */
export function fakeSdkLine(): SdkLine {
  return {
    name: 'v1',
    packageName: 'a fake SDK',
    inspect: (value) => (typeof value === 'object' && value !== null ? 'unconnected' : undefined),
    transport: () => fakeTransport(),
  };
}

/** The SDK lines of a unit spec: the fake line only, so no 2026-07-28 serving. */
export function fakeSdkLines(): SdkLines {
  return { v1: fakeSdkLine(), v2: undefined, modern: undefined };
}
