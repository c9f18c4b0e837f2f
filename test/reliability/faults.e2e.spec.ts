import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { EventId, JsonRpcMessage, StreamId } from '../../src/protocol/json-rpc.js';
import { filter, firstValueFrom } from 'rxjs';
import { z } from 'zod';
import {
  InMemoryEventStore,
  type McpServerFactory,
  type SessionClosedEvent,
  type SessionEventStore,
} from '../../src/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  MCP_POST_HEADERS,
  initializeBody,
  openRawSession,
  openStream,
  rawRequest,
  sseMessages,
  type OpenStream,
  sessionHeaders,
} from '../support/http.js';
import {
  expectJsonRpcError,
  expectReleased,
  postHeaders,
  rawExchange,
  requestHead,
  snapshot,
  toolCall,
  waitUntil,
  withTimeout,
} from '../support/reliability.js';
import { testServerFactory } from '../support/test-server.js';
import { fakeClock } from '../support/wait.js';

/**
 * Injected faults. For each: what the affected request gets, whether its session survives, that
 * other sessions are untouched, and that no timer, socket or connection is left behind.
 */

/** A store that fails on demand, around the default in-memory store. */
class FaultyEventStore implements SessionEventStore {
  readonly inner = new InMemoryEventStore();
  failStore = false;
  failReplay = false;
  failLookup = false;
  failPurge = false;

  storeEvent(sessionId: string, streamId: StreamId, message: JsonRpcMessage): Promise<EventId> {
    if (this.failStore) return Promise.reject(new Error('event store down (store)'));
    return this.inner.storeEvent(sessionId, streamId, message);
  }

  getStreamIdForEventId(sessionId: string, eventId: EventId): Promise<StreamId | undefined> {
    if (this.failLookup) return Promise.reject(new Error('event store down (lookup)'));
    return this.inner.getStreamIdForEventId(sessionId, eventId);
  }

  replayEventsAfter(
    sessionId: string,
    lastEventId: EventId,
    send: (eventId: EventId, message: JsonRpcMessage) => Promise<void>,
  ): Promise<StreamId> {
    if (this.failReplay) return Promise.reject(new Error('event store down (replay)'));
    return this.inner.replayEventsAfter(sessionId, lastEventId, send);
  }

  purgeSession(sessionId: string): Promise<void> {
    if (this.failPurge) return Promise.reject(new Error('event store down (purge)'));
    return this.inner.purgeSession(sessionId);
  }

  reset(): void {
    this.failStore = this.failReplay = this.failLookup = this.failPurge = false;
  }
}

/** Set to make the next server factory calls fail. */
const factoryFault = { mode: 'none' as 'none' | 'throw' | 'reject' };

/** The test server, plus tools that fail in the ways a real handler can. */
const faultyFactory: McpServerFactory = async (context) => {
  if (factoryFault.mode === 'throw') throw new Error('factory exploded');
  if (factoryFault.mode === 'reject') {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('factory rejected');
  }
  const server = (await testServerFactory(context)) as McpServer;
  server.registerTool('boom', { inputSchema: {} }, () => {
    throw new Error('tool exploded');
  });
  server.registerTool('boom-async', { inputSchema: {} }, async () => {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('tool rejected');
  });
  // Never settles, and ignores cancellation.
  server.registerTool('hang', { inputSchema: {} }, () => new Promise<never>(() => undefined));
  server.registerPrompt('bad-prompt', { argsSchema: { topic: z.string() } }, () => {
    throw new Error('prompt exploded');
  });
  return server;
};

const V = '2025-11-25';
const OLD = '2025-06-18';

/** Opens a session at `version` (with the initialized notification). */
async function openSessionAt(url: string, version: string): Promise<string> {
  const init = await rawRequest(url, { headers: MCP_POST_HEADERS, body: initializeBody(version) });
  expect(init.status).toBe(200);
  const id = init.headers['mcp-session-id'] as string;
  const notified = await rawRequest(url, {
    headers: sessionHeaders(id, { 'mcp-protocol-version': version }),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(notified.status).toBe(202);
  return id;
}

async function echo(url: string, sessionId: string, text: string, version = V): Promise<string> {
  const res = await rawRequest(url, {
    headers: sessionHeaders(sessionId, { 'mcp-protocol-version': version }),
    body: toolCall('echo', { text }, 1000),
  });
  expect(res.status).toBe(200);
  return sseMessages(res.text).at(-1).result.content[0].text;
}

function lastEventId(text: string): string {
  return [...text.matchAll(/^id: (\S+)$/gm)].at(-1)![1];
}

describe('injected faults', () => {
  let t: TestApp;
  let store: FaultyEventStore;
  /** A session with an open GET stream that no fault may disturb. */
  let bystander: string;
  let bystanderStream: OpenStream;
  let bystanderEnded = false;

  beforeAll(async () => {
    store = new FaultyEventStore();
    t = await startTestApp({
      factory: faultyFactory,
      options: { eventStore: store, shutdownGracePeriod: 1 },
    });
    bystander = await openRawSession(t.url);
    bystanderStream = await openStream(t.url, { headers: sessionHeaders(bystander) });
    expect(bystanderStream.status).toBe(200);
    void bystanderStream.ended.then(() => (bystanderEnded = true));
  });

  afterEach(async () => {
    store.reset();
    factoryFault.mode = 'none';
    // Other sessions are untouched: the bystander's stream is open and it still serves calls.
    expect(bystanderEnded).toBe(false);
    expect(t.manager.get(bystander)?.openStreams).toBe(1);
    expect(await echo(t.url, bystander, 'unharmed')).toBe('unharmed');
    for (const session of t.manager.list()) {
      if (session.id !== bystander) await t.manager.close(session.id);
    }
  });

  afterAll(async () => {
    bystanderStream.close();
    await t.close();
  });

  describe('client disconnects', () => {
    it('mid-body: the session survives, nothing is held', async () => {
      const id = await openRawSession(t.url);
      const before = await snapshot(t);
      const body = toolCall('echo', { text: 'never finished' });
      const res = await rawExchange(
        t.url,
        requestHead(t.url, 'POST', postHeaders(body, [['Mcp-Session-Id', id]])),
        { chunks: [body.slice(0, 10), body.slice(10, 20)], gapMs: 20, abortAfterWrite: true },
      );
      expect(res.status).toBe(0);
      await expectReleased(t, before);
      expect(t.manager.get(id)?.inFlightRequests).toBe(0);
      expect(await echo(t.url, id, 'after')).toBe('after');
    });

    it('mid-SSE-response: the call completes and its result is replayed on resume', async () => {
      const id = await openRawSession(t.url);
      const before = await snapshot(t);
      const call = await openStream(t.url, {
        method: 'POST',
        headers: sessionHeaders(id),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'cut',
          method: 'tools/call',
          params: { name: 'sleep', arguments: { ms: 600 }, _meta: { progressToken: 'p' } },
        }),
      });
      await call.waitFor((text) => text.includes('notifications/progress'));
      const resumeFrom = lastEventId(call.text());
      call.close();
      await waitUntil(() => t.manager.get(id)?.inFlightRequests === 0);

      // The handler goes on; what it sends meanwhile is stored, and replayed or delivered live.
      const resumed = await openStream(t.url, {
        headers: sessionHeaders(id, { 'last-event-id': resumeFrom }),
      });
      expect(resumed.status).toBe(200);
      await resumed.waitFor((text) => text.includes('slept 600 ms'));
      resumed.close();
      await waitUntil(() => t.manager.get(id)?.openStreams === 0);
      await expectReleased(t, before);
    });

    it('mid-SSE-response of a non-resumable (2025-06-18) client: the session survives', async () => {
      const id = await openSessionAt(t.url, OLD);
      const before = await snapshot(t);
      const call = await openStream(t.url, {
        method: 'POST',
        headers: sessionHeaders(id, { 'mcp-protocol-version': OLD }),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'sleep', arguments: { ms: 300 }, _meta: { progressToken: 'p' } },
        }),
      });
      await call.waitFor((text) => text.includes('notifications/progress'));
      call.close();
      await waitUntil(() => t.manager.get(id)?.inFlightRequests === 0);
      // Past the handler's end: its undeliverable result must not break the session.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await echo(t.url, id, 'still served', OLD)).toBe('still served');
      await expectReleased(t, before);
    });

    it('mid-GET-stream: the stream slot is freed, and a new GET may open', async () => {
      const id = await openRawSession(t.url);
      const before = await snapshot(t);
      const stream = await openStream(t.url, { headers: sessionHeaders(id) });
      expect(stream.status).toBe(200);
      expect(t.manager.get(id)?.openStreams).toBe(1);
      stream.close();
      await waitUntil(() => t.manager.get(id)?.openStreams === 0);
      await expectReleased(t, before);
      const again = await openStream(t.url, { headers: sessionHeaders(id) });
      expect(again.status).toBe(200);
      again.close();
      await waitUntil(() => t.manager.get(id)?.openStreams === 0);
      await expectReleased(t, before);
    });
  });

  describe('handlers that fail', () => {
    it.each(['boom', 'boom-async'])(
      'a tool that throws (%s) gets an error result; the session survives',
      async (tool) => {
        const id = await openRawSession(t.url);
        const before = await snapshot(t);
        const res = await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: toolCall(tool, {}, 3),
        });
        expect(res.status).toBe(200);
        const reply = sseMessages(res.text).at(-1);
        expect(reply).toMatchObject({ id: 3, result: { isError: true } });
        expect(reply.result.content[0].text).toMatch(/tool (exploded|rejected)/);
        expect(await echo(t.url, id, 'next')).toBe('next');
        await expectReleased(t, before);
      },
    );

    it('a prompt that throws gets a JSON-RPC error; the session survives', async () => {
      const id = await openRawSession(t.url);
      const res = await rawRequest(t.url, {
        headers: sessionHeaders(id),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 4,
          method: 'prompts/get',
          params: { name: 'bad-prompt', arguments: { topic: 'x' } },
        }),
      });
      expect(res.status).toBe(200);
      expect(sseMessages(res.text).at(-1)).toMatchObject({
        id: 4,
        error: { code: expect.any(Number), message: expect.stringMatching(/prompt exploded/) },
      });
      expect(await echo(t.url, id, 'next')).toBe('next');
    });

    it('a tool that never returns holds only its own request; the client can walk away', async () => {
      const id = await openRawSession(t.url);
      const before = await snapshot(t);
      const call = await openStream(t.url, {
        method: 'POST',
        headers: sessionHeaders(id),
        body: toolCall('hang', {}, 5),
      });
      await waitUntil(() => t.manager.get(id)?.inFlightRequests === 1);
      // The session keeps serving other requests meanwhile.
      expect(await echo(t.url, id, 'concurrent')).toBe('concurrent');
      call.close();
      await waitUntil(() => t.manager.get(id)?.inFlightRequests === 0);
      expect(await echo(t.url, id, 'after')).toBe('after');
      await expectReleased(t, before);
    });

    it('a tool that never returns is ended by DELETE; the session is cleaned up', async () => {
      const id = await openRawSession(t.url);
      const before = await snapshot(t);
      const call = await openStream(t.url, {
        method: 'POST',
        headers: sessionHeaders(id),
        body: toolCall('hang', {}, 6),
      });
      await waitUntil(() => t.manager.get(id)?.inFlightRequests === 1);
      const deleted = await rawRequest(t.url, { method: 'DELETE', headers: sessionHeaders(id) });
      expect(deleted.status).toBe(200);
      await withTimeout(call.ended, 5000, 'the hanging call was not ended by DELETE');
      expect(t.manager.get(id)).toBeUndefined();
      expect(store.inner.sessionCount).toBe(1); // the bystander's
      await expectReleased(t, before);
    });
  });

  describe('a server factory that fails', () => {
    it.each(['throw', 'reject'] as const)(
      'a factory that fails (%s) gets 500 and leaves nothing behind',
      async (mode) => {
        const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
        const before = await snapshot(t, store.inner);
        factoryFault.mode = mode;
        for (let i = 0; i < 3; i++) {
          const res = await rawRequest(t.url, {
            headers: MCP_POST_HEADERS,
            body: initializeBody(),
          });
          expectJsonRpcError({ status: res.status, body: res.text }, 500, -32603);
          expect(res.headers['mcp-session-id']).toBeUndefined();
        }
        expect(t.manager.count()).toBe(before.sessions);
        expect(store.inner.sessionCount).toBe(before.storedSessions);
        await expectReleased(t, before);
        factoryFault.mode = 'none';
        expect(errors).toHaveBeenCalledTimes(3);
        errors.mockRestore();
        const id = await openRawSession(t.url);
        expect(await echo(t.url, id, 'recovered')).toBe('recovered');
      },
    );
  });

  describe('an event store that fails', () => {
    it('on store, during initialize: either a session the client knows of, or none', async () => {
      const before = await snapshot(t);
      store.failStore = true;
      const res = await withTimeout(
        rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() }),
        5000,
        'initialize never answered',
      );
      const issued = res.headers['mcp-session-id'] as string | undefined;
      if (issued) {
        expect(res.status).toBe(200);
        expect(t.manager.count()).toBe(before.sessions + 1);
        expect(t.manager.get(issued)).toBeDefined();
      } else {
        // No orphan: a session whose id nobody was told would live until it expires.
        expect(t.manager.list().map((s) => s.id)).toEqual([bystander]);
        // A server fault, not the client's: 5xx.
        expect(res.status).toBeGreaterThanOrEqual(500);
        expectJsonRpcError({ status: res.status, body: res.text }, res.status);
      }
    });

    it.each([
      ['2025-11-25', V],
      ['2025-06-18', OLD],
    ])(
      'on store, during a call (%s client): the call is answered, the session survives',
      async (_name, version) => {
        const id = await openSessionAt(t.url, version);
        store.failStore = true;
        const res = await withTimeout(
          rawRequest(t.url, {
            headers: sessionHeaders(id, { 'mcp-protocol-version': version }),
            body: toolCall('echo', { text: 'unstored' }, 8),
          }),
          5000,
          'the call was never answered',
        );
        // Delivered without resumability, or refused as the server's fault; never blamed on the
        // client (4xx) and never left hanging.
        if (res.status === 200) {
          expect(sseMessages(res.text).at(-1)).toMatchObject({ id: 8, result: {} });
        } else {
          expect(res.status).toBeGreaterThanOrEqual(500);
          expectJsonRpcError({ status: res.status, body: res.text }, res.status);
        }
        store.failStore = false;
        expect(t.manager.get(id)).toBeDefined();
        expect(await echo(t.url, id, 'store back', version)).toBe('store back');
      },
    );

    it.each([
      ['replay', 'failReplay'],
      ['lookup', 'failLookup'],
    ] as const)('on %s: the resuming GET gets 500, the session survives', async (_name, flag) => {
      const id = await openRawSession(t.url);
      const res = await rawRequest(t.url, {
        headers: sessionHeaders(id),
        body: toolCall('echo', { text: 'to replay' }, 9),
      });
      const eventId = lastEventId(res.text);
      const before = await snapshot(t);
      store[flag] = true;
      const replay = await rawRequest(t.url, {
        method: 'GET',
        headers: sessionHeaders(id, { 'last-event-id': eventId }),
      });
      expectJsonRpcError({ status: replay.status, body: replay.text }, 500, -32000);
      await expectReleased(t, before);
      expect(t.manager.get(id)?.openStreams).toBe(0);
      store[flag] = false;
      const stream = await openStream(t.url, {
        headers: sessionHeaders(id, { 'last-event-id': eventId }),
      });
      expect(stream.status).toBe(200);
      stream.close();
      await waitUntil(() => t.manager.get(id)?.openStreams === 0);
    });

    it('on purge: DELETE still ends the session', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const id = await openRawSession(t.url);
        store.failPurge = true;
        const closed = firstValueFrom(
          t.manager.events$.pipe(
            filter((e): e is SessionClosedEvent => e.type === 'closed' && e.sessionId === id),
          ),
        );
        const res = await rawRequest(t.url, { method: 'DELETE', headers: sessionHeaders(id) });
        expect(res.status).toBe(200);
        expect((await closed).reason).toBe('deleted');
        expect(t.manager.get(id)).toBeUndefined();
        const after = await rawRequest(t.url, {
          headers: sessionHeaders(id),
          body: toolCall('echo', { text: 'x' }),
        });
        expect(after.status).toBe(404);
        expect(warn.mock.calls.some(([message]) => /purg/i.test(String(message)))).toBe(true);
      } finally {
        warn.mockRestore();
      }
    });
  });
});

describe('a server factory that fails, at the session cap', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ factory: faultyFactory, options: { maxSessions: 2 } });
  });
  afterAll(async () => {
    factoryFault.mode = 'none';
    await t.close();
  });

  it('releases the slot of every failed initialize', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      for (const mode of ['throw', 'reject', 'throw', 'reject', 'throw'] as const) {
        factoryFault.mode = mode;
        const res = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
        expect(res.status).toBe(500);
      }
    } finally {
      factoryFault.mode = 'none';
      errors.mockRestore();
    }
    await openRawSession(t.url);
    await openRawSession(t.url);
    const full = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
    expect(full.status).toBe(503);
    expect(t.manager.count()).toBe(2);
  });
});

describe('a reaper tick that throws', () => {
  const IDLE_SECONDS = 60;
  const REAP_SECONDS = 5;
  let t: TestApp;

  beforeEach(async () => {
    fakeClock();
    t = await startTestApp({
      options: { sessionIdleTimeout: IDLE_SECONDS, reapInterval: REAP_SECONDS },
    });
  });

  afterEach(async () => {
    await t.close();
    jest.useRealTimers();
  });

  it('is logged, the next tick reaps, and expiry is still enforced on arrival meanwhile', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const a = await openRawSession(t.url);
      const b = await openRawSession(t.url);
      await jest.advanceTimersByTimeAsync((IDLE_SECONDS - REAP_SECONDS) * 1000);
      expect(t.manager.count()).toBe(2);

      const reap = jest.spyOn(t.manager, 'reapExpiredSessions');
      reap.mockImplementationOnce(() => {
        throw new Error('reaper tick exploded');
      });
      reap.mockImplementationOnce(() => Promise.reject(new Error('reaper tick rejected')));
      await jest.advanceTimersByTimeAsync(2 * REAP_SECONDS * 1000);
      expect(reap).toHaveBeenCalledTimes(2);
      // Both sessions are past their idle timeout, but the failed ticks closed neither.
      expect(t.manager.count()).toBe(2);
      const failures = errors.mock.calls.filter(([message]) =>
        /Reaping idle sessions failed/.test(String(message)),
      );
      expect(failures).toHaveLength(2);

      // A request to an expired session is refused even while the reaper is failing.
      const late = await rawRequest(t.url, {
        headers: sessionHeaders(a),
        body: toolCall('echo', { text: 'x' }),
      });
      expect(late.status).toBe(404);
      expect(t.manager.get(a)).toBeUndefined();

      // The next tick runs the real sweep.
      await jest.advanceTimersByTimeAsync(REAP_SECONDS * 1000);
      expect(reap).toHaveBeenCalledTimes(3);
      expect(t.manager.get(b)).toBeUndefined();
      expect(t.manager.count()).toBe(0);
    } finally {
      errors.mockRestore();
    }
  });
});
