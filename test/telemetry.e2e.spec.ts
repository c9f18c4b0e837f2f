import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { trace } from '@opentelemetry/api';
import { z } from 'zod';
import type { McpServerFactory } from '../src/index.js';
import { SessionReaper } from '../src/session/session-reaper.service.js';
import { startTestApp, type TestApp } from './support/app.js';
import { connectClient } from './support/client.js';
import {
  initializeBody,
  MCP_POST_HEADERS,
  openRawSession,
  rawRequest,
  sessionHeaders,
  sseMessages,
} from './support/http.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { toolCall } from './support/reliability.js';
import { httpSpans, installTelemetry, type TestTelemetry } from './support/telemetry.js';
import { waitFor } from './support/wait.js';

const OPERATION = 'mcp.server.operation.duration';
const SESSION = 'mcp.server.session.duration';
const BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

/** A server with a tool that succeeds, one that fails with `isError`, and a prompt. */
const factory: McpServerFactory = () => {
  const server = new McpServer({ name: 'telemetry-test', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('fail', {}, () => ({
    content: [{ type: 'text', text: 'it failed' }],
    isError: true,
  }));
  server.registerPrompt('greet', {}, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }],
  }));
  return server;
};

const BASE = {
  'mcp.protocol.version': '2025-11-25',
  'network.transport': 'tcp',
  'network.protocol.name': 'http',
};

describe('telemetry: metrics and traces on the MCP conventions, read by real readers', () => {
  let telemetry: TestTelemetry;
  let app: TestApp;

  beforeAll(async () => {
    telemetry = installTelemetry();
    app = await startTestApp({
      factory,
      options: {
        maxSessions: 1,
        sessionIdleTimeout: 60,
        hibernateAfter: null,
        maxRequestBodySize: 10_000,
      },
    });
  });

  const liveSessions = () =>
    telemetry.value('mcp.session_manager.sessions', { 'mcp.session_manager.state': 'live' });
  const hibernatedSessions = () =>
    telemetry.value('mcp.session_manager.sessions', { 'mcp.session_manager.state': 'hibernated' });

  /** One request on a session; its JSON-RPC answer. */
  const ask = async (sessionId: string, id: number, method: string, params: object) => {
    const reply = await rawRequest(app.url, {
      headers: sessionHeaders(sessionId),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });
    return sseMessages(reply.text).at(-1);
  };

  afterAll(async () => {
    await app?.close();
    await telemetry?.uninstall();
  });

  it('measures a scripted flow exactly: calls, a failed tool, hibernation, expiry, delete, a refusal', async () => {
    // Open, call, fail a tool, ask for a prompt and for a method the server does not have.
    const firstId = await openRawSession(app.url);
    expect(await liveSessions()).toBe(1);
    const echoed = await ask(firstId, 1, 'tools/call', {
      name: 'echo',
      arguments: { text: 'hi' },
      _meta: { traceparent: TRACEPARENT },
    });
    expect(echoed.result.content[0].text).toBe('hi');
    expect(
      (await ask(firstId, 2, 'tools/call', { name: 'fail', arguments: {} })).result.isError,
    ).toBe(true);
    await ask(firstId, 3, 'prompts/get', { name: 'greet' });
    expect((await ask(firstId, 4, 'resources/list', {})).error.code).toBe(-32601);

    // Over the cap, a foreign Host or Origin, a body over the limit: refused before any work.
    const refused = await rawRequest(app.url, {
      headers: MCP_POST_HEADERS,
      body: initializeBody(),
    });
    expect(refused.status).toBe(503);
    const badHost = { ...sessionHeaders(firstId), host: 'evil.example.com' };
    expect((await rawRequest(app.url, { headers: badHost, body: '{}' })).status).toBe(421);
    const badOrigin = { ...sessionHeaders(firstId), origin: 'http://evil.example.com' };
    expect((await rawRequest(app.url, { headers: badOrigin, body: '{}' })).status).toBe(403);
    const large = { headers: sessionHeaders(firstId), body: 'x'.repeat(20_000) };
    expect((await rawRequest(app.url, large)).status).toBe(413);

    // Hibernate, then wake with a call; the replayed initialize is not measured.
    expect(await app.manager.hibernate(firstId)).toBe(true);
    expect(await hibernatedSessions()).toBe(1);
    expect(await liveSessions()).toBe(0);
    await ask(firstId, 5, 'tools/call', { name: 'echo', arguments: { text: 'again' } });
    expect(await liveSessions()).toBe(1);

    // Expire it, with one sweep of the reaper; then a second session, deleted by its client.
    await app.manager.reapExpiredSessions(Date.now() + 61_000);
    await app.app.get(SessionReaper).sweep();
    const second = await connectClient(app.url);
    await second.transport.terminateSession();
    await second.client.close();

    const operations = await telemetry.points(OPERATION);
    const byKey = Object.fromEntries(
      operations.map((point) => [JSON.stringify(point.attributes), point.value]),
    );
    expect(byKey).toEqual({
      [JSON.stringify({ 'mcp.method.name': 'initialize', ...order(BASE) })]: 2,
      [JSON.stringify({
        'mcp.method.name': 'tools/call',
        ...order(BASE),
        'gen_ai.tool.name': 'echo',
      })]: 2,
      [JSON.stringify({
        'mcp.method.name': 'tools/call',
        ...order(BASE),
        'gen_ai.tool.name': 'fail',
        'error.type': 'tool_error',
      })]: 1,
      [JSON.stringify({
        'mcp.method.name': 'prompts/get',
        ...order(BASE),
        'gen_ai.prompt.name': 'greet',
      })]: 1,
      [JSON.stringify({
        'mcp.method.name': 'resources/list',
        ...order(BASE),
        'error.type': '-32601',
      })]: 1,
    });
    expect(operations.every((point) => point.boundaries?.join() === BUCKETS.join())).toBe(true);
    expect(operations.every((point) => point.sum! >= 0 && point.sum! < 5 * point.value)).toBe(true);

    const sessions = await telemetry.points(SESSION);
    expect(sessions.map((point) => [point.attributes, point.value])).toEqual(
      expect.arrayContaining([
        [{ 'mcp.session_manager.reason': 'idle', 'network.transport': 'tcp' }, 1],
        [{ 'mcp.session_manager.reason': 'deleted', 'network.transport': 'tcp' }, 1],
      ]),
    );
    expect(sessions).toHaveLength(2);
    expect(sessions[0].boundaries).toEqual(BUCKETS);

    expect(await telemetry.value('mcp.session_manager.sessions.created')).toBe(2);
    expect(
      await telemetry.value('mcp.session_manager.sessions.closed', {
        'mcp.session_manager.reason': 'idle',
      }),
    ).toBe(1);
    expect(
      await telemetry.value('mcp.session_manager.sessions.closed', {
        'mcp.session_manager.reason': 'deleted',
      }),
    ).toBe(1);
    expect(await telemetry.points('mcp.session_manager.requests.refused')).toEqual([
      { attributes: { 'mcp.session_manager.reason': 'cap' }, value: 1 },
      { attributes: { 'mcp.session_manager.reason': 'host' }, value: 1 },
      { attributes: { 'mcp.session_manager.reason': 'origin' }, value: 1 },
      { attributes: { 'mcp.session_manager.reason': 'body_size' }, value: 1 },
    ]);
    expect(await telemetry.value('mcp.session_manager.sessions.rehydrated')).toBe(1);
    expect(await telemetry.value('mcp.session_manager.reaper.sweeps')).toBe(1);
    expect(await telemetry.value('mcp.session_manager.reaper.sweep.duration')).toBe(1);
    expect(await telemetry.value('mcp.session_manager.sessions')).toBe(0);
    expect(await telemetry.value('mcp.session_manager.event_store.events')).toBe(0);

    // One SERVER span per request, named and attributed as the conventions say.
    const spans = telemetry.spans();
    expect(spans.map((span) => span.name).sort()).toEqual([
      'initialize',
      'initialize',
      'prompts/get greet',
      'resources/list',
      'tools/call echo',
      'tools/call echo',
      'tools/call fail',
    ]);
    const call = spans.find((span) => span.name === 'tools/call echo')!;
    expect(call.kind).toBe(1);
    expect(call.spanContext().traceId).toBe(TRACE_ID);
    expect(call.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(call.attributes).toEqual({
      'mcp.method.name': 'tools/call',
      ...BASE,
      'gen_ai.tool.name': 'echo',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': '1',
      'mcp.session.id': firstId,
    });
    const failed = spans.find((span) => span.name === 'tools/call fail')!;
    expect(failed.attributes['error.type']).toBe('tool_error');
    expect(failed.status.code).toBe(2);
    const missing = spans.find((span) => span.name === 'resources/list')!;
    expect(missing.attributes['error.type']).toBe('-32601');
  });
});

describe('telemetry behind an HTTP instrumentation', () => {
  let telemetry: TestTelemetry;
  let app: TestApp;

  /** A server whose tool starts a span of its own, as an instrumented database client would. */
  const tracedFactory: McpServerFactory = () => {
    const server = new McpServer({ name: 'traced-test', version: '1.0.0' });
    server.registerTool('lookup', {}, () => {
      trace.getTracer('test-tool').startSpan('db lookup').end();
      return { content: [{ type: 'text', text: 'found' }] };
    });
    return server;
  };

  beforeAll(async () => {
    telemetry = installTelemetry();
    app = await startTestApp({ factory: tracedFactory, configure: (nest) => nest.use(httpSpans) });
  });

  afterAll(async () => {
    await app?.close();
    await telemetry?.uninstall();
  });

  it("nests the request's span in the HTTP span, and the tool's own spans in the request's", async () => {
    const sessionId = await openRawSession(app.url);
    await rawRequest(app.url, {
      headers: sessionHeaders(sessionId),
      body: toolCall('lookup', {}),
    });
    await waitFor(() => telemetry.spans().filter((span) => span.name === 'HTTP POST').length >= 2);
    const spans = telemetry.spans();
    const call = spans.find((span) => span.name === 'tools/call lookup')!;
    const lookup = spans.find((span) => span.name === 'db lookup')!;
    const http = spans.find((span) => span.spanContext().spanId === call.parentSpanContext?.spanId);
    expect(http?.name).toBe('HTTP POST');
    expect(lookup.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(lookup.spanContext().traceId).toBe(http!.spanContext().traceId);
  });
});

describe('telemetry: the event store gauges, in memory and on Redis', () => {
  let telemetry: TestTelemetry;
  let redis: TestRedis;

  beforeAll(async () => {
    telemetry = installTelemetry();
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
    await telemetry?.uninstall();
  });

  /** The event-store gauges, as a reader collects them now. */
  const gauges = async () => ({
    events: await telemetry.value('mcp.session_manager.event_store.events'),
    bytes: await telemetry.value('mcp.session_manager.event_store.bytes'),
  });

  /** The gauges after one session's `initialize` and `echo` on SSE, and after its DELETE. */
  const heldByOneSession = async (eventStore: 'memory' | 'redis') => {
    const app = await startTestApp({
      factory,
      options: { eventStore, redis: { url: redis.url, keyPrefix: redis.keyPrefix } },
    });
    try {
      const sessionId = await openRawSession(app.url);
      const reply = await rawRequest(app.url, {
        headers: sessionHeaders(sessionId),
        body: toolCall('echo', { text: 'kept' }),
      });
      expect(sseMessages(reply.text).at(-1).result.content[0].text).toBe('kept');
      const live = await gauges();
      await rawRequest(app.url, { method: 'DELETE', headers: sessionHeaders(sessionId) });
      const deleted = await gauges();
      return { live, deleted };
    } finally {
      await app.close();
    }
  };

  it('count the events of the sessions held here, with either store, until they end', async () => {
    const memory = await heldByOneSession('memory');
    const onRedis = await heldByOneSession('redis');
    // A priming event and the response, for each of the two POSTs.
    expect(memory.live.events).toBe(4);
    expect(onRedis.live.events).toBe(4);
    expect(memory.live.bytes).toBeGreaterThan(0);
    expect(onRedis.live.bytes).toBeGreaterThan(0);
    expect(memory.deleted).toEqual({ events: 0, bytes: 0 });
    expect(onRedis.deleted).toEqual({ events: 0, bytes: 0 });
  });
});

/** The base attributes in the order the module sets them. */
function order(base: typeof BASE) {
  return {
    'network.transport': base['network.transport'],
    'network.protocol.name': base['network.protocol.name'],
    'mcp.protocol.version': base['mcp.protocol.version'],
  };
}
