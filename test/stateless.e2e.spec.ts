import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestApp, type TestApp, HTTP_ADAPTERS } from './support/app.js';
import { MCP_POST_HEADERS, initializeBody, rawRequest, sseMessages } from './support/http.js';
import { serverStats } from './support/test-server.js';

const echo = JSON.stringify({
  jsonrpc: '2.0',
  id: 4,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'no session' } },
});

describe.each(HTTP_ADAPTERS)('on %s', (adapter) => {
  describe.each([
    ['SSE', false],
    ['JSON', true],
  ])('stateless mode (%s responses)', (_mode, jsonResponse) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ adapter, options: { stateless: true, jsonResponse } });
    });
    afterAll(() => t.close());

    function messages(text: string) {
      return jsonResponse ? [JSON.parse(text)] : sseMessages(text);
    }

    it('answers initialize without a session id and tracks nothing', async () => {
      const res = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
      expect(res.status).toBe(200);
      expect(res.headers['mcp-session-id']).toBeUndefined();
      expect(messages(res.text)[0].result.serverInfo.name).toBe('test-server');
      expect(t.manager.count()).toBe(0);
    });

    it('serves each request with a fresh server', async () => {
      const before = serverStats.created;
      for (let i = 0; i < 3; i++) {
        const res = await rawRequest(t.url, {
          headers: { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2025-11-25' },
          body: echo,
        });
        expect(res.status).toBe(200);
        expect(messages(res.text)[0].result.content[0].text).toBe('no session');
      }
      expect(serverStats.created - before).toBe(3);
      expect(t.manager.count()).toBe(0);
    });

    it.each(['GET', 'DELETE'])('answers %s with 405 and Allow: POST', async (method) => {
      const res = await rawRequest(t.url, { method, headers: MCP_POST_HEADERS });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.json().error.code).toBe(-32000);
    });

    it('tells a 2026-07-28 client which versions it supports', async () => {
      const res = await rawRequest(t.url, {
        headers: { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2026-07-28' },
        body: echo,
      });
      expect(res.status).toBe(400);
      expect(res.json().error.code).toBe(-32022);
    });

    it('works with the SDK client', async () => {
      const client = new Client({ name: 'stateless-client', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      expect((result.content as Array<{ text: string }>)[0].text).toBe('hi');
      await client.close();
    });
  });

  describe('stateless option validation', () => {
    it('rejects an idle timeout with stateless', async () => {
      await expect(
        startTestApp({ adapter, options: { stateless: true, sessionIdleTimeout: 60 } }),
      ).rejects.toThrow(/"sessionIdleTimeout" has no meaning with stateless/);
    });
  });
});
