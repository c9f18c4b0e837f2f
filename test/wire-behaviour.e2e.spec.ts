import { jest } from '@jest/globals';
import { firstValueFrom, take, toArray } from 'rxjs';
import { InMemoryEventStore, type SessionEvent } from '../src/index.js';
import { startTestApp, type TestApp, ADAPTERS_AND_TRANSPORTS } from './support/app.js';
import {
  MCP_POST_HEADERS,
  sessionHeaders,
  initializeBody,
  openRawSession,
  openStream,
  rawRequest,
  sseMessages,
} from './support/http.js';
import { expectJsonRpcError, toolCall } from './support/reliability.js';
import { serverStats } from './support/test-server.js';

const V = '2025-11-25';

describe.each(ADAPTERS_AND_TRANSPORTS)('on %s, %s transport', (adapter, transport) => {
  describe('wire behaviour (stateful, SSE, in-memory event store)', () => {
    let t: TestApp;
    let store: InMemoryEventStore;

    beforeAll(async () => {
      store = new InMemoryEventStore();
      t = await startTestApp({
        adapter,
        options: { eventStore: store, maxSessions: 50, transport },
      });
    });
    afterAll(() => t.close());
    afterEach(async () => {
      await t.manager.closeAll();
    });

    describe('rule 1: initialize creates a session', () => {
      it('answers with a visible-ASCII Mcp-Session-Id and registers the session', async () => {
        const created = firstValueFrom(t.manager.events$.pipe(take(1)));
        const res = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
        expect(res.status).toBe(200);
        const id = res.headers['mcp-session-id'] as string;
        expect(id).toMatch(/^[\x21-\x7e]+$/);
        const [response] = sseMessages(res.text);
        expect(response.result.protocolVersion).toBe(V);
        expect(t.manager.count()).toBe(1);
        expect(t.manager.get(id)).toMatchObject({ id, protocolVersion: V, principal: undefined });
        expect(t.manager.get(id)?.clientInfo).toEqual({ name: 'raw-client', version: '1.0.0' });
        expect(await created).toMatchObject({ type: 'created', sessionId: id });
      });

      it('builds one server per session', async () => {
        const before = serverStats.created;
        const a = await openRawSession(t.url);
        const b = await openRawSession(t.url);
        expect(a).not.toBe(b);
        expect(serverStats.created - before).toBe(2);
      });
    });

    describe('rule 2: a refused or failed opening request leaves nothing behind', () => {
      const cases: Array<[string, Record<string, string>, string, number, number]> = [
        [
          'a wrong Accept',
          { ...MCP_POST_HEADERS, accept: 'application/json' },
          initializeBody(),
          406,
          -32000,
        ],
        [
          'a wrong Content-Type',
          { ...MCP_POST_HEADERS, 'content-type': 'text/plain' },
          initializeBody(),
          415,
          -32000,
        ],
        ['malformed JSON', MCP_POST_HEADERS, '{"jsonrpc":"2.0",', 400, -32700],
        [
          'a batch with two initialize requests',
          MCP_POST_HEADERS,
          `[${initializeBody('2025-03-26', 1)},${initializeBody('2025-03-26', 2)}]`,
          400,
          -32600,
        ],
        [
          'an initialize with invalid params',
          MCP_POST_HEADERS,
          JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: { capabilities: 'nope' },
          }),
          400,
          -32000,
        ],
      ];
      it.each(cases)('%s', async (_name, headers, body, status, code) => {
        const servers = serverStats.created;
        const res = await rawRequest(t.url, { headers, body });
        expect(res.status).toBe(status);
        expect(res.json().error.code).toBe(code);
        expect(res.headers['mcp-session-id']).toBeUndefined();
        expect(t.manager.count()).toBe(0);
        expect(store.sessionCount).toBe(0);
        // Requests refused before a server is needed do not build one.
        if (status !== 400 || code === -32700) expect(serverStats.created).toBe(servers);
      });
    });

    describe('rule 3: 400 without a session id', () => {
      it.each(['POST', 'GET', 'DELETE'])('%s', async (method) => {
        const res = await rawRequest(t.url, {
          method,
          headers: { ...MCP_POST_HEADERS, accept: 'application/json, text/event-stream' },
          body: method === 'POST' ? toolCall('echo', { text: 'x' }) : undefined,
        });
        const body = expectJsonRpcError(res, 400, -32000);
        expect(body.error.message).toMatch(/Mcp-Session-Id header is required/);
      });

      it('400 for a malformed session id', async () => {
        const res = await rawRequest(t.url, {
          headers: sessionHeaders('bad id with spaces'),
          body: toolCall('echo', { text: 'x' }),
        });
        expectJsonRpcError(res, 400, -32000);
      });
    });

    describe('rule 4: 404 for an unknown session id', () => {
      it.each(['POST', 'GET', 'DELETE'])('%s', async (method) => {
        const res = await rawRequest(t.url, {
          method,
          headers: sessionHeaders('00000000-0000-4000-8000-000000000000'),
          body: method === 'POST' ? toolCall('echo', { text: 'x' }) : undefined,
        });
        const body = expectJsonRpcError(res, 404, -32001);
        expect(body.error.message).toBe('Session not found');
      });
    });

    describe('rule 5: DELETE terminates', () => {
      it('removes the session at once, closes its server, purges its events; later requests get 404', async () => {
        const id = await openRawSession(t.url);
        const echoed = await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: toolCall('echo', { text: 'hi' }),
        });
        expect(sseMessages(echoed.text)[0].result.content[0].text).toBe('hi');
        expect(store.sessionCount).toBe(1);
        const events = firstValueFrom(t.manager.events$.pipe(take(1)));

        const deleted = await rawRequest(t.url, { method: 'DELETE', headers: sessionHeaders(id) });

        expect(deleted.status).toBe(200);
        expect(await events).toMatchObject({ type: 'closed', sessionId: id, reason: 'deleted' });
        expect(t.manager.count()).toBe(0);
        expect(store.sessionCount).toBe(0);
        for (const method of ['POST', 'GET', 'DELETE']) {
          const after = await rawRequest(t.url, {
            method,
            headers: sessionHeaders(id),
            body: method === 'POST' ? toolCall('echo', { text: 'x' }) : undefined,
          });
          expectJsonRpcError(after, 404, -32001);
        }
      });

      it('ends the open GET stream of the deleted session', async () => {
        const id = await openRawSession(t.url);
        const stream = await openStream(t.url, { headers: sessionHeaders(id) });
        expect(stream.status).toBe(200);
        await rawRequest(t.url, { method: 'DELETE', headers: sessionHeaders(id) });
        await stream.ended;
      });
    });

    describe('rule 6: unsupported methods', () => {
      it.each(['PUT', 'PATCH'])('%s gets 405 with Allow', async (method) => {
        const res = await rawRequest(t.url, { method, headers: MCP_POST_HEADERS, body: '{}' });
        expectJsonRpcError(res, 405, -32000);
        expect(res.headers.allow).toBe('GET, POST, DELETE');
      });
    });

    describe('rule 7: Accept, Content-Type, JSON and protocol-version errors on a live session', () => {
      let id: string;
      beforeEach(async () => {
        id = await openRawSession(t.url);
      });

      it('406 for a POST that does not accept SSE', async () => {
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(id, { accept: 'application/json' }),
          body: toolCall('echo', { text: 'x' }),
        });
        expectJsonRpcError(res, 406, -32000);
      });

      it('406 for a GET that does not accept SSE', async () => {
        const res = await rawRequest(t.url, {
          method: 'GET',
          headers: sessionHeaders(id, { accept: 'application/json' }),
        });
        expectJsonRpcError(res, 406, -32000);
      });

      it('415 for a non-JSON body', async () => {
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(id, { 'content-type': 'text/plain' }),
          body: toolCall('echo', { text: 'x' }),
        });
        expectJsonRpcError(res, 415, -32000);
      });

      it('accepts a UTF-8 body that starts with a byte order mark, and decodes it as UTF-8', async () => {
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: Buffer.concat([
            Buffer.from([0xef, 0xbb, 0xbf]),
            Buffer.from(toolCall('echo', { text: 'naïve ☕' }), 'utf8'),
          ]),
        });
        expect(res.status).toBe(200);
        expect(sseMessages(res.text)[0].result.content[0].text).toBe('naïve ☕');
      });

      it('400 -32700 for malformed JSON', async () => {
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: '{"jsonrpc": "2.0", "id": 1,',
        });
        expectJsonRpcError(res, 400, -32700);
      });

      it('400 -32700 for a body that is not JSON-RPC', async () => {
        const res = await rawRequest(t.url, { headers: sessionHeaders(id), body: '42' });
        expectJsonRpcError(res, 400, -32700);
      });

      it('400 for an unsupported MCP-Protocol-Version', async () => {
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(id, { 'mcp-protocol-version': '1999-01-01' }),
          body: toolCall('echo', { text: 'x' }),
        });
        expectJsonRpcError(res, 400, -32000);
      });

      it('400 for a second initialize on a live session, which stays usable', async () => {
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: initializeBody(),
        });
        expectJsonRpcError(res, 400, -32600);
        const echoed = await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: toolCall('echo', { text: 'ok' }),
        });
        expect(sseMessages(echoed.text)[0].result.content[0].text).toBe('ok');
      });
    });

    describe('rule 8: request body size', () => {
      // Over the platforms' own parser limits: Express's 100 kB and Fastify's 1 MiB.
      it('accepts a 3 MiB tool argument under a stock NestFactory.create()', async () => {
        const id = await openRawSession(t.url);
        const text = 'a'.repeat(3 * 1024 * 1024);
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: toolCall('size', { text }),
        });
        expect(res.status).toBe(200);
        expect(sseMessages(res.text)[0].result.content[0].text).toBe(String(text.length));
      });

      it.each([
        ['declared with Content-Length', false],
        ['streamed without a length', true],
      ])('answers 413 to a 5 MiB body %s, creating nothing', async (_name, chunked) => {
        const text = 'a'.repeat(5 * 1024 * 1024);
        const res = await rawRequest(t.url, {
          headers: MCP_POST_HEADERS,
          body: JSON.stringify({ ...JSON.parse(initializeBody()), padding: text }),
          chunked,
        });
        expectJsonRpcError(res, 413, -32000);
        expect(res.headers['mcp-session-id']).toBeUndefined();
        expect(t.manager.count()).toBe(0);
      });
    });

    describe('rule 11: resumability', () => {
      it('starts SSE responses with a priming event for clients at 2025-11-25', async () => {
        const res = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody(V) });
        expect(res.text.startsWith('id: ')).toBe(true);
        expect(res.text.split('\n\n')[0]).toMatch(/^id: \S+\ndata: $/);
      });

      it('sends no priming event to clients at 2025-06-18', async () => {
        const res = await rawRequest(t.url, {
          headers: MCP_POST_HEADERS,
          body: initializeBody('2025-06-18'),
        });
        expect(res.text.startsWith('event: message')).toBe(true);
      });

      it('answers an SSE request, priming event then result, without waiting on a timer', async () => {
        const id = await openRawSession(t.url);
        // With setTimeout faked, a response that waits for a timer never arrives.
        jest.useFakeTimers({
          doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance'],
        });
        try {
          const res = await rawRequest(t.url, {
            headers: sessionHeaders(id),
            body: toolCall('echo', { text: 'no timer' }),
          });
          expect(res.status).toBe(200);
          expect(res.headers['content-type']).toBe('text/event-stream');
          expect(res.text).toMatch(/^id: \S+\ndata: \n\n/);
          expect(sseMessages(res.text)[0].result.content[0].text).toBe('no timer');
        } finally {
          jest.useRealTimers();
        }
      });

      it("refuses another session's Last-Event-ID, and garbage, with 400", async () => {
        const a = await openRawSession(t.url);
        const b = await openRawSession(t.url);
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(a),
          body: toolCall('echo', { text: 'secret' }),
        });
        const eventId = /id: (\S+)/.exec(res.text)![1];
        for (const lastEventId of [eventId, 'garbage', `${eventId}0`]) {
          const replay = await rawRequest(t.url, {
            method: 'GET',
            headers: sessionHeaders(b, { 'last-event-id': lastEventId }),
          });
          expectJsonRpcError(replay, 400, -32000);
          expect(replay.text).not.toContain('secret');
        }
      });
    });

    describe('rule 12: one standalone GET stream per session', () => {
      it('answers a second GET with 409 and keeps the first open', async () => {
        const id = await openRawSession(t.url);
        const first = await openStream(t.url, { headers: sessionHeaders(id) });
        expect(first.status).toBe(200);
        expect(t.manager.get(id)?.openStreams).toBe(1);
        const second = await rawRequest(t.url, { method: 'GET', headers: sessionHeaders(id) });
        expectJsonRpcError(second, 409, -32000);
        await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: toolCall('notify', { text: 'on the GET stream' }),
        });
        await first.waitFor((text) => text.includes('on the GET stream'));
        first.close();
      });
    });

    describe('rule 13: DNS-rebinding protection (secure by default on loopback)', () => {
      it.each(['POST', 'GET', 'DELETE'])('421 for a foreign Host on %s', async (method) => {
        const res = await rawRequest(t.url, {
          method,
          headers: { ...MCP_POST_HEADERS, host: 'evil.example.com' },
          body: method === 'POST' ? initializeBody() : undefined,
        });
        expectJsonRpcError(res, 421, -32000);
        expect(res.headers['mcp-session-id']).toBeUndefined();
      });

      it.each(['POST', 'GET', 'DELETE'])('403 for a foreign Origin on %s', async (method) => {
        const res = await rawRequest(t.url, {
          method,
          headers: { ...MCP_POST_HEADERS, origin: 'https://evil.example.com' },
          body: method === 'POST' ? initializeBody() : undefined,
        });
        expectJsonRpcError(res, 403, -32000);
      });

      it('accepts localhost hosts and loopback origins', async () => {
        const port = new URL(t.url).port;
        const variants: Array<Record<string, string>> = [
          { host: `localhost:${port}` },
          { host: `[::1]:${port}` },
          { origin: `http://localhost:${port}` },
        ];
        for (const headers of variants) {
          const res = await rawRequest(t.url, {
            headers: { ...MCP_POST_HEADERS, ...headers },
            body: initializeBody(),
          });
          expect(res.status).toBe(200);
        }
      });
    });

    describe('rule 15: sessionless 2026-07-28 clients', () => {
      it('get 400 with -32022 listing the versions we support', async () => {
        const res = await rawRequest(t.url, {
          headers: { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2026-07-28' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/list',
            params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
          }),
        });
        const body = expectJsonRpcError(res, 400, -32022);
        const data = body.error.data as { requested: string; supported: string[] };
        expect(data.requested).toBe('2026-07-28');
        expect(data.supported).toEqual(
          expect.arrayContaining(['2025-11-25', '2025-06-18', '2025-03-26']),
        );
        expect(t.manager.count()).toBe(0);
      });
    });

    describe('introspection', () => {
      it('lists sessions, closes one, and publishes the reasons', async () => {
        const events: Promise<SessionEvent[]> = firstValueFrom(
          t.manager.events$.pipe(take(4), toArray()),
        );
        const a = await openRawSession(t.url);
        const b = await openRawSession(t.url);
        expect(
          t.manager
            .list()
            .map((s) => s.id)
            .sort(),
        ).toEqual([a, b].sort());
        expect(await t.manager.close(a)).toBe(true);
        expect(await t.manager.close(a)).toBe(false);
        expect(await t.manager.closeAll()).toBe(1);
        expect((await events).map((e) => (e.type === 'closed' ? e.reason : e.type))).toEqual([
          'created',
          'created',
          'closed',
          'closed',
        ]);
      });
    });
  });

  describe('rule 9: the session cap', () => {
    it('answers 503 with Retry-After at maxSessions, and existing sessions keep working', async () => {
      const t = await startTestApp({
        adapter,
        options: { maxSessions: 2, reapInterval: 7, transport },
      });
      try {
        const a = await openRawSession(t.url);
        await openRawSession(t.url);
        const res = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
        expectJsonRpcError(res, 503, -32000);
        expect(res.headers['retry-after']).toBe('7');
        expect(res.headers['mcp-session-id']).toBeUndefined();
        expect(t.manager.count()).toBe(2);
        const echoed = await rawRequest(t.url, {
          headers: sessionHeaders(a),
          body: toolCall('echo', { text: 'still here' }),
        });
        expect(sseMessages(echoed.text)[0].result.content[0].text).toBe('still here');
      } finally {
        await t.close();
      }
    });
  });
});
