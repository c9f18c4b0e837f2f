import { McpSessionHealthIndicator } from '../src/index.js';
import { startTestApp, type TestApp } from './support/app.js';
import { openRawSession, rawRequest, sessionHeaders, sseMessages } from './support/http.js';
import { clusterOptions, startRedis, type TestRedis } from './support/redis.js';
import { toolCall } from './support/reliability.js';
import { httpSpans, installTelemetry, type TestTelemetry } from './support/telemetry.js';
import { waitFor } from './support/wait.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = 'b7ad6b7169203331';

describe('telemetry across two replicas on Redis', () => {
  let telemetry: TestTelemetry;
  let redis: TestRedis;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    telemetry = installTelemetry();
    redis = await startRedis();
    const options = clusterOptions(redis);
    a = await startTestApp({ options });
    b = await startTestApp({ options });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
    await telemetry?.uninstall();
  });

  /** `echo` on a session through `replica`, with a W3C `traceparent` header. */
  const echoVia = async (replica: TestApp, sessionId: string, text: string) => {
    const reply = await rawRequest(replica.url, {
      headers: sessionHeaders(sessionId, {
        traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`,
      }),
      body: toolCall('echo', { text }),
    });
    return sseMessages(reply.text).at(-1).result.content[0].text as string;
  };

  it('measures a forwarded request where it is served, continuing the trace; counts take-overs and Redis errors; health follows Redis', async () => {
    const sessionId = await openRawSession(a.url);
    expect(await echoVia(b, sessionId, 'via b')).toBe('via b');

    expect(await telemetry.value('mcp.session_manager.cluster.forwarded_requests')).toBe(1);
    const [call] = telemetry.spans().filter((span) => span.name === 'tools/call echo');
    expect(call.spanContext().traceId).toBe(TRACE_ID);
    expect(call.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(call.attributes['mcp.session.id']).toBe(sessionId);
    expect(
      await telemetry.value('mcp.server.operation.duration', { 'gen_ai.tool.name': 'echo' }),
    ).toBe(1);
    expect(await a.app.get(McpSessionHealthIndicator).isHealthy()).toEqual({
      mcp: {
        status: 'up',
        phase: 'running',
        sessions: 1,
        maxSessions: 10_000,
        redis: 'up',
        heartbeat: 'fresh',
      },
    });

    // The replica that held the session leaves; the other takes it over at its next request.
    await a.close();
    expect(await echoVia(b, sessionId, 'taken over')).toBe('taken over');
    expect(await telemetry.value('mcp.session_manager.cluster.takeovers')).toBe(1);
    expect(await telemetry.value('mcp.session_manager.sessions.rehydrated')).toBe(1);
    expect(await telemetry.value('mcp.session_manager.cluster.forwarded_requests')).toBe(1);
    const spans = telemetry.spans().filter((span) => span.name === 'tools/call echo');
    expect(spans.map((span) => span.spanContext().traceId)).toEqual([TRACE_ID, TRACE_ID]);

    // Redis goes away: its errors are counted, and health reports it.
    await redis.stop();
    let errors = 0;
    await waitFor(() => {
      void telemetry.value('mcp.session_manager.cluster.redis_errors').then((n) => (errors = n));
      return errors > 0;
    }, 10_000);
    expect(await b.app.get(McpSessionHealthIndicator).isHealthy('sessions')).toMatchObject({
      sessions: { status: 'down', phase: 'running', redis: 'down' },
    });
  });
});

describe('telemetry of a request forwarded from a replica with an active span', () => {
  let telemetry: TestTelemetry;
  let redis: TestRedis;
  let owner: TestApp;
  let edge: TestApp;

  beforeAll(async () => {
    telemetry = installTelemetry();
    redis = await startRedis();
    const options = clusterOptions(redis);
    owner = await startTestApp({ options });
    edge = await startTestApp({ options, configure: (app) => app.use(httpSpans) });
  });

  afterAll(async () => {
    await edge?.close();
    await owner?.close();
    await redis?.stop();
    await telemetry?.uninstall();
  });

  it("continues the forwarding replica's active span on the replica that serves the request", async () => {
    const sessionId = await openRawSession(owner.url);
    const reply = await rawRequest(edge.url, {
      headers: sessionHeaders(sessionId),
      body: toolCall('echo', { text: 'via the edge' }),
    });
    expect(sseMessages(reply.text).at(-1).result.content[0].text).toBe('via the edge');

    await waitFor(() => telemetry.spans().some((span) => span.name === 'HTTP POST'), 5_000);
    const edgeSpan = telemetry.spans().find((span) => span.name === 'HTTP POST')!;
    const [call] = telemetry.spans().filter((span) => span.name === 'tools/call echo');
    expect(call.spanContext().traceId).toBe(edgeSpan.spanContext().traceId);
    expect(call.parentSpanContext?.spanId).toBe(edgeSpan.spanContext().spanId);
    expect(await telemetry.value('mcp.session_manager.cluster.forwarded_requests')).toBe(1);
  });
});
