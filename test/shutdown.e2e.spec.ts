import { SchedulerRegistry } from '@nestjs/schedule';
import { filter, lastValueFrom, toArray } from 'rxjs';
import type { SessionClosedEvent } from '../src/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './support/client.js';
import { serverStats } from './support/test-server.js';
import { waitFor } from './support/wait.js';
import { startTestApp, HTTP_ADAPTERS } from './support/app.js';
import { trackHandles } from './support/handles.js';
import {
  MCP_POST_HEADERS,
  sessionHeaders,
  initializeBody,
  openRawSession,
  openStream,
  rawRequest,
  sseMessages,
} from './support/http.js';

function callSleep(ms: number, id: number | string = 5) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'sleep', arguments: { ms } },
  });
}

describe.each(HTTP_ADAPTERS)('on %s', (adapter) => {
  describe('graceful shutdown', () => {
    it('refuses new work with 503, ends streams, lets in-flight calls finish, then closes everything', async () => {
      const handles = trackHandles();
      const t = await startTestApp({ adapter, options: { shutdownGracePeriod: 10 } });
      const registry = t.app.get(SchedulerRegistry);
      expect(registry.getIntervals()).toContain('McpSessionModule:reaper:/mcp');

      const ids = await Promise.all([1, 2, 3].map(() => openRawSession(t.url)));
      const streams = await Promise.all(
        ids.map((id) => openStream(t.url, { headers: sessionHeaders(id) })),
      );
      const calls = ids.map((id) =>
        rawRequest(t.url, { headers: sessionHeaders(id), body: callSleep(400) }),
      );
      await waitFor(() =>
        t.manager.list().every((s) => s.inFlightRequests === 1 && s.openStreams === 1),
      );
      const closedEvents = lastValueFrom(
        t.manager.events$.pipe(
          filter((e): e is SessionClosedEvent => e.type === 'closed'),
          toArray(),
        ),
      );

      const closing = t.close();
      await Promise.all(streams.map((s) => s.ended));

      const refusedInit = await rawRequest(t.url, {
        headers: MCP_POST_HEADERS,
        body: initializeBody(),
      });
      expect(refusedInit.status).toBe(503);
      expect(refusedInit.json().error.code).toBe(-32000);
      expect(refusedInit.headers['mcp-session-id']).toBeUndefined();
      const refusedCall = await rawRequest(t.url, {
        headers: sessionHeaders(ids[0]),
        body: callSleep(1, 9),
      });
      expect(refusedCall.status).toBe(503);
      const refusedStream = await rawRequest(t.url, {
        method: 'GET',
        headers: sessionHeaders(ids[0]),
      });
      expect(refusedStream.status).toBe(503);

      for (const call of await Promise.all(calls)) {
        expect(call.status).toBe(200);
        expect(sseMessages(call.text).at(-1).result.content[0].text).toBe('slept 400 ms');
      }
      await closing;

      expect(t.manager.count()).toBe(0);
      const reasons = (await closedEvents).map((e) => e.reason);
      expect(reasons).toEqual(['shutdown', 'shutdown', 'shutdown']);
      expect(registry.getIntervals()).not.toContain('McpSessionModule:reaper:/mcp');
      // Sockets and the listener release their handles a few ticks after close() resolves.
      await waitFor(() => {
        const { timers, servers } = handles.pending();
        return timers === 0 && servers === 0;
      }, 3000);
      handles.stop();
    });

    it('answers a call that outlives the grace period with an error for its id, on its stream', async () => {
      const t = await startTestApp({ adapter, options: { shutdownGracePeriod: 0.2 } });
      const id = await openRawSession(t.url);
      const call = rawRequest(t.url, { headers: sessionHeaders(id), body: callSleep(60_000, 7) });
      await waitFor(() => t.manager.get(id)?.inFlightRequests === 1);
      const started = Date.now();
      await t.close();
      // Far below the 10 s default grace period, so that the configured 0.2 s is what applied.
      expect(Date.now() - started).toBeLessThan(5_000);
      const response = await call;
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/text\/event-stream/);
      const answers = sseMessages(response.text).filter((message) => 'id' in message);
      expect(answers).toEqual([
        {
          jsonrpc: '2.0',
          id: 7,
          error: { code: -32000, message: expect.stringMatching(/shut down/) },
        },
      ]);
      expect(t.manager.count()).toBe(0);
    });

    it("fails the SDK client's call at once, not at its own timeout", async () => {
      const t = await startTestApp({ adapter, options: { shutdownGracePeriod: 0.2 } });
      const { client } = await connectClient(t.url);
      const call = client
        .callTool({ name: 'sleep', arguments: { ms: 60_000 } }, undefined, { timeout: 120_000 })
        .then(
          () => undefined,
          (error: unknown) => ({ error, at: performance.now() }),
        );
      await waitFor(() => t.manager.list()[0]?.inFlightRequests === 1);
      const closing = performance.now();
      await t.close();
      const failed = await call;
      expect(failed?.error).toBeInstanceOf(McpError);
      expect((failed?.error as McpError).code).toBe(-32000);
      // A generous bound that a busy machine keeps, far below the call's 120 s timeout.
      expect(failed!.at - closing).toBeLessThan(10_000);
      await client.close();
    });

    it('answers a cut call with an error for its id in JSON-response mode', async () => {
      const t = await startTestApp({
        adapter,
        options: { shutdownGracePeriod: 0.2, jsonResponse: true },
      });
      const id = await openRawSession(t.url);
      const call = rawRequest(t.url, {
        headers: sessionHeaders(id),
        body: callSleep(60_000, 'slow'),
      });
      await waitFor(() => t.manager.get(id)?.inFlightRequests === 1);
      await t.close();
      const response = await call;
      expect(response.status).toBe(200);
      expect(response.json()).toEqual({
        jsonrpc: '2.0',
        id: 'slow',
        error: { code: -32000, message: expect.stringMatching(/shut down/) },
      });
    });

    it('answers a cut call with an error for its id in stateless mode', async () => {
      const t = await startTestApp({
        adapter,
        options: { shutdownGracePeriod: 0.2, stateless: true, sessionIdleTimeout: null },
      });
      const created = serverStats.created;
      const call = rawRequest(t.url, {
        headers: { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2025-11-25' },
        body: callSleep(60_000, 'slow'),
      });
      await waitFor(() => serverStats.created > created);
      await t.close();
      const response = await call;
      expect(response.status).toBe(200);
      expect(sseMessages(response.text).filter((message) => 'id' in message)).toEqual([
        { jsonrpc: '2.0', id: 'slow', error: { code: -32000, message: expect.any(String) } },
      ]);
    });

    it('runs once: a second start of the same manager is refused', async () => {
      const t = await startTestApp({ adapter });
      await expect(t.manager.onModuleInit()).rejects.toThrow(/runs once/);
      await t.close();
      await expect(t.manager.onModuleInit()).rejects.toThrow(/already been shut down.*runs once/);
    });
  });
});
