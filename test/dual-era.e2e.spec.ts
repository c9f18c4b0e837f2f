import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ADAPTERS_AND_TRANSPORTS, startTestApp, type TestApp, userHeader } from './support/app.js';
import { initializeBody, MCP_POST_HEADERS, openStream, rawRequest } from './support/http.js';
import {
  connectV2Client,
  MODERN_VERSION,
  modernRequest,
  type Negotiation,
} from './support/modern.js';
import { testServerFactory } from './support/test-server.js';
import { v2TestServerFactory } from './support/test-server-v2.js';
import { McpNotifier } from '../src/index.js';

/** The text of a tool result's first content item (either SDK line's result shape). */
function textOf(result: unknown): string {
  return (result as { content: Array<{ text: string }> }).content[0].text;
}

describe.each(ADAPTERS_AND_TRANSPORTS)(
  'both protocol eras on one endpoint, on %s, %s transport',
  (adapter, transport) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        adapter,
        factory: v2TestServerFactory,
        options: { principalResolver: userHeader, transport },
      });
    });
    afterAll(() => t.close());

    it.each<[Negotiation, string]>([
      ['pinned', MODERN_VERSION],
      ['auto', MODERN_VERSION],
      ['legacy', '2025-11-25'],
    ])('serves the SDK v2 client negotiating %s at %s', async (negotiation, version) => {
      const sessionsBefore = t.manager.count();
      const servedBefore = t.manager.modernRequests().served;
      const { client } = await connectV2Client(t.url, negotiation);
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(version);
        const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
        expect(textOf(result)).toBe('hi');
        const whoami = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
        if (negotiation === 'legacy') {
          expect(whoami).toMatchObject({ era: 'legacy', sessionId: expect.any(String) });
          expect(t.manager.count()).toBe(sessionsBefore + 1);
        } else {
          expect(whoami).toEqual({ era: 'modern', sessionId: null, principal: null });
          // No session is opened for a 2026-07-28 client; its requests are counted apart.
          expect(t.manager.count()).toBe(sessionsBefore);
          expect(t.manager.modernRequests().served).toBeGreaterThanOrEqual(servedBefore + 3);
        }
      } finally {
        await client.close();
      }
    });

    it('serves the SDK v1 client a session, as before', async () => {
      const client = new V1Client({ name: 'v1-client', version: '1.0.0' });
      const transport = new V1Transport(new URL('/mcp', t.url));
      await client.connect(transport);
      try {
        expect(transport.sessionId).toEqual(expect.any(String));
        expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'v1' } }))).toBe(
          'v1',
        );
        expect(t.manager.get(transport.sessionId!)).toBeDefined();
      } finally {
        await transport.terminateSession();
        await client.close();
      }
    });

    it('answers server/discover and tools/call without a session, and initialize with one', async () => {
      const discover = modernRequest('server/discover');
      const discovered = await rawRequest(t.url, discover);
      expect(discovered.status).toBe(200);
      expect(discovered.headers['mcp-session-id']).toBeUndefined();
      expect(discovered.json().result.supportedVersions).toContain(MODERN_VERSION);

      const call = await rawRequest(
        t.url,
        modernRequest('tools/call', { name: 'echo', arguments: { text: 'raw' } }),
      );
      expect(call.status).toBe(200);
      expect(call.headers['mcp-session-id']).toBeUndefined();
      expect(call.json().result.content[0].text).toBe('raw');

      const init = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
      expect(init.status).toBe(200);
      expect(init.headers['mcp-session-id']).toEqual(expect.any(String));
    });

    it('passes the principal to the server of a 2026-07-28 request', async () => {
      const call = modernRequest('tools/call', { name: 'whoami', arguments: {} });
      const res = await rawRequest(t.url, {
        ...call,
        headers: { ...call.headers, 'x-user': 'ada' },
      });
      expect(JSON.parse(res.json().result.content[0].text)).toEqual({
        era: 'modern',
        sessionId: null,
        principal: 'ada',
      });
    });

    it('keeps its security and limits on 2026-07-28 requests', async () => {
      const call = modernRequest('tools/call', { name: 'echo', arguments: { text: 'x' } });
      const foreign = await rawRequest(t.url, {
        ...call,
        headers: { ...call.headers, host: 'evil.example.com' },
      });
      expect(foreign.status).toBeGreaterThanOrEqual(400);
      expect(foreign.status).toBeLessThan(500);
      expect(foreign.json().error.code).toEqual(expect.any(Number));

      const huge = modernRequest('tools/call', {
        name: 'echo',
        arguments: { text: 'x'.repeat(5 * 1024 * 1024) },
      });
      const tooLarge = await rawRequest(t.url, huge);
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.json().error.code).toEqual(expect.any(Number));
    });

    it('delivers a change published through McpNotifier on an open subscriptions/listen stream', async () => {
      const listen = modernRequest('subscriptions/listen', {
        notifications: { toolsListChanged: true },
      });
      const stream = await openStream(t.url, { method: 'POST', ...listen });
      try {
        expect(stream.status).toBe(200);
        await stream.waitFor((text) => text.includes('notifications/subscriptions/acknowledged'));
        expect(t.manager.modernRequests().subscriptions).toBe(1);
        t.app.get(McpNotifier).toolsChanged();
        await stream.waitFor((text) => text.includes('notifications/tools/list_changed'));
      } finally {
        stream.close();
      }
    });
  },
);

/**
 * Checks that a 2026-07-28 probe gets the SDK v1 endpoint's answer (400, -32022, `id: null`) and
 * that a probing client falls back to a session; returns that client, connected.
 */
async function expectSessionFallback(url: string) {
  const res = await rawRequest(url, modernRequest('server/discover'));
  expect(res.status).toBe(400);
  expect(res.json()).toMatchObject({ id: null, error: { code: -32022 } });
  const { client } = await connectV2Client(url, 'auto');
  expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
  return client;
}

describe('the protocol option', () => {
  it('legacy-only answers a 2026-07-28 request as an SDK v1 endpoint does: 400, -32022, id null', async () => {
    const t = await startTestApp({
      factory: v2TestServerFactory,
      options: { protocol: 'legacy-only' },
    });
    try {
      const client = await expectSessionFallback(t.url);
      await client.close();
    } finally {
      await t.close();
    }
  });

  it('modern-only serves 2026-07-28 requests and refuses initialize', async () => {
    const t = await startTestApp({
      factory: v2TestServerFactory,
      options: { protocol: 'modern-only' },
    });
    try {
      const res = await rawRequest(
        t.url,
        modernRequest('tools/call', { name: 'echo', arguments: { text: 'm' } }),
      );
      expect(res.json().result.content[0].text).toBe('m');
      const init = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
      expect(init.status).toBe(400);
      expect(init.json().error.code).toBe(-32022);
      expect(t.manager.count()).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('a factory on the SDK v1 keeps the 2025-era answer to 2026-07-28 requests, and probing clients fall back', async () => {
    const t = await startTestApp({ factory: testServerFactory });
    try {
      const client = await expectSessionFallback(t.url);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'fb' } }))).toBe('fb');
      await client.close();
    } finally {
      await t.close();
    }
  });

  it('a factory may keep SDK v1 servers for sessions and give 2026-07-28 requests SDK v2 ones', async () => {
    const t = await startTestApp({
      factory: (context) =>
        context.era === 'modern' ? v2TestServerFactory(context) : testServerFactory(context),
    });
    try {
      const modern = await connectV2Client(t.url, 'pinned');
      const whoami = await modern.client.callTool({ name: 'whoami', arguments: {} });
      expect(JSON.parse(textOf(whoami))).toMatchObject({ era: 'modern' });
      await modern.client.close();
      const legacy = await connectV2Client(t.url, 'legacy');
      // The SDK v1 test server's tools: sleep reports progress, whoami does not exist there.
      expect(
        textOf(await legacy.client.callTool({ name: 'echo', arguments: { text: 'v1' } })),
      ).toBe('v1');
      expect(t.manager.count()).toBe(1);
      await legacy.client.close();
    } finally {
      await t.close();
    }
  });

  it('modern-only with a factory on the SDK v1 fails the bootstrap, saying why', async () => {
    await expect(
      startTestApp({ factory: testServerFactory, options: { protocol: 'modern-only' } }),
    ).rejects.toThrow(/modern-only.*needs a server factory that returns SDK v2 servers/);
  });
});

describe('shutdown with 2026-07-28 traffic', () => {
  it('ends open subscriptions/listen streams with their final result, lets a call finish, and refuses new work with 503', async () => {
    const t = await startTestApp({
      factory: v2TestServerFactory,
      options: { shutdownGracePeriod: 5 },
    });
    const listen = modernRequest('subscriptions/listen', {
      notifications: { toolsListChanged: true },
    });
    const stream = await openStream(t.url, { method: 'POST', ...listen });
    await stream.waitFor((text) => text.includes('notifications/subscriptions/acknowledged'));
    const slow = rawRequest(
      t.url,
      modernRequest('tools/call', { name: 'sleep', arguments: { ms: 500 } }, 7),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));

    const closing = t.close();
    await stream.ended;
    expect(stream.text()).toContain('"resultType":"complete"');
    // Still listening while the call drains: new work is refused.
    const refused = await rawRequest(t.url, modernRequest('server/discover', {}, 8));
    expect(refused.status).toBe(503);
    expect(refused.json().error.code).toEqual(expect.any(Number));
    const answered = await slow;
    expect(answered.json().result.content[0].text).toBe('slept 500 ms');
    await closing;
  });
});
