import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { post } from '../../scripts/soak-lib.mjs';
import { streamTables } from '../../src/server/json-response.transport.js';
import type { McpServerFactory } from '../../src/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openRawSession, sessionHeaders, sseMessages } from '../support/http.js';
import { testServerFactory } from '../support/test-server.js';
import { waitFor } from '../support/wait.js';

setFlagsFromString('--expose-gc');
/** A full collection, so that a WeakRef tells whether anything still holds its target. */
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * What the module and the SDK transport keep for one request is released on every path a request
 * can end by: answered, failed by the server, abandoned by its client, cut by the end of its
 * session; and a keep-alive connection that carries a thousand requests gains no listener.
 * Released is observed, not assumed: the transport's stream tables, the session's in-flight
 * count, the request id's claim (a reused id is served again) and the process's timers.
 */
describe.each([
  ['SSE', false],
  ['JSON', true],
])('per-request state is released (%s responses)', (_mode, jsonResponse) => {
  let t: TestApp;
  const servers: McpServer[] = [];
  const factory: McpServerFactory = (context) => {
    const server = testServerFactory(context) as McpServer;
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    t = await startTestApp({ options: { jsonResponse }, factory });
  });
  afterAll(async () => {
    await t.close();
  });

  /** The stream tables of the transport serving the session opened last. */
  const tables = () =>
    streamTables(servers.at(-1)!.server.transport as WebStandardStreamableHTTPServerTransport);

  const call = (id: number | string, name: string, args: Record<string, unknown>) =>
    JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

  /** The JSON-RPC message answering a POST, from an SSE or a JSON body. */
  const answer = (text: string) => (jsonResponse ? JSON.parse(text) : sseMessages(text).at(-1));

  async function expectReleased(sessionId: string) {
    await waitFor(() => tables()._requestToStreamMapping.size === 0);
    expect(tables()._streamMapping.size).toBe(0);
    expect(t.manager.get(sessionId)?.inFlightRequests).toBe(0);
  }

  it('after answers and server-side failures', async () => {
    const sessionId = await openRawSession(t.url);
    const headers = sessionHeaders(sessionId);
    for (let id = 1; id <= 20; id++) {
      const res = await post(t.url, { headers, body: call(id, 'echo', { text: `n${id}` }) });
      expect(answer(res.text).result.content[0].text).toBe(`n${id}`);
    }
    const unknownTool = await post(t.url, { headers, body: call(21, 'no-such-tool', {}) });
    expect(answer(unknownTool.text).result.isError).toBe(true);
    const badArguments = await post(t.url, { headers, body: call(22, 'sleep', { ms: 'soon' }) });
    expect(answer(badArguments.text).result.isError).toBe(true);
    const unknownMethod = await post(t.url, {
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 23, method: 'no/such-method' }),
    });
    expect(answer(unknownMethod.text).error.code).toBe(-32601);

    await expectReleased(sessionId);
  });

  it('after the client abandons a call', async () => {
    const sessionId = await openRawSession(t.url);
    const headers = sessionHeaders(sessionId);
    const abandoned = request(new URL('/mcp', t.url), { method: 'POST', headers, agent: false });
    abandoned.on('error', () => undefined);
    abandoned.end(call('reused', 'sleep', { ms: 300 }));
    await waitFor(() => t.manager.get(sessionId)?.inFlightRequests === 1);
    abandoned.destroy();
    await waitFor(() => t.manager.get(sessionId)?.inFlightRequests === 0);

    // The tool still runs to its end; its answer has nowhere to go, and is dropped.
    await expectReleased(sessionId);
    // The id's claim went with its request: the same id is served again.
    const again = await post(t.url, { headers, body: call('reused', 'echo', { text: 'again' }) });
    expect(answer(again.text).result.content[0].text).toBe('again');
    await expectReleased(sessionId);
  });

  it('after the session ends during a call', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const sessionId = await openRawSession(t.url);
    const headers = sessionHeaders(sessionId);
    const cut = post(t.url, { headers, body: call(1, 'sleep', { ms: 300 }) });
    await waitFor(() => t.manager.get(sessionId)?.inFlightRequests === 1);
    const transport = new WeakRef(
      servers.at(-1)!.server.transport as WebStandardStreamableHTTPServerTransport,
    );
    const deleted = await post(t.url, { method: 'DELETE', headers });
    expect(deleted.status).toBe(200);

    // An SSE response has begun, and just ends; a JSON one has not, and says why it failed.
    const reply = await cut;
    if (jsonResponse) {
      expect(reply.status).toBe(404);
      expect(JSON.parse(reply.text).error.code).toBe(-32001);
    } else {
      expect(reply.status).toBe(200);
    }
    expect(t.manager.get(sessionId)).toBeUndefined();
    expect(streamTables(transport.deref()!)._streamMapping.size).toBe(0);
    // The sleeping tool's timer ends with it; nothing else is left armed, and the closed
    // transport, with whatever its tables still name, is garbage.
    await waitFor(
      () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length <= timersBefore,
      5000,
    );
    await waitFor(() => {
      collectGarbage();
      return transport.deref() === undefined;
    }, 5000);
  });

  it('a keep-alive connection carrying 1 000 requests gains no listener', async () => {
    const sessionId = await openRawSession(t.url);
    const headers = sessionHeaders(sessionId);
    const sockets: Socket[] = [];
    const onConnection = (socket: Socket) => sockets.push(socket);
    t.app.getHttpServer().on('connection', onConnection);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const listeners = () =>
      sockets[0].eventNames().reduce((sum, name) => sum + sockets[0].listenerCount(name), 0);
    try {
      const send = async (from: number, to: number) => {
        for (let id = from; id < to; id++) {
          const res = await post(t.url, { agent, headers, body: call(id, 'echo', { text: 'k' }) });
          expect(res.status).toBe(200);
        }
      };
      await send(0, 10);
      const early = listeners();
      await send(10, 1000);

      expect(sockets).toHaveLength(1);
      expect(listeners()).toBe(early);
      await expectReleased(sessionId);
    } finally {
      agent.destroy();
      t.app.getHttpServer().off('connection', onConnection);
    }
  });
});
