import { startSample } from '../scripts/soak-lib.mjs';
import { HTTP_ADAPTERS } from './support/app.js';
import { connectClient, textOf } from './support/client.js';
import { openRawSession, rawRequest, sessionHeaders } from './support/http.js';
import { toolCall } from './support/reliability.js';

/** The sample lines of a Prometheus scrape (not its comments). */
function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('the sample with MCP_METRICS=true', () => {
  it.each(HTTP_ADAPTERS)(
    'on %s: a scrape after one tools/call shows the operation histogram and one open session; /health answers, then reports draining',
    async (adapter) => {
      const sample = await startSample({ env: { MCP_METRICS: 'true', MCP_HTTP_ADAPTER: adapter } });
      try {
        const { client, transport } = await connectClient(sample.url);
        expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'x' } }))).toBe('x');

        const scrape = await rawRequest(sample.url, { method: 'GET', path: '/metrics' });
        expect(scrape.status).toBe(200);
        expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
        const lines = samples(scrape.text);
        expect(lines).toContain(
          'mcp_server_operation_duration_count{mcp_method_name="tools/call",network_transport="tcp",network_protocol_name="http",mcp_protocol_version="2025-11-25",gen_ai_tool_name="echo",otel_scope_name="nestjs-mcp-session"} 1',
        );
        expect(lines).toContain(
          'mcp_server_operation_duration_bucket{mcp_method_name="tools/call",network_transport="tcp",network_protocol_name="http",mcp_protocol_version="2025-11-25",gen_ai_tool_name="echo",otel_scope_name="nestjs-mcp-session",le="300"} 1',
        );
        expect(lines).toContain(
          'mcp_session_manager_sessions{mcp_session_manager_state="live",otel_scope_name="nestjs-mcp-session"} 1',
        );
        expect(lines).toContain(
          'mcp_session_manager_sessions_created_total{otel_scope_name="nestjs-mcp-session"} 1',
        );

        const health = await rawRequest(sample.url, { method: 'GET', path: '/health' });
        expect(health.status).toBe(200);
        expect(health.json()).toMatchObject({
          status: 'ok',
          info: { mcp: { status: 'up', phase: 'running', sessions: 1, maxSessions: 10_000 } },
        });
        await transport.terminateSession();
        await client.close();

        // A request in flight holds the drain open: meanwhile /health reports down.
        const id = await openRawSession(sample.url);
        const call = rawRequest(sample.url, {
          headers: sessionHeaders(id),
          body: toolCall('sleep', { ms: 1500 }, 3),
        });
        await new Promise((resolve) => setTimeout(resolve, 150));
        sample.child.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 150));
        const draining = await rawRequest(sample.url, { method: 'GET', path: '/health' });
        expect(draining.status).toBe(503);
        expect(draining.json()).toMatchObject({
          error: { mcp: { status: 'down', phase: 'draining' } },
        });
        await call;
        expect((await sample.exited).code).toBe(0);
      } finally {
        await sample.stop();
      }
    },
  );
});
