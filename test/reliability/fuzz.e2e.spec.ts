import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import fc from 'fast-check';
import { request } from 'node:http';
import { z } from 'zod';
import { InMemoryEventStore, type McpServerFactory } from '../../src/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { initializeBody, openRawSession, rawRequest } from '../support/http.js';
import {
  expectReleased,
  rawExchange,
  requestHead,
  snapshot,
  toolCall,
  type ResourceSnapshot,
} from '../support/reliability.js';

/**
 * Property-based fuzzing of the endpoint's headers and bodies with fast-check, seeded so that a
 * failure reproduces: FUZZ_SEED=<seed> (and FUZZ_RUNS=<n>) rerun it; fast-check prints the seed
 * and the shrunk counterexample. Properties: a client mistake never gets a 5xx; every refusal has
 * a JSON-RPC error body; no request hangs; a session appears only when a 200 announces it, and
 * disappears only on its own DELETE; nothing is left open at the end.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_601);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const RAW_RUNS = Number(process.env.FUZZ_RAW_RUNS ?? 500);
const LIMIT = 64 * 1024;
const REQUEST_TIMEOUT_MS = 5000;

/** Only an echo tool: nothing the fuzzer sends can make the server wait on the client. */
const echoServerFactory: McpServerFactory = () => {
  const server = new McpServer({ name: 'fuzz-target', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
};

type SessionChoice =
  | { kind: 'live' }
  | { kind: 'absent' }
  | { kind: 'deleted' }
  | { kind: 'value'; value: string }
  | { kind: 'mutated'; at: number; char: string };

type EventChoice = { kind: 'live' } | { kind: 'value'; value: string };

interface FuzzCase {
  method: string;
  contentType: string | undefined;
  accept: string | undefined;
  session: SessionChoice;
  protocolVersion: string | undefined;
  lastEventId: EventChoice | undefined;
  origin: string | undefined;
  extra: [string, string] | undefined;
  body: Body;
  chunked: boolean;
}

/** A body; an oversized one is described by its size, so that counterexamples stay readable. */
type Body = string | Buffer | undefined | { echoOfSize: number };

function materialize(body: Body): string | Buffer | undefined {
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) return body;
  return toolCall('echo', { text: 'a'.repeat(body.echoOfSize) });
}

const text = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });

const idArb = fc.oneof(
  fc.integer(),
  text(8),
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.constant({}),
  fc.constant(undefined),
);
const methodArb = fc.oneof(
  fc.constantFrom(
    'ping',
    'tools/list',
    'tools/call',
    'initialize',
    'notifications/initialized',
    'notifications/cancelled',
    'notifications/progress',
    'resources/list',
    'prompts/list',
    'logging/setLevel',
    'completion/complete',
    'sampling/createMessage',
  ),
  text(20),
);
const jsonValue = fc.jsonValue({ maxDepth: 2 });
const paramsArb = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(text(8), jsonValue, { maxKeys: 4 }),
  fc.constant({ name: 'echo', arguments: { text: 'fuzz' } }),
  fc.record({
    name: fc.constantFrom('echo', 'missing', ''),
    arguments: fc.oneof(fc.dictionary(text(6), jsonValue, { maxKeys: 3 }), jsonValue),
  }),
  fc.record(
    {
      protocolVersion: fc.oneof(
        fc.constantFrom('2025-11-25', '2025-06-18', '2024-11-05'),
        text(12),
      ),
      capabilities: fc.oneof(fc.constant({}), jsonValue),
      clientInfo: fc.oneof(fc.constant({ name: 'fuzz', version: '1' }), jsonValue),
    },
    { requiredKeys: [] },
  ),
);
const messageArb = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '2.0', '2.0', '1.0', 2),
    id: idArb,
    method: methodArb,
    params: paramsArb,
    result: jsonValue,
    error: fc.record({ code: fc.integer(), message: text(10) }),
  },
  { requiredKeys: [] },
);
const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 8, arbitrary: messageArb.map((m) => JSON.stringify(m)) },
  { weight: 2, arbitrary: fc.array(messageArb, { maxLength: 4 }).map((m) => JSON.stringify(m)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(messageArb, fc.nat())
      .map(([m, n]) => JSON.stringify(m).slice(0, n % (JSON.stringify(m).length + 1))),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(initializeBody(), toolCall('echo', { text: 'x' })) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: LIMIT - 64, max: LIMIT + 64 })
      .map((size) => ({ echoOfSize: size })),
  },
);
const sessionArb: fc.Arbitrary<SessionChoice> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: 'live' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'absent' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deleted' as const }) },
  { weight: 2, arbitrary: text(300).map((value) => ({ kind: 'value' as const, value })) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        at: fc.nat(),
        char: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
      })
      .map(({ at, char }) => ({ kind: 'mutated' as const, at, char })),
  },
);

/** Mostly `valid` (weight 8), else one of the listed or random `others`. */
function mostly<T>(valid: fc.Arbitrary<T>, ...others: Array<fc.Arbitrary<T>>): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 8, arbitrary: valid },
    ...others.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

/** Absent with weight `absent`, else one of `present`. */
function rarely<T>(absent: number, present: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: absent, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: present },
  );
}

const validMessageArb = fc.oneof(
  fc.nat().map((id) => ({ jsonrpc: '2.0', id, method: 'ping' })),
  text(8).map((id) => ({ jsonrpc: '2.0', id, method: 'tools/list' })),
  fc.tuple(fc.nat(), text(20)).map(([id, t]) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'echo', arguments: { text: t } },
  })),
  fc.constant({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  fc.nat().map((id) => ({ jsonrpc: '2.0', id, result: {} })),
);

const fuzzCaseArb: fc.Arbitrary<FuzzCase> = fc.record({
  method: fc.constantFrom(
    ...Array<string>(10).fill('POST'),
    'GET',
    'GET',
    'DELETE',
    'PUT',
    'PATCH',
    'OPTIONS',
    'HEAD',
  ),
  contentType: mostly(
    fc.constant('application/json'),
    fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', ''),
    fc.constant(undefined),
    text(30),
  ),
  accept: mostly(
    fc.constant('application/json, text/event-stream'),
    fc.constantFrom('text/event-stream, application/json', 'application/json', '*/*', ''),
    fc.constant(undefined),
    text(40),
  ),
  session: sessionArb,
  protocolVersion: mostly(
    fc.constant('2025-11-25'),
    fc.constantFrom('2025-06-18', '2025-03-26', '2024-11-05', '2026-07-28', ''),
    fc.constant(undefined),
    text(12),
  ),
  lastEventId: rarely(
    8,
    fc.oneof(
      fc.constant({ kind: 'live' as const }),
      text(40).map((value) => ({ kind: 'value' as const, value })),
    ),
  ),
  origin: rarely(
    10,
    fc.constantFrom('http://127.0.0.1', 'http://localhost:1', 'https://evil.example', 'null'),
  ),
  extra: rarely(4, fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,15}$/), text(30))),
  body: fc.oneof(
    { weight: 5, arbitrary: validMessageArb.map((m) => JSON.stringify(m)) },
    { weight: 5, arbitrary: bodyArb },
  ),
  chunked: fc.boolean(),
});

interface Fixture {
  t: TestApp;
  store: InMemoryEventStore;
  live: string;
  liveEventId: string;
  deleted: string;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The client dropped an endless SSE stream after its headers. */
  dropped: boolean;
}

function resolveSession(choice: SessionChoice, f: Fixture): string | undefined {
  switch (choice.kind) {
    case 'live':
      return f.live;
    case 'absent':
      return undefined;
    case 'deleted':
      return f.deleted;
    case 'value':
      return choice.value;
    case 'mutated': {
      const at = choice.at % f.live.length;
      return f.live.slice(0, at) + choice.char + f.live.slice(at + 1);
    }
  }
}

/** Sends one fuzz case with Node's client; a GET stream that stays open is dropped. */
function send(c: FuzzCase, f: Fixture): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  if (c.accept !== undefined) headers.accept = c.accept;
  const sessionId = resolveSession(c.session, f);
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  if (c.protocolVersion !== undefined) headers['mcp-protocol-version'] = c.protocolVersion;
  if (c.lastEventId !== undefined) {
    headers['last-event-id'] = c.lastEventId.kind === 'live' ? f.liveEventId : c.lastEventId.value;
  }
  if (c.origin !== undefined) headers.origin = c.origin;
  if (c.extra !== undefined) headers[c.extra[0]] = c.extra[1];
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/mcp', f.t.url),
      { method: c.method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        const reply = (dropped: boolean): Reply => ({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf-8'),
          dropped,
        });
        const isStream = /text\/event-stream/.test(String(res.headers['content-type']));
        if (isStream && c.method === 'GET') {
          clearTimeout(timer);
          req.destroy();
          resolve(reply(true));
          return;
        }
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve(reply(false));
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    const body = materialize(c.body);
    if (body === undefined) {
      req.end();
    } else if (c.chunked) {
      // Node frames a GET or DELETE body only when asked to.
      req.setHeader('transfer-encoding', 'chunked');
      req.write(body);
      req.end();
    } else {
      req.setHeader('content-length', Buffer.byteLength(body));
      req.end(body);
    }
  });
}

function assertJsonRpcError(reply: Reply, context: string): void {
  let body: any;
  try {
    body = JSON.parse(reply.text);
  } catch {
    throw new Error(`${context}: ${reply.status} without a JSON-RPC body: ${reply.text}`);
  }
  if (
    body?.jsonrpc !== '2.0' ||
    body.id !== null ||
    typeof body.error?.code !== 'number' ||
    typeof body.error?.message !== 'string'
  ) {
    throw new Error(
      `${context}: ${reply.status} with a body that is not a JSON-RPC error: ${reply.text}`,
    );
  }
}

async function refreshFixture(f: Fixture): Promise<void> {
  if (f.t.manager.get(f.live)) return;
  f.live = await openRawSession(f.t.url);
  const res = await rawRequest(f.t.url, {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': f.live,
      'mcp-protocol-version': '2025-11-25',
    },
    body: toolCall('echo', { text: 'event' }),
  });
  f.liveEventId = [...res.text.matchAll(/^id: (\S+)$/gm)].at(-1)![1];
}

describe('fuzzing the endpoint (fast-check, seeded)', () => {
  const f = {} as Fixture;
  let baseline: ResourceSnapshot;

  beforeAll(async () => {
    f.store = new InMemoryEventStore();
    f.t = await startTestApp({
      factory: echoServerFactory,
      options: { eventStore: f.store, maxRequestBodySize: LIMIT },
    });
    f.deleted = await openRawSession(f.t.url);
    await f.t.manager.close(f.deleted);
    f.live = '';
    await refreshFixture(f);
    baseline = await snapshot(f.t, f.store);
  });

  afterAll(async () => {
    await f.t.close();
  });

  it(`headers and bodies: ${RUNS} cases, seed ${SEED}`, async () => {
    let created = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzCaseArb, async (c) => {
        await refreshFixture(f);
        const live = f.live;
        const before = new Set(f.t.manager.list().map((s) => s.id));
        const body = materialize(c.body);
        const oversized = body !== undefined && Buffer.byteLength(body) > LIMIT;
        let reply: Reply;
        try {
          reply = await send(c, f);
        } catch (error) {
          // A refused oversized body may reset the connection before the 413 is read.
          const code = (error as NodeJS.ErrnoException).code;
          if (oversized && (code === 'ECONNRESET' || code === 'EPIPE')) return;
          throw error;
        }
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const context = `${c.method} → ${reply.status}`;
        if (reply.status >= 500 || reply.status < 200) {
          throw new Error(`${context}: ${reply.text}`);
        }
        if (reply.status >= 400 && c.method !== 'HEAD') assertJsonRpcError(reply, context);
        const issued = reply.headers['mcp-session-id'];
        if (reply.status >= 400 && issued !== undefined) {
          throw new Error(`${context}: an error that carries Mcp-Session-Id ${String(issued)}`);
        }

        const after = f.t.manager.list().map((s) => s.id);
        const added = after.filter((id) => !before.has(id));
        const removed = [...before].filter((id) => !after.includes(id));
        // An empty Mcp-Session-Id counts as none, as in the SDK transport.
        const sessionless = !resolveSession(c.session, f);
        const announced = reply.status === 200 && sessionless && typeof issued === 'string';
        if (added.length > (announced ? 1 : 0) || (added.length === 1 && added[0] !== issued)) {
          throw new Error(`${context}: sessions appeared that no answer announced: ${added}`);
        }
        created += added.length;
        for (const id of added) await f.t.manager.close(id);
        const deletedLive =
          c.method === 'DELETE' && reply.status === 200 && resolveSession(c.session, f) === live;
        if (
          removed.length > (deletedLive ? 1 : 0) ||
          (removed.length === 1 && removed[0] !== live)
        ) {
          throw new Error(`${context}: sessions disappeared: ${removed}`);
        }
      }),
      {
        seed: SEED,
        numRuns: RUNS,
        plugins: [fc.interruptAfterTimeLimit(150_000, { failOnInterrupt: true })],
      },
    );
    console.log(
      `fuzz: ${RUNS} cases (seed ${SEED}), ${created} sessions legitimately created; statuses`,
      Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
    );

    await refreshFixture(f);
    expect(f.t.manager.count()).toBe(1);
    // Every closed session's events were purged.
    expect(f.store.sessionCount).toBeLessThanOrEqual(1);
    await expectReleased(f.t, baseline);
  }, 180_000);

  it(`raw header bytes: ${RAW_RUNS} cases, seed ${SEED}`, async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const names = [
      'Mcp-Session-Id',
      'MCP-Protocol-Version',
      'Last-Event-ID',
      'Accept',
      'Content-Type',
    ];
    // Bytes Node's HTTP parser refuses in a header value (besides CR and LF, not generated).
    const refusedByNode = (value: string) =>
      [...value].some((char) => {
        const code = char.charCodeAt(0);
        return code <= 0x08 || (code >= 0x0b && code <= 0x1f) || code === 0x7f;
      });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.constantFrom('live', 'none'),
        fc.uint8Array({ maxLength: 40 }),
        async (name, prefix, bytes) => {
          await refreshFixture(f);
          const value =
            (prefix === 'live' ? f.live : '') +
            Buffer.from(bytes.filter((b) => b !== 0x0d && b !== 0x0a)).toString('latin1');
          const headers: Array<[string, string]> = [
            ['Content-Type', 'application/json'],
            ['Accept', 'application/json, text/event-stream'],
            ['Mcp-Session-Id', f.live],
            ['MCP-Protocol-Version', '2025-11-25'],
            ['Content-Length', String(ping.length)],
          ].filter(([n]) => n !== name) as Array<[string, string]>;
          headers.push([name, value]);
          const res = await rawExchange(f.t.url, requestHead(f.t.url, 'POST', headers), {
            chunks: [ping],
            timeoutMs: REQUEST_TIMEOUT_MS,
          });
          const context = `${name}: ${JSON.stringify(value)} → ${res.status}`;
          if (res.status < 200 || res.status >= 500) throw new Error(`${context} ${res.raw}`);
          if (res.status >= 400) {
            if (res.body === '') {
              // Only Node's parser answers without a body, and only for bytes it must refuse.
              if (!refusedByNode(value)) throw new Error(`${context}: empty body`);
            } else {
              assertJsonRpcError(
                { status: res.status, headers: {}, text: res.body, dropped: false },
                context,
              );
            }
          }
          if (f.t.manager.count() !== 1) {
            throw new Error(`${context}: ${f.t.manager.count()} sessions`);
          }
        },
      ),
      {
        seed: SEED,
        numRuns: RAW_RUNS,
        plugins: [fc.interruptAfterTimeLimit(60_000, { failOnInterrupt: true })],
      },
    );
    await expectReleased(f.t, baseline);
  }, 90_000);
});
