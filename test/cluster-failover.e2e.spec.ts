import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startSample } from '../scripts/soak-lib.mjs';
import { connectClient, textOf } from './support/client.js';
import { echoedText, echoVia, ownerOf, rotatingFetch, useCluster } from './support/cluster.js';
import {
  initializeBody,
  MCP_POST_HEADERS,
  openRawSession,
  openStream,
  rawRequest,
  sessionHeaders,
  sseMessages,
} from './support/http.js';
import { toolCall, waitUntil } from './support/reliability.js';

const WATCHED = 'test://watched-resource';

describe('a cluster that loses a replica', () => {
  const cluster = useCluster(3);

  it('goes on serving the session on the other replicas after SIGKILL of its replica, state included', async () => {
    const [dead, ...survivors] = cluster().replicas;
    // initialize goes to the replica that will die, so that it holds the session.
    const fetchFn = rotatingFetch(
      survivors.map((replica) => replica.url),
      dead.url,
    );
    const { client, transport } = await connectClient(dead.url, { fetch: fetchFn });
    const sessionId = transport.sessionId!;
    const updates: number[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => {
      updates.push(Date.now());
    });
    await client.subscribeResource({ uri: WATCHED });
    expect(await ownerOf(cluster(), sessionId)).toBe(dead.replicaId);

    // A call that completed on the dying replica, sent through a survivor: its events are in
    // Redis, with their ids.
    const logged = await rawRequest(survivors[0].url, {
      headers: { ...MCP_POST_HEADERS, ...sessionHeaders(sessionId) },
      body: toolCall('test_tool_with_logging', {}, 'logged'),
    });
    const eventIds = [...logged.text.matchAll(/^id: (.+)$/gm)].map((match) => match[1]);
    expect(eventIds.length).toBeGreaterThanOrEqual(4);

    // A call in flight on the dying replica, sent through a survivor.
    const inFlight = rawRequest(survivors[0].url, {
      headers: { ...MCP_POST_HEADERS, ...sessionHeaders(sessionId) },
      body: toolCall('sleep', { ms: 5_000 }, 'in-flight'),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    dead.child.kill('SIGKILL');
    await dead.exited;
    const killedAt = Date.now();

    const result = await client.callTool({ name: 'echo', arguments: { text: 'after the kill' } });
    expect(textOf(result)).toBe('after the kill');
    expect(transport.sessionId).toBe(sessionId);
    const newOwner = await ownerOf(cluster(), sessionId);
    expect(survivors.map((replica) => replica.replicaId)).toContain(newOwner);

    // The subscription lived in the session's state: the new owner's server keeps sending updates.
    await waitUntil(
      () => updates.some((at) => at > killedAt),
      15_000,
      'no resource update after the failover',
    );

    // The completed call's stream resumes on a survivor, from the event store on Redis.
    const resumed = await openStream(survivors[1].url, {
      headers: { ...sessionHeaders(sessionId), 'last-event-id': eventIds[1] },
    });
    expect(resumed.status).toBe(200);
    const replayed = await resumed.waitFor((text) => text.includes('"id":"logged"'));
    expect(replayed).toContain('Tool execution completed');
    expect(replayed).not.toContain('Tool execution started');
    resumed.close();

    // What was in flight on the dead replica is lost: its stream ends without a result.
    const lost = await inFlight;
    expect(lost.status).toBe(200);
    expect(sseMessages(lost.text).some((message) => message.id === 'in-flight')).toBe(false);
    await client.close();
  }, 40_000);

  it('hands the sessions of a replica that shuts down to the others at once, state included', async () => {
    const [, holder, other] = cluster().replicas;
    const sessionId = await openRawSession(holder.url);
    const headers = { ...MCP_POST_HEADERS, ...sessionHeaders(sessionId) };
    const subscribe = await rawRequest(other.url, {
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'subscribe',
        method: 'resources/subscribe',
        params: { uri: WATCHED },
      }),
    });
    expect(subscribe.status).toBe(200);
    expect(await ownerOf(cluster(), sessionId)).toBe(holder.replicaId);

    expect((await holder.stop('SIGTERM')).code).toBe(0);
    expect(holder.output()).toContain(`session ${sessionId} released`);
    expect(await ownerOf(cluster(), sessionId)).toBe('');
    const state = await cluster().inspector.hget(
      `${cluster().redis.keyPrefix}session:${sessionId}`,
      'state',
    );
    expect(JSON.parse(state!)).toMatchObject({ subscriptions: [WATCHED] });

    expect(echoedText(await echoVia(other.url, sessionId, 'moved'))).toBe('moved');
    expect(await ownerOf(cluster(), sessionId)).toBe(other.replicaId);
    expect(other.output()).toContain(`session ${sessionId} rehydrated`);
  }, 30_000);
});

describe('a replica that stalls past its heartbeat', () => {
  const cluster = useCluster(2);

  it('loses its sessions to the replica that took them over, and never serves them again', async () => {
    const [stalled, other] = cluster().replicas;
    const sessionId = await openRawSession(stalled.url);
    const echo = async (url: string, text: string) => {
      const reply = await echoVia(url, sessionId, text);
      expect(reply.status).toBe(200);
      expect(echoedText(reply)).toBe(text);
    };

    // A pause longer than the heartbeat's lifetime, as a long GC pause or a partition gives.
    stalled.child.kill('SIGSTOP');
    try {
      await waitUntil(
        async () =>
          (await cluster().inspector.exists(
            `${cluster().redis.keyPrefix}replica:${stalled.replicaId}`,
          )) === 0,
        10_000,
        'the stalled replica still looked alive',
      );
      await echo(other.url, 'taken over');
      expect(await ownerOf(cluster(), sessionId)).toBe(other.replicaId);
    } finally {
      stalled.child.kill('SIGCONT');
    }

    // Back, the stalled replica lets the session go and forwards its requests to the new owner.
    await waitUntil(
      () => stalled.output().includes(`session ${sessionId} released`),
      10_000,
      'the stalled replica kept the session',
    );
    await echo(stalled.url, 'through the new owner');
    expect(await ownerOf(cluster(), sessionId)).toBe(other.replicaId);
  }, 30_000);
});

describe('a cluster whose Redis goes away', () => {
  const cluster = useCluster(2);

  it('answers 503 rather than hanging, on every replica once the holder cannot renew its heartbeat', async () => {
    const [holder, other] = cluster().replicas;
    const sessionId = await openRawSession(holder.url);
    await cluster().redis.stop();

    const startedAt = Date.now();
    const elsewhere = await echoVia(other.url, sessionId, 'x');
    expect(elsewhere.status).toBe(503);
    expect(elsewhere.json().error.message).toMatch(/session store does not answer/);
    expect(elsewhere.headers['retry-after']).toBe('1');
    const opening = await rawRequest(other.url, {
      headers: MCP_POST_HEADERS,
      body: initializeBody(),
    });
    expect(opening.status).toBe(503);
    expect(Date.now() - startedAt).toBeLessThan(10_000);

    // The holder stops serving the session once its heartbeat would have expired: another replica
    // could take it over from then on.
    let held: Awaited<ReturnType<typeof rawRequest>> | undefined;
    await waitUntil(
      async () => {
        held = await echoVia(holder.url, sessionId, 'held');
        return held.status !== 200;
      },
      10_000,
      'the holder kept serving without a heartbeat',
    );
    expect(held!.status).toBe(503);
    expect(held!.json().error.message).toMatch(/session store does not answer/);
  }, 30_000);
});

describe('a replica configured with an unreachable Redis', () => {
  it('fails at startup with an error naming the URL', async () => {
    await expect(
      startSample({ env: { MCP_SESSION_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' } }),
    ).rejects.toThrow(/could not reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
