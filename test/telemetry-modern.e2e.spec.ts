import { startTestApp, type TestApp } from './support/app.js';
import { rawRequest, sseMessages } from './support/http.js';
import { MODERN_VERSION, modernRequest } from './support/modern.js';
import { installTelemetry, type TestTelemetry } from './support/telemetry.js';
import { v2TestServerFactory } from './support/test-server-v2.js';

const TRACE_ID = '5d2f6b1e9c8a4f3b8e7d6c5b4a392817';
const PARENT_SPAN_ID = 'a1b2c3d4e5f60718';

describe.each([false, true])(
  'telemetry of 2026-07-28 requests (the SDK v2 handler, no session), reuseModernServers: %s',
  (reuseModernServers) => {
    let telemetry: TestTelemetry;
    let app: TestApp;

    beforeAll(async () => {
      telemetry = installTelemetry();
      app = await startTestApp({ factory: v2TestServerFactory, options: { reuseModernServers } });
    });

    afterAll(async () => {
      await app?.close();
      await telemetry?.uninstall();
    });

    it('measures a modern tools/call with the protocol version of its _meta, and a span without a session id', async () => {
      const { headers, body } = modernRequest('tools/call', {
        name: 'echo',
        arguments: { text: 'modern' },
      });
      const request = JSON.parse(body);
      request.params._meta.traceparent = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
      const reply = await rawRequest(app.url, { headers, body: JSON.stringify(request) });
      expect(reply.status).toBe(200);
      const answer = reply.headers['content-type']?.includes('json')
        ? reply.json()
        : sseMessages(reply.text).at(-1);
      expect(answer.result.content[0].text).toBe('modern');

      expect(await telemetry.points('mcp.server.operation.duration')).toEqual([
        expect.objectContaining({
          attributes: {
            'mcp.method.name': 'tools/call',
            'network.transport': 'tcp',
            'network.protocol.name': 'http',
            'mcp.protocol.version': MODERN_VERSION,
            'gen_ai.tool.name': 'echo',
          },
          value: 1,
        }),
      ]);
      const [span] = telemetry.spans();
      expect(span.name).toBe('tools/call echo');
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
      expect(span.attributes['mcp.session.id']).toBeUndefined();
      expect(span.attributes['jsonrpc.request.id']).toBe('1');
      expect(await telemetry.value('mcp.session_manager.sessions.created')).toBe(0);
    });

    it('measures each request once, whichever server serves it', async () => {
      const spansBefore = telemetry.spans().length;
      for (const text of ['a', 'b', 'c']) {
        const reply = await rawRequest(
          app.url,
          modernRequest('tools/call', { name: 'echo', arguments: { text } }),
        );
        expect(reply.status).toBe(200);
      }
      const [point] = await telemetry.points('mcp.server.operation.duration');
      expect(point.value).toBe(4);
      expect(telemetry.spans().length - spansBefore).toBe(3);
    });
  },
);
