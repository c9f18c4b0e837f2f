import { echoedText, echoVia, useCluster } from './support/cluster.js';
import { openRawSession, openStream, sessionHeaders, sseMessages } from './support/http.js';

/**
 * A call that outlives a replica's shutdown grace period, in a cluster on Redis: it gets a
 * JSON-RPC error for its own id, so the client fails fast, wherever the call entered the cluster.
 */

function callSleep(id: string): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'sleep', arguments: { ms: 60_000 } },
  });
}

describe('shutdown grace period in a cluster', () => {
  const cluster = useCluster(3, { MCP_SHUTDOWN_GRACE: '0.3' });

  it("answers a forwarded call that the owner's grace period cuts, through the forwarding replica", async () => {
    const [owner, relay] = cluster().replicas;
    const sessionId = await openRawSession(owner.url);
    const call = await openStream(relay.url, {
      method: 'POST',
      headers: sessionHeaders(sessionId),
      body: callSleep('slow'),
    });
    expect(call.status).toBe(200);
    // The owner sends a priming event as soon as it serves the call (Redis event store).
    await call.waitFor((text) => text.includes('id: '), 10_000);

    const stopped = owner.stop('SIGTERM');
    await call.ended;

    expect(sseMessages(call.text()).filter((message) => 'id' in message)).toEqual([
      { jsonrpc: '2.0', id: 'slow', error: { code: -32000, message: expect.any(String) } },
    ]);
    expect((await stopped).code).toBe(0);
  }, 60_000);

  it('answers a forwarded call cut by the grace period of the replica that forwarded it', async () => {
    const [, owner, relay] = cluster().replicas;
    const sessionId = await openRawSession(owner.url);
    const call = await openStream(relay.url, {
      method: 'POST',
      headers: sessionHeaders(sessionId),
      body: callSleep('relayed'),
    });
    expect(call.status).toBe(200);
    await call.waitFor((text) => text.includes('id: '), 10_000);

    const stopped = relay.stop('SIGTERM');
    await call.ended;

    expect(sseMessages(call.text()).filter((message) => 'id' in message)).toEqual([
      { jsonrpc: '2.0', id: 'relayed', error: { code: -32000, message: expect.any(String) } },
    ]);
    expect((await stopped).code).toBe(0);
    // The session goes on at its owner.
    expect(echoedText(await echoVia(owner.url, sessionId, 'still here'))).toBe('still here');
  }, 60_000);
});
