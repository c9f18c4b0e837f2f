import type { Server } from 'node:http';
import { InMemoryEventStore } from '../../src/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  MCP_POST_HEADERS,
  initializeBody,
  openRawSession,
  openStream,
  rawRequest,
  sseMessages,
  sessionHeaders,
} from '../support/http.js';
import {
  expectJsonRpcError,
  expectNothingLeft,
  postHeaders,
  rawExchange,
  requestHead,
  snapshot,
  toolCall,
  utf8Bytes,
  waitUntil,
  withTimeout,
} from '../support/reliability.js';

/**
 * Hostile input, one request per case. Every case is answered with the status it deserves and,
 * unless Node's HTTP parser refuses the bytes before the application sees them, a JSON-RPC error
 * body; and none creates a session, stores an event, or leaves a timer, socket or connection.
 */

/** Small, so that the over-limit cases stay cheap. */
const LIMIT = 128 * 1024;

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

interface Fixture {
  url: string;
  /** A live session with a stored event. */
  live: string;
  liveEventId: string;
  /** Another live session, whose event ids `live` must not be able to use. */
  other: string;
  otherEventId: string;
  /** A session that was deleted. */
  deleted: string;
}

interface HostileCase {
  name: string;
  send: (f: Fixture) => Promise<Reply>;
  status: number;
  /**
   * The JSON-RPC error code; `'any'` when more than one is right; `null` when Node's parser
   * answers (no body, connection closed).
   */
  code: number | null | 'any';
}

async function post(
  f: Fixture,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  options: { method?: string; chunked?: boolean } = {},
): Promise<Reply> {
  const res = await rawRequest(f.url, { method: options.method, headers, body, ...options });
  return { status: res.status, body: res.text, headers: res.headers };
}

async function raw(
  f: Fixture,
  method: string,
  headers: Array<[string, string]>,
  body?: string,
): Promise<Reply> {
  const res = await rawExchange(
    f.url,
    requestHead(f.url, method, headers),
    body === undefined ? {} : { chunks: [body] },
  );
  return { status: res.status, body: res.body, headers: res.headers };
}

const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
const ping = (id: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Raw headers of a ping on `sessionId`, with the session id header given verbatim. */
function rawPing(f: Fixture, sessionIdHeaders: Array<[string, string]>): Promise<Reply> {
  return raw(
    f,
    'POST',
    postHeaders(PING, [...sessionIdHeaders, ['Mcp-Protocol-Version', '2025-11-25']]),
    PING,
  );
}

const cases: HostileCase[] = [
  // Malformed, truncated and non-object JSON.
  {
    name: 'truncated JSON without a session',
    send: (f) => post(f, MCP_POST_HEADERS, initializeBody().slice(0, 40)),
    status: 400,
    code: -32700,
  },
  {
    name: 'truncated JSON on a session',
    send: (f) => post(f, sessionHeaders(f.live), PING.slice(0, -3)),
    status: 400,
    code: -32700,
  },
  {
    name: 'text that is not JSON',
    send: (f) => post(f, sessionHeaders(f.live), 'hello, server'),
    status: 400,
    code: -32700,
  },
  {
    name: 'an empty body',
    send: (f) => post(f, sessionHeaders(f.live), ''),
    status: 400,
    code: -32700,
  },
  {
    name: 'bytes that are not UTF-8',
    send: (f) => post(f, sessionHeaders(f.live), Buffer.from([0xff, 0xfe, 0x7b, 0xc3, 0x28, 0x7d])),
    status: 400,
    code: -32700,
  },
  ...['42', 'null', 'true', '"ping"'].map((body): HostileCase => ({
    name: `the non-object JSON ${body} on a session`,
    send: (f) => post(f, sessionHeaders(f.live), body),
    status: 400,
    code: -32700,
  })),
  {
    name: 'non-object JSON without a session',
    send: (f) => post(f, MCP_POST_HEADERS, '42'),
    status: 400,
    code: -32000,
  },
  {
    name: 'JSON nested 50 000 deep on a session',
    send: (f) => post(f, sessionHeaders(f.live), nested(50_000)),
    status: 400,
    code: -32700,
  },
  {
    name: 'JSON nested 50 000 deep without a session',
    send: (f) => post(f, MCP_POST_HEADERS, nested(50_000)),
    status: 400,
    code: -32000,
  },
  {
    name: 'a message with a __proto__ member',
    send: (f) =>
      post(
        f,
        sessionHeaders(f.live),
        '{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":{"polluted":1}}',
      ),
    status: 400,
    code: -32700,
  },
  {
    name: 'an initialize with a constructor.prototype member',
    send: (f) =>
      post(
        f,
        MCP_POST_HEADERS,
        JSON.stringify({
          ...JSON.parse(initializeBody()),
          constructor: { prototype: { polluted: 1 } },
        }),
      ),
    status: 400,
    code: -32700,
  },
  // Batches.
  {
    name: 'an empty batch on a session',
    send: (f) => post(f, sessionHeaders(f.live), '[]'),
    status: 400,
    code: -32600,
  },
  {
    name: 'an empty batch without a session',
    send: (f) => post(f, MCP_POST_HEADERS, '[]'),
    status: 400,
    code: 'any',
  },
  {
    name: 'a batch of non-objects',
    send: (f) => post(f, sessionHeaders(f.live), '[1, "two", null]'),
    status: 400,
    code: -32700,
  },
  {
    name: 'a batch of 101 pings (over the SDK batch limit)',
    send: (f) =>
      post(f, sessionHeaders(f.live), `[${Array.from({ length: 101 }, (_, i) => ping(i + 1))}]`),
    status: 400,
    code: -32600,
  },
  {
    name: 'a batch of initialize and ping, without a session',
    send: (f) => post(f, MCP_POST_HEADERS, `[${initializeBody()},${ping(2)}]`),
    status: 400,
    code: -32600,
  },
  // Request ids of the wrong type.
  ...[
    ['an object', {}],
    ['an array', [1]],
    ['a boolean', true],
    ['null', null],
    ['a fraction', 1.5],
  ].map(([kind, id]): HostileCase => ({
    name: `an id that is ${String(kind)}`,
    send: (f) => post(f, sessionHeaders(f.live), ping(id)),
    status: 400,
    code: -32700,
  })),
  {
    name: 'an initialize whose id is an object',
    send: (f) => post(f, MCP_POST_HEADERS, initializeBody().replace('"id":1', '"id":{}')),
    status: 400,
    code: -32700,
  },
  // Bodies over the limit, and framing Node refuses.
  {
    name: 'a declared Content-Length over the limit (body never sent)',
    send: (f) => raw(f, 'POST', postHeaders(undefined, [['Content-Length', String(LIMIT + 1)]])),
    status: 413,
    code: -32000,
  },
  {
    name: 'a chunked body that streams past the limit',
    send: async (f) => {
      const piece = 'a'.repeat(16 * 1024);
      const frame = `${piece.length.toString(16)}\r\n${piece}\r\n`;
      const res = await rawExchange(
        f.url,
        requestHead(f.url, 'POST', postHeaders(undefined, [['Transfer-Encoding', 'chunked']])),
        { chunks: Array.from({ length: 12 }, () => frame) },
      );
      return { status: res.status, body: res.body, headers: res.headers };
    },
    status: 413,
    code: -32000,
  },
  {
    name: 'a Content-Length that is not a number',
    send: (f) => raw(f, 'POST', postHeaders(undefined, [['Content-Length', 'twelve']]), PING),
    status: 400,
    code: null,
  },
  {
    name: 'both Content-Length and Transfer-Encoding (request smuggling)',
    send: (f) =>
      raw(
        f,
        'POST',
        postHeaders(undefined, [
          ['Content-Length', '4'],
          ['Transfer-Encoding', 'chunked'],
        ]),
        '0\r\n\r\n',
      ),
    status: 400,
    code: null,
  },
  // Content-Type and Accept.
  ...[
    ['text/plain', 415],
    ['application/jsonx', 415],
    ['multipart/form-data; boundary=x', 415],
  ].map(([type, status]): HostileCase => ({
    name: `Content-Type ${type}`,
    send: (f) => post(f, { ...MCP_POST_HEADERS, 'content-type': String(type) }, initializeBody()),
    status: Number(status),
    code: -32000,
  })),
  {
    name: 'no Content-Type',
    send: (f) =>
      raw(
        f,
        'POST',
        [
          ['Accept', 'application/json, text/event-stream'],
          ['Content-Length', String(initializeBody().length)],
        ],
        initializeBody(),
      ),
    status: 415,
    code: -32000,
  },
  ...['application/json', 'text/event-stream', '*/*', ''].map((accept): HostileCase => ({
    name: `POST with Accept ${JSON.stringify(accept)}`,
    send: (f) => post(f, { ...MCP_POST_HEADERS, accept }, initializeBody()),
    status: 406,
    code: -32000,
  })),
  {
    name: 'POST without Accept',
    send: (f) =>
      raw(
        f,
        'POST',
        [
          ['Content-Type', 'application/json'],
          ['Content-Length', String(initializeBody().length)],
        ],
        initializeBody(),
      ),
    status: 406,
    code: -32000,
  },
  {
    name: 'GET on a session with Accept application/json',
    send: (f) =>
      post(f, sessionHeaders(f.live, { accept: 'application/json' }), undefined, { method: 'GET' }),
    status: 406,
    code: -32000,
  },
  // Mcp-Session-Id.
  {
    name: 'an empty Mcp-Session-Id on a call',
    send: (f) => post(f, { ...MCP_POST_HEADERS, 'mcp-session-id': '' }, PING),
    status: 400,
    code: -32000,
  },
  {
    name: 'a 10 KB Mcp-Session-Id',
    send: (f) => post(f, sessionHeaders('s'.repeat(10 * 1024)), PING),
    status: 400,
    code: -32000,
  },
  {
    name: 'a 10 KB Mcp-Session-Id on GET',
    send: (f) => post(f, sessionHeaders('s'.repeat(10 * 1024)), undefined, { method: 'GET' }),
    status: 400,
    code: -32000,
  },
  {
    name: 'a non-ASCII Mcp-Session-Id (UTF-8 bytes)',
    send: (f) => rawPing(f, [['Mcp-Session-Id', utf8Bytes(`${f.live.slice(0, -1)}é`)]]),
    status: 400,
    code: -32000,
  },
  {
    name: 'a live Mcp-Session-Id followed by a tab',
    send: (f) => rawPing(f, [['Mcp-Session-Id', `${f.live}\tx`]]),
    status: 400,
    code: -32000,
  },
  {
    name: 'a Mcp-Session-Id with a NUL byte',
    send: (f) => rawPing(f, [['Mcp-Session-Id', `${f.live}\x00`]]),
    status: 400,
    code: null,
  },
  {
    name: 'a Mcp-Session-Id with an escape character',
    send: (f) => rawPing(f, [['Mcp-Session-Id', `\x1b[31m${f.live}`]]),
    status: 400,
    code: null,
  },
  {
    name: 'a Mcp-Session-Id with DEL',
    send: (f) => rawPing(f, [['Mcp-Session-Id', `${f.live}\x7f`]]),
    status: 400,
    code: null,
  },
  {
    name: 'a live Mcp-Session-Id sent twice',
    send: (f) =>
      rawPing(f, [
        ['Mcp-Session-Id', f.live],
        ['Mcp-Session-Id', f.live],
      ]),
    status: 400,
    code: -32000,
  },
  {
    name: 'two different live Mcp-Session-Ids',
    send: (f) =>
      rawPing(f, [
        ['Mcp-Session-Id', f.live],
        ['Mcp-Session-Id', f.other],
      ]),
    status: 400,
    code: -32000,
  },
  {
    name: 'a 20 KB Mcp-Session-Id (over Node’s header limit)',
    send: (f) => rawPing(f, [['Mcp-Session-Id', 's'.repeat(20 * 1024)]]),
    status: 431,
    code: null,
  },
  // MCP-Protocol-Version.
  ...['1999-01-01', '2099-12-31', 'garbage', '', '2025-11-25, 2025-06-18'].map(
    (version): HostileCase => ({
      name: `MCP-Protocol-Version ${JSON.stringify(version)} on a session`,
      send: (f) => post(f, sessionHeaders(f.live, { 'mcp-protocol-version': version }), PING),
      status: 400,
      code: -32000,
    }),
  ),
  {
    name: 'MCP-Protocol-Version sent twice on a session',
    send: (f) =>
      raw(
        f,
        'POST',
        postHeaders(PING, [
          ['Mcp-Session-Id', f.live],
          ['MCP-Protocol-Version', '2025-11-25'],
          ['MCP-Protocol-Version', '2025-11-25'],
        ]),
        PING,
      ),
    status: 400,
    code: -32000,
  },
  {
    name: 'an unknown MCP-Protocol-Version without a session',
    send: (f) => post(f, { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2099-12-31' }, PING),
    status: 400,
    code: -32022,
  },
  {
    name: 'an unknown MCP-Protocol-Version on GET',
    send: (f) =>
      post(f, sessionHeaders(f.live, { 'mcp-protocol-version': '1.0' }), undefined, {
        method: 'GET',
      }),
    status: 400,
    code: -32000,
  },
  // Session lifecycle.
  {
    name: 'a second initialize on a live session',
    send: (f) => post(f, sessionHeaders(f.live), initializeBody()),
    status: 400,
    code: -32600,
  },
  {
    name: 'a second initialize, in a batch, on a live session',
    send: (f) => post(f, sessionHeaders(f.live), `[${initializeBody()}]`),
    status: 400,
    code: -32600,
  },
  ...['POST', 'GET', 'DELETE'].map((method): HostileCase => ({
    name: `${method} after DELETE`,
    send: (f) =>
      post(f, sessionHeaders(f.deleted), method === 'POST' ? PING : undefined, { method }),
    status: 404,
    code: -32001,
  })),
  {
    name: 'initialize on a deleted session id',
    send: (f) => post(f, sessionHeaders(f.deleted), initializeBody()),
    status: 404,
    code: -32001,
  },
  // Last-Event-ID.
  ...[
    ['garbage', () => 'garbage'],
    ['10 KB long', () => 'e'.repeat(10 * 1024)],
    ['of another session', (f: Fixture) => f.otherEventId],
    ['of this session with a changed sequence', (f: Fixture) => `${f.liveEventId}0`],
    [
      'of this session with a sequence in the future',
      (f: Fixture) => `${f.liveEventId.split('.')[0]}.999999`,
    ],
    ['of this session with a sequence of 0', (f: Fixture) => `${f.liveEventId.split('.')[0]}.0`],
    ['with a non-canonical sequence', (f: Fixture) => f.liveEventId.replace('.', '.0')],
  ].map(([kind, eventId]): HostileCase => ({
    name: `a Last-Event-ID ${String(kind)}`,
    send: (f) =>
      post(
        f,
        sessionHeaders(f.live, { 'last-event-id': (eventId as (f: Fixture) => string)(f) }),
        undefined,
        { method: 'GET' },
      ),
    status: 400,
    code: -32000,
  })),
  {
    name: 'a Last-Event-ID of another session, on a POST',
    send: (f) => post(f, sessionHeaders(f.live, { 'last-event-id': f.otherEventId }), 'nope'),
    status: 400,
    code: -32700,
  },
  // Bodies on methods whose body has no meaning: ignored, never parsed by another parser.
  ...(['GET', 'DELETE'] as const).map((method): HostileCase => ({
    name: `${method} with a malformed JSON body`,
    send: (f) =>
      raw(
        f,
        method,
        postHeaders('x', [
          ['Mcp-Session-Id', f.deleted],
          ['Mcp-Protocol-Version', '2025-11-25'],
        ]),
        'x',
      ),
    status: 404,
    code: -32001,
  })),
  {
    name: 'PUT with a malformed JSON body',
    send: (f) => raw(f, 'PUT', postHeaders('x'), 'x'),
    status: 405,
    code: -32000,
  },
  // Methods.
  {
    name: 'an unknown HTTP method',
    send: (f) => raw(f, 'BREW', []),
    status: 400,
    code: null,
  },
  {
    name: 'OPTIONS without CORS',
    send: (f) => post(f, MCP_POST_HEADERS, undefined, { method: 'OPTIONS' }),
    status: 405,
    code: -32000,
  },
];

describe('hostile input: every case is refused and leaves nothing behind', () => {
  let t: TestApp;
  let store: InMemoryEventStore;
  const f = {} as Fixture;

  beforeAll(async () => {
    store = new InMemoryEventStore();
    t = await startTestApp({ options: { eventStore: store, maxRequestBodySize: LIMIT } });
    f.url = t.url;
    f.live = await openRawSession(t.url);
    f.other = await openRawSession(t.url);
    const eventIdOf = async (sessionId: string) => {
      const res = await rawRequest(t.url, {
        headers: sessionHeaders(sessionId),
        body: toolCall('echo', { text: `secret of ${sessionId}` }),
      });
      return [...res.text.matchAll(/^id: (\S+)$/gm)].at(-1)![1];
    };
    f.liveEventId = await eventIdOf(f.live);
    f.otherEventId = await eventIdOf(f.other);
    f.deleted = await openRawSession(t.url);
    const deleted = await rawRequest(t.url, {
      method: 'DELETE',
      headers: sessionHeaders(f.deleted),
    });
    expect(deleted.status).toBe(200);
  });

  afterAll(async () => {
    await t.close();
  });

  it.each(cases)('$name', async ({ send, status, code }) => {
    const before = await snapshot(t, store);
    const res = await send(f);
    if (code === null) {
      // Refused by Node's HTTP parser: the application never sees it.
      expect(res.status).toBe(status);
      expect(res.body).toBe('');
    } else {
      expectJsonRpcError(res, status, code === 'any' ? undefined : code);
    }
    expect(res.headers['mcp-session-id']).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectNothingLeft(t, store, before);
    expect(t.manager.get(f.live)).toBeDefined();
    expect(t.manager.get(f.other)).toBeDefined();
  });

  it('the live sessions still serve calls after all of it', async () => {
    for (const id of [f.live, f.other]) {
      const res = await rawRequest(t.url, {
        headers: sessionHeaders(id),
        body: toolCall('echo', { text: 'still here' }, 99),
      });
      expect(sseMessages(res.text).at(-1).result.content[0].text).toBe('still here');
    }
  });

  it('a 50 000-deep tool argument is refused as invalid params, and the session survives', async () => {
    const body = `{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"echo","arguments":{"text":${nested(50_000)}}}}`;
    const res = await rawRequest(t.url, { headers: sessionHeaders(f.live), body });
    expect(res.status).toBe(200);
    const [reply] = sseMessages(res.text);
    expect(reply.id).toBe(41);
    // The SDK answers a tool's invalid arguments with an error result that carries -32602.
    const invalidParams =
      reply.error?.code === -32602 ||
      (reply.result?.isError === true && /-32602/.test(reply.result.content?.[0]?.text ?? ''));
    expect(invalidParams).toBe(true);
    expect(t.manager.get(f.live)?.inFlightRequests).toBe(0);
  });

  it('a request id may be reused once its request has completed', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await rawRequest(t.url, { headers: sessionHeaders(f.live), body: ping(7) });
      expect(res.status).toBe(200);
      expect(sseMessages(res.text).at(-1)).toMatchObject({ id: 7, result: {} });
    }
  });

  it('a request id still in flight is refused, and the first request completes', async () => {
    const first = await openStream(t.url, {
      method: 'POST',
      headers: sessionHeaders(f.live),
      body: toolCall('sleep', { ms: 500 }, 'dup'),
    });
    let second: Awaited<ReturnType<typeof openStream>> | undefined;
    try {
      await waitUntil(() => t.manager.get(f.live)?.inFlightRequests === 1);
      second = await openStream(t.url, {
        method: 'POST',
        headers: sessionHeaders(f.live),
        body: toolCall('sleep', { ms: 1 }, 'dup'),
      });
      await withTimeout(second.ended, 5000, 'the duplicate was never answered');
      expectJsonRpcError({ status: second.status, body: second.text() }, 400, -32600);
      await withTimeout(first.ended, 5000, 'the first request never completed');
      expect(sseMessages(first.text()).at(-1)).toMatchObject({
        id: 'dup',
        result: { content: [{ text: 'slept 500 ms' }] },
      });
    } finally {
      first.close();
      second?.close();
    }
    await waitUntil(() => t.manager.get(f.live)?.inFlightRequests === 0);
  });
});

describe('slow request bodies', () => {
  /**
   * Decision: a body that trickles in is accepted once it is complete. A client that stalls is
   * not the module's to time out: Node's `server.requestTimeout` (300 s by default in Node 20,
   * checked every `connectionsCheckingInterval`, 30 s) answers 408 and frees the connection,
   * and the module must leave nothing behind when it does. Tuned down here to keep the test short.
   */
  let t: TestApp;
  let store: InMemoryEventStore;
  let live: string;

  beforeAll(async () => {
    store = new InMemoryEventStore();
    t = await startTestApp({
      options: { eventStore: store },
      configure: (app) => {
        const server = app.getHttpServer() as Server;
        server.requestTimeout = 1500;
        server.headersTimeout = 1000;
        // Read when the server starts listening; not in @types/node 20.
        (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
          100;
      },
    });
    live = await openRawSession(t.url);
  });

  afterAll(async () => {
    await t.close();
  });

  it('accepts a body that trickles in over a second', async () => {
    const body = toolCall('echo', { text: 'slowly' }, 5);
    const chunks = body.match(/[\s\S]{1,8}/g)!;
    const res = await rawExchange(
      t.url,
      requestHead(t.url, 'POST', postHeaders(body, [['Mcp-Session-Id', live]])),
      { chunks, gapMs: Math.floor(1000 / chunks.length) },
    );
    expect(res.status).toBe(200);
    expect(sseMessages(res.body).at(-1).result.content[0].text).toBe('slowly');
  });

  it('frees the connection of a client that stalls mid-body, leaving nothing behind', async () => {
    const before = await snapshot(t, store);
    const body = initializeBody();
    const res = await rawExchange(t.url, requestHead(t.url, 'POST', postHeaders(body)), {
      chunks: [body.slice(0, 20)],
      timeoutMs: 15_000,
    });
    expect(res.status).toBe(408);
    await expectNothingLeft(t, store, before);
  });
});
