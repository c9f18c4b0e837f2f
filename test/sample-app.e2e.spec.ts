import { startSample } from '../scripts/soak-lib.mjs';
import { connectClient, textOf } from './support/client.js';
import {
  initializeBody,
  MCP_POST_HEADERS,
  openRawSession,
  openStream,
  rawRequest,
  sessionHeaders,
  sseMessages,
} from './support/http.js';
import { MODERN_VERSION, modernRequest } from './support/modern.js';
import { toolCall } from './support/reliability.js';
import { HTTP_ADAPTERS } from './support/app.js';

describe('the sample application', () => {
  it.each(HTTP_ADAPTERS)(
    'on %s: serves tools that use an injected Nest service, and drains then exits 0 on SIGTERM',
    async (adapter) => {
      const sample = await startSample({
        env: { MCP_SHUTDOWN_GRACE: '10', MCP_HTTP_ADAPTER: adapter },
      });
      try {
        const { client } = await connectClient(sample.url);
        const greeting = await client.callTool({ name: 'greet', arguments: { name: 'Nest' } });
        expect(textOf(greeting)).toBe('Hello, Nest!');
        const echoed = await client.callTool({ name: 'echo', arguments: { text: 'sample' } });
        expect(textOf(echoed)).toBe('sample');
        await client.close();

        const id = await openRawSession(sample.url);
        const headers = sessionHeaders(id);
        const stream = await openStream(sample.url, { headers });
        const call = rawRequest(sample.url, { headers, body: toolCall('sleep', { ms: 600 }, 3) });
        await new Promise((resolve) => setTimeout(resolve, 150));
        sample.child.kill('SIGTERM');

        await stream.ended;
        const result = await call;
        expect(sseMessages(result.text).at(-1).result.content[0].text).toBe('slept 600 ms');
        expect((await sample.exited).code).toBe(0);
        expect(sample.output()).not.toMatch(/ERROR|Unhandled/);
      } finally {
        await sample.stop();
      }
    },
  );

  it('reads its configuration from the environment through ConfigService', async () => {
    const sample = await startSample({ env: { MCP_STATELESS: 'true', MCP_JSON_RESPONSE: 'true' } });
    try {
      const get = await rawRequest(sample.url, { method: 'GET', headers: MCP_POST_HEADERS });
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
      const call = await rawRequest(sample.url, {
        headers: { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2025-11-25' },
        body: toolCall('echo', { text: 'json' }, 1),
      });
      expect(call.headers['content-type']).toMatch(/application\/json/);
      expect(call.json().result.content[0].text).toBe('json');
    } finally {
      expect((await sample.stop('SIGINT')).code).toBe(0);
    }
  });

  it('serves both eras: server/discover and tools/call without a session, initialize with one', async () => {
    const sample = await startSample();
    try {
      const discovered = await rawRequest(sample.url, modernRequest('server/discover'));
      expect(discovered.status).toBe(200);
      expect(discovered.headers['mcp-session-id']).toBeUndefined();
      expect(discovered.json().result.supportedVersions).toContain(MODERN_VERSION);
      const greet = modernRequest('tools/call', { name: 'greet', arguments: { name: 'Eve' } });
      const called = await rawRequest(sample.url, greet);
      expect(called.headers['mcp-session-id']).toBeUndefined();
      expect(called.json().result.content[0].text).toBe('Hello, Eve!');

      const init = await rawRequest(sample.url, {
        headers: MCP_POST_HEADERS,
        body: initializeBody(),
      });
      expect(init.status).toBe(200);
      expect(init.headers['mcp-session-id']).toEqual(expect.any(String));
    } finally {
      await sample.stop();
    }
  });

  it('keeps the SDK v1 server with MCP_SDK=v1, for sessions only', async () => {
    const sample = await startSample({ env: { MCP_SDK: 'v1' } });
    try {
      const { client } = await connectClient(sample.url);
      expect(textOf(await client.callTool({ name: 'greet', arguments: { name: 'V1' } }))).toBe(
        'Hello, V1!',
      );
      await client.close();
      const probe = await rawRequest(sample.url, modernRequest('server/discover'));
      expect(probe.status).toBe(400);
      expect(probe.json()).toMatchObject({ id: null, error: { code: -32022 } });
    } finally {
      await sample.stop();
    }
  });

  it('refuses an invalid environment at startup with a message naming the variable', async () => {
    await expect(startSample({ env: { MCP_MAX_SESSIONS: 'many' } })).rejects.toThrow(
      /MCP_MAX_SESSIONS must be a number/,
    );
    await expect(startSample({ env: { MCP_HTTP_ADAPTER: 'koa' } })).rejects.toThrow(
      /MCP_HTTP_ADAPTER must be one of "express", "fastify", got "koa"/,
    );
    await expect(startSample({ env: { MCP_SDK: 'v3' } })).rejects.toThrow(
      /MCP_SDK must be "v1" or "v2", got "v3"/,
    );
    await expect(startSample({ env: { MCP_PROTOCOL: 'both' } })).rejects.toThrow(
      /MCP_PROTOCOL must be "dual", "legacy-only" or "modern-only", got "both"/,
    );
  });
});
