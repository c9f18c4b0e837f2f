import {
  CreateMessageRequestSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { connectClient, textOf } from './support/client.js';
import { keysOf, ownerOf, rotatingFetch, useCluster } from './support/cluster.js';
import {
  MCP_POST_HEADERS,
  openRawSession,
  openStream,
  rawRequest,
  sessionHeaders,
} from './support/http.js';
import { waitUntil } from './support/reliability.js';

const WATCHED = 'test://watched-resource';

describe('sessions across replicas on Redis', () => {
  const cluster = useCluster(3);
  let urls: string[];

  beforeAll(() => {
    urls = cluster().replicas.map((replica) => replica.url);
  });

  /**
   * A client whose session opens on the first replica and whose every later request goes to the
   * other two in turn: no request after `initialize` reaches the replica that holds the session.
   */
  async function clientAwayFromOwner(clientOptions = {}) {
    const fetchFn = rotatingFetch([urls[1], urls[2]], urls[0]);
    const connected = await connectClient(urls[0], { fetch: fetchFn, capabilities: clientOptions });
    return { ...connected, targets: fetchFn.targets };
  }

  it('serves tools/call and resources/read when consecutive requests land on different replicas', async () => {
    const fetchFn = rotatingFetch(urls);
    const { client, transport } = await connectClient(urls[0], { fetch: fetchFn });
    const sessionId = transport.sessionId!;
    for (let i = 0; i < 6; i++) {
      const result = await client.callTool({ name: 'echo', arguments: { text: `call ${i}` } });
      expect(textOf(result)).toBe(`call ${i}`);
    }
    const read = await client.readResource({ uri: 'test://static-text' });
    expect(read.contents[0]).toMatchObject({ uri: 'test://static-text' });
    expect(new Set(fetchFn.targets.map((target) => target.origin))).toEqual(new Set(urls));
    expect(transport.sessionId).toBe(sessionId);
    // One replica holds the session's server; the others forwarded to it.
    const owner = await ownerOf(cluster(), sessionId);
    expect(cluster().replicas.map((replica) => replica.replicaId)).toContain(owner);
    await client.close();
  });

  it('delivers the response to a server-to-client request that lands on another replica', async () => {
    const { client, targets } = await clientAwayFromOwner({ capabilities: { sampling: {} } });
    let sampled = 0;
    client.setRequestHandler(CreateMessageRequestSchema, () => {
      sampled++;
      return {
        model: 'test-model',
        role: 'assistant' as const,
        content: { type: 'text' as const, text: 'sampled answer' },
      };
    });
    const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
    expect(textOf(result)).toBe('LLM response: sampled answer');
    expect(sampled).toBe(1);
    // The call and the response to the sampling request went to the two other replicas.
    const origins = targets.map((target) => target.origin);
    expect(origins).toContain(urls[1]);
    expect(origins).toContain(urls[2]);
    await client.close();
  });

  it('carries standalone-stream notifications across replicas, and allows one GET stream per session', async () => {
    const { client, transport } = await clientAwayFromOwner();
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updates.push(notification.params.uri);
    });
    await client.subscribeResource({ uri: WATCHED });
    // The resource changes every 3 s; the update goes out on the GET stream the client opened
    // through another replica than the owner.
    await waitUntil(() => updates.length > 0, 10_000, 'no resource update arrived');
    expect(updates[0]).toBe(WATCHED);

    const headers = sessionHeaders(transport.sessionId!);
    for (const url of urls) {
      const second = await rawRequest(url, { method: 'GET', headers });
      expect(second.status).toBe(409);
      expect(second.json().error.message).toMatch(/Only one SSE stream/);
    }
    await client.close();
  }, 20_000);

  it('resumes a dropped stream with Last-Event-ID on another replica', async () => {
    const { client, targets } = await clientAwayFromOwner();
    const result = await client.callTool({ name: 'test_reconnection', arguments: {} });
    expect(textOf(result)).toMatch(/result arrived after the stream was closed/);
    // The client resumed with a GET carrying Last-Event-ID, on a replica that does not hold the
    // session (every request after initialize goes to one of those).
    const resumptions = targets.filter((t) => t.method === 'GET' && t.lastEventId !== null);
    expect(resumptions.length).toBeGreaterThan(0);
    expect([urls[1], urls[2]]).toContain(resumptions[0].origin);
    await client.close();
  });

  it('ends a session with DELETE from any replica: 404 everywhere after, nothing left in Redis', async () => {
    const sessionId = await openRawSession(urls[0]);
    const headers = sessionHeaders(sessionId);
    expect((await keysOf(cluster(), sessionId)).length).toBeGreaterThan(0);
    const deleted = await rawRequest(urls[2], { method: 'DELETE', headers });
    expect(deleted.status).toBe(200);
    for (const url of urls) {
      const after = await rawRequest(url, {
        headers: { ...MCP_POST_HEADERS, ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(after.status).toBe(404);
      expect(after.json().error.code).toBe(-32001);
    }
    expect(await keysOf(cluster(), sessionId)).toEqual([]);
  });

  it('keeps one GET stream per session when the stream is open on another replica', async () => {
    const sessionId = await openRawSession(urls[0]);
    const headers = sessionHeaders(sessionId);
    const stream = await openStream(urls[1], { headers });
    expect(stream.status).toBe(200);
    const second = await rawRequest(urls[2], { method: 'GET', headers });
    expect(second.status).toBe(409);
    stream.close();
    await rawRequest(urls[0], { method: 'DELETE', headers });
  });
});

describe('sessions across replicas on Redis, on Fastify', () => {
  const cluster = useCluster(2, { MCP_HTTP_ADAPTER: 'fastify' });

  it('serves a session opened on one replica through requests that all reach the other', async () => {
    const [first, second] = cluster().replicas.map((replica) => replica.url);
    const fetchFn = rotatingFetch([second], first);
    const { client, transport } = await connectClient(first, { fetch: fetchFn });
    const sessionId = transport.sessionId!;
    const result = await client.callTool({ name: 'echo', arguments: { text: 'forwarded' } });
    expect(textOf(result)).toBe('forwarded');
    // The call reached the second replica, which forwarded it to the first, the session's owner.
    expect(fetchFn.targets.map((target) => target.origin)).toContain(second);
    expect(await ownerOf(cluster(), sessionId)).toBe(cluster().replicas[0].replicaId);
    await transport.terminateSession();
    expect(await keysOf(cluster(), sessionId)).toEqual([]);
  });
});
