import { openSession, post, startSample, type RunningSample } from '../../scripts/soak-lib.mjs';
import { openStream, sessionHeaders, sseMessages, type OpenStream } from '../support/http.js';
import { withTimeout } from '../support/reliability.js';

/**
 * SIGTERM to the built sample while 100 sessions hold open GET streams and 22 `sleep` calls are in
 * flight: 20 shorter than the grace period, 2 far longer. New work is refused (503, or connection
 * refused once the listener has closed), the 20 short calls complete with their results, the 2
 * long ones are cut at the grace period with a JSON-RPC error for their ids, and the process exits 0 within grace + 2 s without
 * logging an unhandled error.
 */

const GRACE_SECONDS = 5;
const STREAMS = 100;
const SHORT_CALLS = 20;

function sleepCall(ms: number, id: number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'sleep', arguments: { ms }, _meta: { progressToken: `p${id}` } },
  });
}

/** A status, or the network error code when the listener is gone. */
async function attempt(request: () => Promise<{ status: number }>): Promise<number | string> {
  try {
    return (await request()).status;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

describe('shutdown under load', () => {
  let sample: RunningSample | undefined;
  const open: OpenStream[] = [];

  afterAll(async () => {
    for (const stream of open) stream.close();
    await sample?.stop('SIGKILL');
  });

  it(`drains ${STREAMS} GET streams and ${SHORT_CALLS} calls, then exits 0 within grace + 2 s`, async () => {
    sample = await startSample({ env: { MCP_SHUTDOWN_GRACE: String(GRACE_SECONDS) } });
    const url = sample.url;

    const ids: string[] = [];
    for (let batch = 0; batch < STREAMS / 20; batch++) {
      ids.push(...(await Promise.all(Array.from({ length: 20 }, () => openSession(url)))));
    }
    const streams = await Promise.all(
      ids.map((id) => openStream(url, { headers: sessionHeaders(id) })),
    );
    open.push(...streams);
    expect(streams.map((s) => s.status)).toEqual(ids.map(() => 200));

    // 20 calls of 1.0–2.9 s, well inside the grace period, and 2 of 60 s, far outside it.
    const shortMs = Array.from({ length: SHORT_CALLS }, (_, i) => 1000 + i * 100);
    const calls = await Promise.all(
      [...shortMs, 60_000, 60_000].map((ms, i) =>
        openStream(url, {
          method: 'POST',
          headers: sessionHeaders(ids[i]),
          body: sleepCall(ms, i),
        }),
      ),
    );
    open.push(...calls);
    expect(calls.map((c) => c.status)).toEqual(calls.map(() => 200));
    // Each call is in flight once its priming event has arrived.
    await Promise.all(calls.map((c) => c.waitFor((text) => text.startsWith('id: '), 10_000)));

    const signalled = Date.now();
    sample.child.kill('SIGTERM');

    // The drain ends every standalone stream at once.
    await withTimeout(
      Promise.all(streams.map((s) => s.ended)),
      GRACE_SECONDS * 1000,
      'the GET streams were not ended by the drain',
    );

    // New work is refused: 503 while draining, or no listener at all once it has closed.
    const refused = [
      await attempt(() =>
        post(url, {
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion: '2025-11-25',
              capabilities: {},
              clientInfo: { name: 'late', version: '1' },
            },
          }),
        }),
      ),
      await attempt(() =>
        post(url, {
          headers: sessionHeaders(ids[STREAMS - 1]),
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'echo', arguments: { text: 'late' } },
          }),
        }),
      ),
      await attempt(() => post(url, { method: 'GET', headers: sessionHeaders(ids[0]) })),
    ];
    for (const outcome of refused) expect([503, 'ECONNREFUSED', 'ECONNRESET']).toContain(outcome);

    // Every call shorter than the grace period completes with its result.
    await withTimeout(
      Promise.all(calls.map((c) => c.ended)),
      (GRACE_SECONDS + 5) * 1000,
      'calls were still open after the grace period',
    );
    shortMs.forEach((ms, i) => {
      const last = sseMessages(calls[i].text()).at(-1);
      expect(last).toMatchObject({ id: i, result: { content: [{ text: `slept ${ms} ms` }] } });
    });
    // The two long calls were cut when the grace period ran out: each got an error for its id.
    calls.slice(SHORT_CALLS).forEach((call, i) => {
      expect(sseMessages(call.text()).filter((m) => 'id' in m)).toEqual([
        { jsonrpc: '2.0', id: SHORT_CALLS + i, error: expect.objectContaining({ code: -32000 }) },
      ]);
    });

    const exit = await withTimeout(
      sample.exited,
      (GRACE_SECONDS + 10) * 1000,
      'the sample did not exit',
    );
    expect(exit.code).toBe(0);
    console.log(`shutdown under load: exit 0 ${exit.at - signalled} ms after SIGTERM`);
    expect(exit.at - signalled).toBeLessThanOrEqual((GRACE_SECONDS + 2) * 1000);
    expect(sample.output()).not.toMatch(/ERROR|Unhandled|Uncaught/);
    expect(sample.output()).toMatch(/grace period elapsed/i);
  }, 90_000);
});
