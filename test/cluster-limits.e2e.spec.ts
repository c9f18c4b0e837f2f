import { echoedText, echoVia, useCluster } from './support/cluster.js';
import {
  initializeBody,
  MCP_POST_HEADERS,
  openRawSession,
  openStream,
  rawRequest,
  sessionHeaders,
} from './support/http.js';
import { waitUntil } from './support/reliability.js';

describe('cluster-wide limits and expiry', () => {
  const cluster = useCluster(2, {
    MCP_MAX_SESSIONS: '3',
    MCP_SESSION_IDLE_TIMEOUT: '3',
    MCP_REAP_INTERVAL: '1',
  });

  const deadlines = () => cluster().inspector.zcard(`${cluster().redis.keyPrefix}deadlines`);

  it('counts maxSessions over the cluster, and reaps each idle session exactly once', async () => {
    const [a, b] = cluster().replicas;
    const ids = [
      await openRawSession(a.url),
      await openRawSession(a.url),
      await openRawSession(b.url),
    ];
    const refused = await rawRequest(b.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
    expect(refused.status).toBe(503);
    expect(refused.json().error.message).toMatch(/maximum of 3 sessions/);

    await waitUntil(async () => (await deadlines()) === 0, 20_000, 'sessions were not reaped');
    // Both replicas sweep every second; each session is closed by one of them, once.
    await waitUntil(
      () => ids.every((id) => cluster().replicas.some((r) => r.output().includes(`${id} closed`))),
      5_000,
      'a reaped session was not reported closed',
    );
    const output = cluster()
      .replicas.map((replica) => replica.output())
      .join('\n');
    for (const id of ids) {
      expect(output.match(new RegExp(`session ${id} closed \\(idle\\)`, 'g'))).toHaveLength(1);
      expect((await echoVia(b.url, id, 'late')).status).toBe(404);
    }
    expect(await cluster().inspector.keys(`${cluster().redis.keyPrefix}session:*`)).toEqual([]);

    const reopened = await rawRequest(b.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
    expect(reopened.status).toBe(200);
  }, 40_000);

  it('does not expire a session whose stream stays open past the idle timeout on another replica', async () => {
    const [a, b] = cluster().replicas;
    const id = await openRawSession(a.url);
    const headers = sessionHeaders(id);
    const stream = await openStream(b.url, { headers });
    expect(stream.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const call = await echoVia(b.url, id, 'still here');
    expect(call.status).toBe(200);
    expect(echoedText(call)).toBe('still here');
    stream.close();
  }, 20_000);
});
