import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { InMemoryEventStore, type SessionEvent } from '../src/index.js';
import { waitFor } from './support/wait.js';
import { SESSION_TRANSPORTS, startTestApp, type TestApp } from './support/app.js';
import { connectClient, textOf } from './support/client.js';
import {
  sessionHeaders,
  openRawSession,
  openStream,
  rawRequest,
  sseMessages,
} from './support/http.js';
import { serverStats } from './support/test-server.js';

const HIBERNATE_AFTER = 60;
const LATER = () => Date.now() + (HIBERNATE_AFTER + 1) * 1000;

/**
 * Fetch for a client that keeps no standalone GET stream open (an open stream would keep the
 * session awake); resumption GETs with Last-Event-ID still go through.
 */
const fetchWithoutStandaloneStream: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  if (init?.method === 'GET' && !headers.has('last-event-id')) {
    return Promise.resolve(new Response(null, { status: 405 }));
  }
  return fetch(input, init);
};

async function connect(t: TestApp) {
  const connected = await connectClient(t.url, {
    name: 'sleepy-client',
    fetch: fetchWithoutStandaloneStream,
  });
  return { ...connected, sessionId: connected.transport.sessionId! };
}

describe.each(SESSION_TRANSPORTS)('hibernation, %s transport', (transport) => {
  let t: TestApp;
  let store: InMemoryEventStore;
  let events: SessionEvent[];
  let subscription: Subscription;

  beforeAll(async () => {
    store = new InMemoryEventStore();
    t = await startTestApp({
      options: {
        hibernateAfter: HIBERNATE_AFTER,
        reapInterval: 3600,
        eventStore: store,
        transport,
      },
    });
  });
  beforeEach(() => {
    events = [];
    subscription = t.manager.events$.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    subscription.unsubscribe();
    await t.manager.closeAll();
  });
  afterAll(() => t.close());

  const count = (type: SessionEvent['type'], sessionId: string) =>
    events.filter((e) => e.type === type && e.sessionId === sessionId).length;

  it('hibernates a quiet session: the record stays, the server goes', async () => {
    const { client, sessionId } = await connect(t);
    expect(await t.manager.hibernateIdleSessions(Date.now())).toBe(0);
    expect(await t.manager.hibernateIdleSessions(LATER())).toBe(1);
    expect(count('hibernated', sessionId)).toBe(1);
    expect(t.manager.get(sessionId)).toMatchObject({
      hibernated: true,
      protocolVersion: '2025-11-25',
    });
    expect(t.manager.get(sessionId)?.clientInfo?.name).toBe('sleepy-client');
    expect(t.manager.count()).toBe(1);
    await client.close();
  });

  it('rebuilds a server that knows its client is initialized, as the first one did', async () => {
    const { client, sessionId } = await connect(t);
    const before = { ...serverStats };
    expect(await t.manager.hibernate(sessionId)).toBe(true);

    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'awake' } });

    expect(textOf(echoed)).toBe('awake');
    expect(serverStats.created - before.created).toBe(1);
    expect(serverStats.initialized - before.initialized).toBe(1);
    const rebuilt = await client.listTools();
    expect(rebuilt.tools.map((tool) => tool.name)).toContain('echo');
    await client.close();
  });

  it('serves tools, subscriptions, progress and resumption after rehydration', async () => {
    const { client, transport, sessionId } = await connect(t);
    const updates: string[] = [];
    client.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      (n) => void updates.push(n.params.uri),
    );
    await client.subscribeResource({ uri: 'test://watched' });

    expect(await t.manager.hibernate(sessionId)).toBe(true);
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'awake again' } });
    expect(textOf(echoed)).toBe('awake again');
    expect(count('rehydrated', sessionId)).toBe(1);
    expect(transport.sessionId).toBe(sessionId);
    expect(t.manager.get(sessionId)?.hibernated).toBe(false);

    expect(await t.manager.hibernate(sessionId)).toBe(true);
    const touched = await client.callTool({ name: 'touch', arguments: { uri: 'test://watched' } });
    expect(textOf(touched)).toBe('notified');
    expect(updates).toEqual(['test://watched']);

    expect(await t.manager.hibernate(sessionId)).toBe(true);
    const progress: number[] = [];
    const slept = await client.callTool({ name: 'sleep', arguments: { ms: 150 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(textOf(slept)).toBe('slept 150 ms');
    expect(progress.at(-1)).toBe(150);

    expect(await t.manager.hibernate(sessionId)).toBe(true);
    const logs: unknown[] = [];
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void logs.push(n.params.data),
    );
    const resumed = await client.callTool({ name: 'drop-stream', arguments: { text: 'resumed' } });
    expect(textOf(resumed)).toBe('after drop: resumed');
    expect(logs).toContain('before drop');
    expect(count('rehydrated', sessionId)).toBe(4);
    await transport.terminateSession();
    await client.close();
  });

  it('replays, after rehydration, the events of a stream from before hibernation', async () => {
    const sessionId = await openRawSession(t.url);
    const call = await rawRequest(t.url, {
      headers: sessionHeaders(sessionId),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'kept' } },
      }),
    });
    const primingId = /^id: (\S+)/.exec(call.text)![1];
    expect(await t.manager.hibernate(sessionId)).toBe(true);
    expect(store.sessionCount).toBe(1);

    const replay = await openStream(t.url, {
      headers: { ...sessionHeaders(sessionId), 'last-event-id': primingId },
    });
    expect(replay.status).toBe(200);
    const text = await replay.waitFor((received) => received.includes('kept'));
    replay.close();
    expect(sseMessages(text)[0]).toMatchObject({ id: 5, result: { content: [{ text: 'kept' }] } });
    expect(count('rehydrated', sessionId)).toBe(1);
  });

  it('rehydrates once for a burst of 50 concurrent requests', async () => {
    const sessionId = await openRawSession(t.url);
    expect(await t.manager.hibernate(sessionId)).toBe(true);
    const servers = serverStats.created;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        rawRequest(t.url, {
          headers: sessionHeaders(sessionId),
          body: JSON.stringify({ jsonrpc: '2.0', id: 100 + i, method: 'ping' }),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(count('rehydrated', sessionId)).toBe(1);
    expect(serverStats.created - servers).toBe(1);
  });

  it('never hibernates a session with a request in flight or an open GET stream', async () => {
    const sessionId = await openRawSession(t.url);
    const call = rawRequest(t.url, {
      headers: sessionHeaders(sessionId),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'sleep', arguments: { ms: 300 } },
      }),
    });
    await waitFor(() => t.manager.get(sessionId)?.inFlightRequests === 1);
    expect(await t.manager.hibernateIdleSessions(LATER())).toBe(0);
    expect(await t.manager.hibernate(sessionId)).toBe(false);
    expect((await call).status).toBe(200);

    const stream = await openStream(t.url, { headers: sessionHeaders(sessionId) });
    await waitFor(() => t.manager.get(sessionId)?.openStreams === 1);
    expect(await t.manager.hibernateIdleSessions(LATER())).toBe(0);
    stream.close();
    await waitFor(() => t.manager.get(sessionId)?.openStreams === 0);
    expect(await t.manager.hibernateIdleSessions(LATER())).toBe(1);
  });

  it('expires hibernated sessions at the idle timeout and purges their events', async () => {
    const sessionId = await openRawSession(t.url);
    expect(await t.manager.hibernate(sessionId)).toBe(true);
    const closed = firstValueFrom(t.manager.events$.pipe(filter((e) => e.type === 'closed')));
    expect(await t.manager.reapExpiredSessions(Date.now() + 1801 * 1000)).toBe(1);
    expect(await closed).toMatchObject({ sessionId, reason: 'idle' });
    expect(store.sessionCount).toBe(0);
  });

  it('ends a hibernated session on DELETE without rebuilding it', async () => {
    const sessionId = await openRawSession(t.url);
    expect(await t.manager.hibernate(sessionId)).toBe(true);
    const servers = serverStats.created;
    const deleted = await rawRequest(t.url, {
      method: 'DELETE',
      headers: sessionHeaders(sessionId),
    });
    expect(deleted.status).toBe(200);
    expect(serverStats.created).toBe(servers);
    expect(count('closed', sessionId)).toBe(1);
    const after = await rawRequest(t.url, {
      headers: sessionHeaders(sessionId),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(after.status).toBe(404);
  });
});

describe.each(SESSION_TRANSPORTS)(
  'hibernation on the reaper schedule (real time), %s transport',
  (transport) => {
    it('hibernates a quiet session without being asked', async () => {
      const t = await startTestApp({
        options: { hibernateAfter: 0.2, reapInterval: 0.1, transport },
      });
      try {
        const sessionId = await openRawSession(t.url);
        const hibernated = await firstValueFrom(
          t.manager.events$.pipe(
            filter((e) => e.type === 'hibernated' && e.sessionId === sessionId),
          ),
        );
        expect(hibernated.at).toBeInstanceOf(Date);
        expect(t.manager.get(sessionId)?.hibernated).toBe(true);
      } finally {
        await t.close();
      }
    });
  },
);
