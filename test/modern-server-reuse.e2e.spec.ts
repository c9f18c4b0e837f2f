import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { McpServer } from '@modelcontextprotocol/server';
import { HTTP_ADAPTERS, startTestApp, type TestApp, userHeader } from './support/app.js';
import { rawRequest } from './support/http.js';
import { MODERN_VERSION, modernRequest } from './support/modern.js';
import { v2TestServerFactory } from './support/test-server-v2.js';
import type { McpServerFactory } from '../src/index.js';

/** Servers the factory built for 2026-07-28 requests, counted; each answers `instance`. */
function countingFactory() {
  const counter = { built: 0 };
  const factory: McpServerFactory = (context) => {
    const server = v2TestServerFactory(context) as unknown as McpServer;
    if (context.era !== 'modern') return server;
    const instance = ++counter.built;
    server.registerTool('instance', {}, () => ({
      content: [
        { type: 'text', text: JSON.stringify({ instance, principal: context.principal ?? null }) },
      ],
    }));
    return server;
  };
  return { counter, factory };
}

/** Calls `tool` as `user` (anonymous without one) and returns the result's parsed text. */
async function call(
  t: TestApp,
  user: string | undefined,
  tool: string,
  args: Record<string, unknown> = {},
): Promise<{ instance: number; principal: string | null }> {
  const request = modernRequest('tools/call', { name: tool, arguments: args });
  const res = await rawRequest(t.url, {
    ...request,
    headers: { ...request.headers, ...(user && { 'x-user': user }) },
  });
  expect(res.status).toBe(200);
  return JSON.parse(res.json().result.content[0].text);
}

describe.each(HTTP_ADAPTERS)('reuseModernServers, on %s', (adapter) => {
  let t: TestApp;
  const { counter, factory } = countingFactory();
  beforeAll(async () => {
    t = await startTestApp({
      adapter,
      factory,
      options: { principalResolver: userHeader, reuseModernServers: true },
    });
  });
  afterAll(() => t.close());

  it("serves one principal's requests, one after another, with one server", async () => {
    const first = await call(t, 'ada', 'instance');
    const builtAfterFirst = counter.built;
    const second = await call(t, 'ada', 'instance');
    const third = await call(t, 'ada', 'instance');
    expect(first).toEqual({ instance: first.instance, principal: 'ada' });
    expect([second.instance, third.instance]).toEqual([first.instance, first.instance]);
    expect(counter.built).toBe(builtAfterFirst);
  });

  it('never gives a server built for one principal to another, nor to anonymous requests', async () => {
    const ada = await call(t, 'ada', 'instance');
    const grace = await call(t, 'grace', 'instance');
    const anonymous = await call(t, undefined, 'instance');
    expect(grace.principal).toBe('grace');
    expect(anonymous.principal).toBeNull();
    expect(new Set([ada.instance, grace.instance, anonymous.instance]).size).toBe(3);
  });

  it('gives a request in flight a server of its own, and keeps both once they are done', async () => {
    const idle = await call(t, 'lin', 'instance');
    const builtBefore = counter.built;
    const sleeping = rawRequest(
      t.url,
      (() => {
        const request = modernRequest('tools/call', { name: 'sleep', arguments: { ms: 300 } });
        return { ...request, headers: { ...request.headers, 'x-user': 'lin' } };
      })(),
    );
    // The sleeping call holds the one idle server of lin's: this call gets a new one.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = await call(t, 'lin', 'instance');
    expect(counter.built).toBe(builtBefore + 1);
    expect((await sleeping).json().result.content[0].text).toBe('slept 300 ms');
    // Both are idle again: two more calls at once are served by them, without the factory.
    const both = await Promise.all([call(t, 'lin', 'instance'), call(t, 'lin', 'instance')]);
    expect(counter.built).toBe(builtBefore + 1);
    for (const answer of both) expect([idle.instance, during.instance]).toContain(answer.instance);
  });

  it('serves the SDK v2 client call after call on reused servers', async () => {
    const client = new Client(
      { name: 'reuse-client', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN_VERSION } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    try {
      const builtBefore = counter.built;
      for (const text of ['one', 'two', 'three']) {
        const result = await client.callTool({ name: 'echo', arguments: { text } });
        expect(result.content).toEqual([{ type: 'text', text }]);
      }
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['echo', 'instance', 'sleep']),
      );
      // At most the one server its discovery built; the calls reused it.
      expect(counter.built - builtBefore).toBeLessThanOrEqual(1);
    } finally {
      await client.close();
    }
  });
});

describe('without reuseModernServers', () => {
  it('builds a server for every 2026-07-28 request', async () => {
    const { counter, factory } = countingFactory();
    const t = await startTestApp({ factory, options: { principalResolver: userHeader } });
    try {
      const answers = [await call(t, 'ada', 'instance'), await call(t, 'ada', 'instance')];
      expect(answers[1].instance).toBe(answers[0].instance + 1);
      expect(counter.built).toBe(answers[1].instance);
    } finally {
      await t.close();
    }
  });
});
